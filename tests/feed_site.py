"""A news site on 127.0.0.1 for the feed tests: RSS/Atom feeds and article pages, served by the stdlib.

Each path serves a `Resource`; tests change them between polls. Feeds answer conditional GETs the way a
real server does (ETag / Last-Modified -> 304), `script` answers a path with given statuses first (a 429
then success), and every request is recorded with its headers so tests can check what was asked.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Resource:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    etag: bool = False  # answer If-None-Match
    last_modified: float | None = None  # answer If-Modified-Since (epoch seconds)
    chunked: bool = False  # no Content-Length: the reader must stop at its cap by itself
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def tag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    status: int


class FeedSite:
    def __init__(self) -> None:
        self.resources: dict[str, Resource] = {}
        self.scripts: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                site._serve(self)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                pass  # a reader that stops at its size cap resets the connection: expected, not news

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FeedSite":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def put(self, path: str, body: str | bytes, **kw: object) -> str:
        self.resources[path] = Resource(body.encode("utf-8") if isinstance(body, str) else body, **kw)
        return self.url(path)

    def script(self, path: str, *answers: tuple[int, dict[str, str]]) -> None:
        """Answer the next requests for `path` with these (status, headers) before serving it normally."""
        self.scripts[path] = list(answers)

    def hits(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def _record(self, handler: BaseHTTPRequestHandler, status: int) -> None:
        with self._lock:
            self.requests.append(Request(handler.path, {k.lower(): v for k, v in handler.headers.items()}, status))

    def _send(self, handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes = b"",
              chunked: bool = False) -> None:
        self._record(handler, status)
        handler.send_response(status)
        for k, v in headers.items():
            handler.send_header(k, v)
        if chunked:
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            try:
                for i in range(0, len(body), 16384):
                    part = body[i : i + 16384]
                    handler.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                handler.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                handler.close_connection = True  # the reader stopped at its cap, as it should
            return
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        if self.scripts.get(path):
            status, headers = self.scripts[path].pop(0)
            self._send(handler, status, headers, b"busy")
            return
        res = self.resources.get(path)
        if res is None:
            self._send(handler, 404, {"Content-Type": "text/html"}, b"<html><body><h1>Not found</h1></body></html>")
            return
        headers = {"Content-Type": res.content_type, **res.headers}
        if res.etag:
            headers["ETag"] = res.tag
            if handler.headers.get("If-None-Match") == res.tag:
                self._send(handler, 304, {"ETag": res.tag})
                return
        if res.last_modified is not None:
            headers["Last-Modified"] = formatdate(res.last_modified, usegmt=True)
            if handler.headers.get("If-Modified-Since") == headers["Last-Modified"]:
                self._send(handler, 304, {})
                return
        self._send(handler, res.status, headers, res.body, chunked=res.chunked)
