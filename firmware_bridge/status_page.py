"""A tiny local web page showing the simulated boards (the demo's LED boards, keypads, staff-call
buttons and rating pads) and letting a visitor press their keys.

``GET /`` the page (it refreshes itself from ``/state.json`` twice a second), ``GET
/state.json`` every board's ``BoardView``, ``POST /press`` a JSON press: ``{"address": 19,
"key": "call_next"}`` (keys: call_next, recall, start, finish, no_show, pause),
``{"address": 48, "staff_call": true}`` or ``{"address": 33, "rating": 5}``.

Standard library only (``http.server``), loopback by default: it is a demo aid, not a service.
"""

from __future__ import annotations

import json
import logging
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from firmware_bridge import protocol as p
from firmware_bridge.errors import BridgeError
from firmware_bridge.simulator import BoardSimulator

log = logging.getLogger(__name__)

KEYS = {key.name.lower(): key for key in p.Key}
MAX_BODY = 1024


class StatusPage:
    """Serves ``simulator`` on ``host:port`` (port 0: any free port; see ``url``)."""

    def __init__(self, simulator: BoardSimulator, host: str = "127.0.0.1", port: int = 0,
                 title: str = "Talon: simulated boards") -> None:
        handler = type("Handler", (_Handler,), {"simulator": simulator, "title": title})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="status-page",
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> StatusPage:
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()


def press(simulator: BoardSimulator, body: object) -> None:
    """Play one press described by ``body`` (see the module docstring); BridgeError or
    ValueError if it is not one."""
    if not isinstance(body, dict) or type(body.get("address")) is not int:
        raise ValueError('a press is {"address": <int>, "key" | "staff_call" | "rating": ...}')
    address = body["address"]
    if "key" in body:
        if body["key"] not in KEYS:
            raise ValueError(f"unknown key {body['key']!r}, one of {', '.join(KEYS)}")
        simulator.press(address, KEYS[body["key"]])
    elif body.get("staff_call") is True:
        simulator.staff_call(address)
    elif type(body.get("rating")) is int:
        simulator.rate(address, body["rating"])
    else:
        raise ValueError('say "key", "staff_call": true or "rating"')


class _Handler(BaseHTTPRequestHandler):
    simulator: BoardSimulator
    title: str

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base's name)
        log.debug("status page: " + format, *args)

    def do_GET(self) -> None:
        if self.path in ("/", "/index.html"):
            page = PAGE.replace("{title}", self.title)
            self._reply(HTTPStatus.OK, page.encode("utf-8"), "text/html; charset=utf-8")
        elif self.path == "/state.json":
            boards = [view.as_json() for view in self.simulator.views()]
            self._json(HTTPStatus.OK, {"boards": boards})
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def do_POST(self) -> None:
        if self.path != "/press":
            self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_BODY:
            self._json(HTTPStatus.BAD_REQUEST, {"error": "a small JSON body is required"})
            return
        try:
            press(self.simulator, json.loads(self.rfile.read(length)))
        except (ValueError, BridgeError) as error:
            self._json(HTTPStatus.BAD_REQUEST, {"error": str(error)})
            return
        self._json(HTTPStatus.OK, {"ok": True})

    def _json(self, status: HTTPStatus, body: object) -> None:
        self._reply(status, json.dumps(body, ensure_ascii=False).encode("utf-8"),
                    "application/json; charset=utf-8")

    def _reply(self, status: HTTPStatus, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)


PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>{title}</title>
<style>
body { font: 15px system-ui, sans-serif; background: #eee; margin: 1.5em; }
.boards { display: flex; flex-wrap: wrap; gap: 1em; }
.board { background: #fff; border-radius: 6px; padding: .8em; min-width: 14em; }
.board h2 { font-size: 1em; margin: 0 0 .5em; }
.meta { color: #666; font-size: .85em; margin-top: .4em; }
.led { background: #111; color: #ff9a1f; font: bold 32px/48px monospace; height: 48px;
       padding: 0 .4em; letter-spacing: .08em; position: relative; white-space: pre; }
.led.closed { color: #e33; font-size: 20px; }
.led.blink { animation: blink .5s steps(1) infinite; }
.led.lost::after { content: ""; position: absolute; right: 4px; bottom: 4px; width: 6px;
                   height: 6px; background: #ff9a1f; }
@keyframes blink { 50% { color: #3a2308; } }
button { margin: .15em; }
.down { outline: 3px solid #e33; }
</style></head>
<body><h1>{title}</h1><div class="boards" id="boards"></div>
<script>
const KEYS = [["call_next", "Вызвать"], ["recall", "Повтор"], ["start", "Начать"],
              ["finish", "Завершить"], ["no_show", "Неявка"], ["pause", "Пауза"]];
function press(body) {
  fetch("/press", {method: "POST", headers: {"Content-Type": "application/json"},
                   body: JSON.stringify(body)}).then(refresh);
}
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function card(b) {
  const c = el("div", "board" + (b.silent ? " down" : ""));
  c.append(el("h2", "", (b.name || b.kind) + " · 0x" + b.address.toString(16).padStart(2, "0")));
  if (b.kind === "window_board") {
    const led = el("div", "led" + (b.closed ? " closed" : "") + (b.blinking ? " blink" : "")
                   + (b.host_lost ? " lost" : ""), b.text);
    if (b.brightness !== null) led.style.filter = "brightness(" + (0.4 + b.brightness / 25) + ")";
    c.append(led);
  } else if (b.kind === "keypad") {
    for (const [key, label] of KEYS) {
      const btn = el("button", "", label);
      btn.onclick = () => press({address: b.address, key: key});
      c.append(btn);
    }
  } else if (b.kind === "staff_call") {
    const btn = el("button", "", "Вызов персонала");
    btn.onclick = () => press({address: b.address, staff_call: true});
    c.append(btn);
  } else {
    for (let n = 1; n <= 5; n++) {
      const btn = el("button", "", "★".repeat(n));
      btn.onclick = () => press({address: b.address, rating: n});
      c.append(btn);
    }
  }
  const state = b.silent ? "отключена" : b.identified ? "на связи" : "нет сеанса";
  c.append(el("div", "meta", state + (b.queued ? " · в очереди " + b.queued : "")
                             + (b.host_lost ? " · нет связи с мостом" : "")));
  return c;
}
function refresh() {
  fetch("/state.json").then(r => r.json()).then(s => {
    document.getElementById("boards").replaceChildren(...s.boards.map(card));
  }).catch(() => {});
}
refresh();
setInterval(refresh, 500);
</script></body></html>
"""
