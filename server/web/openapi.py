"""The OpenAPI 3.1 document (``openapi.yaml``) and request validation against it.

Request bodies are checked with the document's own schemas, so what is documented is what
is enforced. The document is parsed once, when the first request needs it.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import jsonschema
import yaml

from server.domain.errors import InvalidInput


@functools.cache
def document() -> dict[str, Any]:
    text = resources.files("server.web").joinpath("openapi.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _inline(node: Any, schemas: dict[str, Any]) -> Any:
    """The schema with every local ``$ref`` replaced by its target (ours are not recursive),
    so validation does not resolve references on every request."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            target = _inline(schemas[ref.rsplit("/", 1)[-1]], schemas)
            rest = {k: _inline(v, schemas) for k, v in node.items() if k != "$ref"}
            return {**target, **rest}
        return {k: _inline(v, schemas) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(item, schemas) for item in node]
    return node


@functools.cache
def _validator(schema: str) -> jsonschema.Draft202012Validator:
    schemas = document()["components"]["schemas"]
    if schema not in schemas:
        raise KeyError(f"openapi.yaml has no schema {schema!r}")
    return jsonschema.Draft202012Validator(_inline(schemas[schema], schemas))


def validate_body(schema: str, data: object) -> None:
    """Raise InvalidInput naming the first problem with ``data``, or return quietly."""
    validator = _validator(schema)
    if validator.is_valid(data):
        return
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path)
        prefix = f"{where}: " if where else ""
        raise InvalidInput(f"{prefix}{error.message}", field=where or None)
