"""A real webhook receiver on loopback (a threaded ``http.server``), written the way a SendCloud customer
writes one from the docs (sendcloud-api-v2.md §8.2): it parses the form body and checks
``signature == hex(HMAC-SHA256(APP KEY, timestamp + token))``.

``answer`` decides what it replies, per request (method, path, fields):

    "ok"        -> 200 "ok"
    "500"       -> 500
    "404"       -> 404
    "hang"      -> says nothing until the test ends (the client's deadline must cut it)
    "redirect"  -> 302 to /elsewhere on the same receiver
    "big"       -> 200 with a 100 KB body

``mode`` sets one answer for every request; ``modes`` per method (e.g. {"GET": "404"}); ``answer_for``
(a function) overrides both.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


def verify(appkey: str, token: str, timestamp: str, signature: str) -> bool:
    """SendCloud's receiver sample (guide/advance.md, Python), kept as written there."""
    return signature == hmac.new(
        key=appkey.encode(),
        msg=f"{timestamp}{token}".encode(),
        digestmod=hashlib.sha256,
    ).hexdigest()


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    fields: dict[str, str]
    signature_ok: bool | None  # None when the request carried no signature


@dataclass
class Receiver:
    app_key: str = ""
    mode: str = "ok"
    modes: dict[str, str] = field(default_factory=dict)
    answer_for: object = None
    tls_context: object = None  # an ssl.SSLContext: serve HTTPS
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self):
        self.released = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                receiver._handle(self, "GET")

            def do_POST(self):
                receiver._handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if self.tls_context is not None:
            self.server.socket = self.tls_context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        scheme = "https" if self.tls_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    @property
    def posts(self) -> list[Request]:
        """POSTs that carried an event (probes carry none)."""
        return [r for r in self.requests if r.method == "POST" and "event" in r.fields]

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        fields: dict[str, str] = {}
        if method == "POST":
            parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            if any(len(values) > 1 for values in parsed.values()):
                raise AssertionError(f"repeated form keys: {parsed}")
            fields = {key: values[0] for key, values in parsed.items()}
        signature_ok = None
        if "signature" in fields:
            signature_ok = verify(self.app_key, fields.get("token", ""), fields.get("timestamp", ""),
                                  fields["signature"])
        request = Request(method, handler.path, dict(handler.headers.items()), body, fields, signature_ok)
        with self.lock:
            self.requests.append(request)
        answer = (self.answer_for(request) if callable(self.answer_for) else None) or self.modes.get(method, self.mode)
        if answer == "hang":
            self.released.wait(30)
            return
        if answer == "redirect":
            self._reply(handler, 302, b"moved", {"Location": f"http://127.0.0.1:{self.port}/elsewhere"})
        elif answer == "big":
            self._reply(handler, 200, b"x" * 100_000)
        elif answer in ("500", "404"):
            self._reply(handler, int(answer), f"error {answer}".encode())
        else:
            self._reply(handler, 200, b"ok")

    @staticmethod
    def _reply(handler, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Connection", "close")
        handler.end_headers()
        try:
            handler.wfile.write(body)
        except OSError:
            pass
