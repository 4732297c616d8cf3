"""A real HTTP server on 127.0.0.1, in a thread, serving recorded venue answers to
``presets fetch`` (stdlib http.server: no test dependency)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Answer:
    """One recorded answer: JSON (or raw bytes), a status, a delay, or a body cut short."""

    body: Any = None
    status: int = 200
    raw: bytes | None = None
    delay: float = 0.0
    truncate: int | None = None
    """Send only this many bytes of the body, with the whole length announced, then close."""
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        return self.raw if self.raw is not None else json.dumps(self.body).encode()


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


class VenueServer:
    """Routes ``(method, path, query subset)`` to answers; each route's answers are served in
    order, the last one repeated. Every request is logged in ``requests``."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, str, dict[str, str], list[Answer]]] = []
        self.requests: list[Request] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query))
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                server.requests.append(Request(method, parts.path, query, body, dict(self.headers)))
                answer = server.answer(method, parts.path, query, body)
                if answer.delay:
                    time.sleep(answer.delay)
                payload = answer.payload()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                try:
                    if answer.truncate is not None:
                        self.wfile.write(payload[: answer.truncate])
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def route(self, path: str, *answers: Answer | Any, method: str = "GET", **query: str) -> None:
        listed = [a if isinstance(a, Answer) else Answer(a) for a in answers]
        self.routes.append((method, path, query, listed))

    def answer(self, method: str, path: str, query: dict[str, str], body: Any) -> Answer:
        for route_method, route_path, route_query, answers in self.routes:
            if route_method == method and route_path == path and all(query.get(k) == v for k, v in route_query.items()):
                return answers.pop(0) if len(answers) > 1 else answers[0]
        return Answer({"error": f"no route for {method} {path} {query}"}, status=404)

    def __enter__(self) -> VenueServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def serving() -> Iterator[VenueServer]:
    with VenueServer() as server:
        yield server
