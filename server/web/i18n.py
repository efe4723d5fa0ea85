"""Page translations: one JSON catalog per page in ``static/i18n/<page>.json``.

A catalog maps a language code to ``{key: text}``. Every page gets the ``common`` catalog
merged with its own, rendered into the page, so the browser needs no extra request. Russian
is the default; every catalog must have the same keys in every language (a test checks).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

CATALOGS = Path(__file__).parent / "static" / "i18n"
LANGUAGES = ("ru", "en")


@lru_cache(maxsize=None)
def load_catalog(name: str) -> dict[str, dict[str, str]]:
    path = CATALOGS / f"{name}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {lang: dict(data[lang]) for lang in LANGUAGES}


def catalog_for(page: str) -> dict[str, dict[str, str]]:
    """The common strings and the page's own, per language."""
    common = load_catalog("common")
    own = load_catalog(page)
    return {lang: {**common[lang], **own[lang]} for lang in LANGUAGES}
