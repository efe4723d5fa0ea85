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


@functools.cache
def _validator(schema: str) -> jsonschema.Draft202012Validator:
    doc = document()
    if schema not in doc["components"]["schemas"]:
        raise KeyError(f"openapi.yaml has no schema {schema!r}")
    registry_root = {"$ref": f"#/components/schemas/{schema}", **doc}
    return jsonschema.Draft202012Validator(registry_root)


def validate_body(schema: str, data: object) -> None:
    """Raise InvalidInput naming the first problem with ``data``, or return quietly."""
    error = jsonschema.exceptions.best_match(_validator(schema).iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path)
        prefix = f"{where}: " if where else ""
        raise InvalidInput(f"{prefix}{error.message}", field=where or None)
