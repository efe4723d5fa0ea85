"""The staff and board page shells: who gets them, what they load, their translations."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask

from server.web.i18n import CATALOGS, LANGUAGES
from tests.server.conftest import login

STAFF_PAGES = {"/desk": "ivanova", "/desk/2": "ivanova", "/console": "hall"}
BOARD_PAGES = ("/board", "/board/window/3")


def config_of(html: str) -> dict[str, object]:
    found = re.search(r'<script id="talon-config" type="application/json">(.*?)</script>',
                      html, re.S)
    assert found, "page has no talon-config block"
    return json.loads(found.group(1))


@pytest.mark.parametrize("path", sorted(STAFF_PAGES))
def test_staff_pages_send_a_stranger_to_the_login(app: Flask, path: str) -> None:
    response = app.test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=" + path)


@pytest.mark.parametrize("path,user", sorted(STAFF_PAGES.items()))
def test_staff_pages_render_for_their_role(app: Flask, path: str, user: str) -> None:
    response = login(app, user).get(path)
    assert response.status_code == 200
    config = config_of(response.get_data(as_text=True))
    assert config["user"] == user
    assert "ticket.called" in config["events"]
    assert set(config["catalog"]) == set(LANGUAGES)


def test_a_consultant_may_not_open_the_console(app: Flask) -> None:
    response = login(app, "ivanova").get("/console")
    assert response.status_code == 403
    assert "consultant" in response.get_data(as_text=True)


def test_a_desk_for_an_unknown_window_is_not_found(app: Flask) -> None:
    assert login(app, "ivanova").get("/desk/99").status_code == 404
    assert app.test_client().get("/board/window/99").status_code == 404


@pytest.mark.parametrize("path", BOARD_PAGES)
def test_boards_need_no_login_page_and_are_device_pages(app: Flask, path: str) -> None:
    response = app.test_client().get(path)
    assert response.status_code == 200
    config = config_of(response.get_data(as_text=True))
    assert config["device"] is True
    assert config["windows"][0]["number"] == 1


def test_login_never_redirects_to_another_host(app: Flask) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "javascript:alert(1)",
                   "/\\evil.example/", "/\t/evil.example/", "/\n/evil.example", "\\evil"):
        html = app.test_client().get("/login", query_string={"next": target})
        assert config_of(html.get_data(as_text=True))["next"] == "/"
    html = app.test_client().get("/login", query_string={"next": "/desk/2"})
    assert config_of(html.get_data(as_text=True))["next"] == "/desk/2"


def test_every_catalog_has_the_same_keys_in_every_language() -> None:
    catalogs = sorted(Path(CATALOGS).glob("*.json"))
    assert catalogs, "no catalogs"
    for path in catalogs:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert set(data) == set(LANGUAGES), path.name
        keys = [set(data[lang]) for lang in LANGUAGES]
        assert all(k == keys[0] for k in keys), f"{path.name}: {keys[0] ^ keys[1]}"
        assert all(text.strip() for lang in LANGUAGES for text in data[lang].values())


def test_static_assets_are_served_by_us(app: Flask) -> None:
    client = app.test_client()
    for asset in ("talon.js", "talon.css", "vendor/socket.io.min.js",
                  "fonts/pt-sans-cyrillic-400-normal.woff2"):
        response = client.get(f"/static/{asset}")
        assert response.status_code == 200, asset
        assert len(response.data) > 1000, asset
        response.close()
