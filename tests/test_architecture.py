"""Import rules of the house style, checked on the source tree's syntax (nothing is imported).

* The pure core (server/domain, server/queue.py, server/payloads.py, server/simulation.py)
  imports no web framework, database, Socket.IO or hardware library.
* server/store never imports server/web and vice versa; only the CLI wires server.app.
* kiosk, display and firmware_bridge import nothing from the server but server.contract,
  and nothing from each other.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("server", "kiosk", "display", "firmware_bridge", "talon")
PURE = ("server/domain", "server/queue.py", "server/payloads.py", "server/simulation.py",
        "server/scenarios.py", "server/snapshots.py", "server/ports.py",
        "server/contract.py")
STDLIB = sys.stdlib_module_names
# What the pure core may import besides the standard library and itself.
PURE_ALLOWED = {"pydantic", "server"}
# server.config is allowed: it reads TOML with the standard library and validates with pydantic.
PURE_FORBIDDEN_SERVER = ("server.web", "server.store", "server.app", "server.cli",
                         "server.accounts")
CLIENTS = ("kiosk", "display", "firmware_bridge")


def sources() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def imports(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def is_pure(path: Path) -> bool:
    rel = relative(path)
    return any(rel == p or rel.startswith(p + "/") for p in PURE)


def impure(names: set[str]) -> list[str]:
    """The imports among ``names`` that the pure core may not make."""
    return sorted(
        name
        for name in names
        if name.split(".")[0] not in (*STDLIB, *PURE_ALLOWED, "__future__")
        or name.startswith(PURE_FORBIDDEN_SERVER)
        or name.split(".")[0] == "sqlite3"  # standard library, but storage is an adapter
    )


def crossing(client: str, names: set[str]) -> list[str]:
    """The imports among ``names`` that client package ``client`` may not make."""
    return sorted(
        name
        for name in names
        if (name.startswith("server") and name != "server"
            and not name.startswith("server.contract"))
        or any(name.startswith(other) for other in CLIENTS if other != client)
    )


@pytest.mark.parametrize("path", [p for p in sources() if is_pure(p)], ids=relative)
def test_pure_core_imports_no_adapters(path: Path) -> None:
    assert impure(imports(path)) == [], relative(path)


def test_contract_is_standard_library_only() -> None:
    for name in imports(ROOT / "server" / "contract.py"):
        assert name.split(".")[0] in STDLIB or name == "__future__", name


@pytest.mark.parametrize("path", sources(), ids=relative)
def test_layers_do_not_cross(path: Path) -> None:
    rel = relative(path)
    names = imports(path)
    if rel.startswith("server/store/"):
        assert not any(n.startswith(("server.web", "flask")) for n in names), rel
    if rel.startswith("server/web/"):
        assert not any(n.startswith(("server.store", "sqlite3", "sqlite_utils")) for n in names)
    if rel not in ("server/cli.py",):
        assert not any(n == "server.app" or n.startswith("server.app.") for n in names), rel
    for client in CLIENTS:
        if rel.startswith(client + "/"):
            assert crossing(client, names) == [], rel


def test_no_grab_bag_modules() -> None:
    names = {p.stem for p in sources()}
    assert not names & {"utils", "helpers", "misc", "common"}


@pytest.mark.parametrize("path", sources(), ids=relative)
def test_library_code_does_not_print(path: Path) -> None:
    if path.name in ("cli.py", "__main__.py"):
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
             and isinstance(n.func, ast.Name) and n.func.id == "print"]
    assert not calls, f"{relative(path)} calls print()"


def test_the_rules_can_fail() -> None:
    """The checkers flag forbidden imports (guards against checks that pass vacuously)."""
    assert "server.domain.errors" in imports(ROOT / "server" / "domain" / "tickets.py")
    assert any(n.startswith("flask") for n in imports(ROOT / "server" / "web" / "api.py"))
    assert impure({"json", "pydantic", "server.domain.tickets", "flask", "sqlite3",
                   "server.store.sqlite", "gpiozero"}) == [
        "flask", "gpiozero", "server.store.sqlite", "sqlite3"]
    assert crossing("kiosk", {"server.contract", "server.queue", "display.board", "requests"}) == [
        "display.board", "server.queue"]


@pytest.mark.parametrize("path", sources(), ids=relative)
def test_library_code_checks_with_exceptions_not_asserts(path: Path) -> None:
    """``python -O`` drops asserts: a runtime check must raise the package's own error."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Assert)]
    assert not lines, f"{relative(path)} uses assert on lines {lines}"
