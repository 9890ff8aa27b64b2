"""The explorer's web server: the static single-page app, and the app's `GET /v1/...` calls passed
on to the query API, each signed with SigV4 by the upstream client (the user's AWS credentials, or
the local stack's `testing` ones). It listens on 127.0.0.1 only, so the API stays IAM-only and
nothing is opened to the network: the browser talks to this server, this server to the API.

Hardening, since a signing proxy on localhost is something other web pages could try to use:
- only GET (and HEAD for the static files); every other method is 405;
- only paths under `/v1/` are forwarded, never one with a `.` or `..` segment;
- static files are served from a fixed list (the files of `static/`, read at start), so no path
  leads outside that folder;
- the `Host` header must name this server (`127.0.0.1:<port>` or `localhost:<port>`): a page on
  another site that rebinds its DNS name to 127.0.0.1 (DNS rebinding) is refused, and no CORS
  header is ever sent, so other origins cannot read answers;
- a Content-Security-Policy lets the page load nothing but its own files.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

STATIC_DIR = Path(__file__).with_name("static")
API_PREFIX = "/v1/"
SHUTDOWN_POLL_SECONDS = 0.1
"""How often the serving thread checks for `shutdown()`: stopping takes at most this long."""
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".md": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""Nothing but the page's own files and its own API calls: no CDN, no third party, no inline script."""
COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class UpstreamReply(Protocol):
    @property
    def status(self) -> int: ...

    @property
    def content_type(self) -> str: ...

    @property
    def body(self) -> bytes: ...


class Upstream(Protocol):
    """Where API calls go: `newsingest.adapters.api_client.QueryClient` (signs each call)."""

    @property
    def base_url(self) -> str: ...

    def fetch(self, target: str) -> UpstreamReply: ...


def static_files(folder: Path = STATIC_DIR) -> dict[str, Path]:
    """URL path -> file, for every file directly in `folder` (`/` is index.html)."""
    files = {f"/{path.name}": path for path in sorted(folder.iterdir()) if path.is_file()}
    if "/index.html" in files:
        files["/"] = files["/index.html"]
    return files


def forwardable(path: str) -> bool:
    """Whether a request path is an API call this server passes on: under /v1/, no dot segments
    (decoded or not), no backslash."""
    if not path.startswith(API_PREFIX) or "\\" in path:
        return False
    segments = unquote(path).split("/")
    return not any(segment in (".", "..") for segment in segments)


class ExplorerServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], upstream: Upstream, files: dict[str, Path]) -> None:
        super().__init__(address, _Handler)
        self.upstream = upstream
        self.files = files
        host, port = self.server_address[:2]
        self.allowed_hosts = {f"{host!s}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"}

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"


class _Handler(BaseHTTPRequestHandler):
    server: ExplorerServer

    def version_string(self) -> str:
        return "newsingest-explorer"

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def __getattr__(self, name: str) -> Any:
        """`do_<METHOD>` for every other method: 405."""
        if name.startswith("do_"):
            return self._not_allowed
        raise AttributeError(name)

    def _not_allowed(self) -> None:
        self._send(405, "application/json", _message("only GET is served here"), extra={"Allow": "GET, HEAD"})

    def _answer(self, *, head: bool) -> None:
        if self.headers.get("Host", "") not in self.server.allowed_hosts:
            self._send(403, "application/json", _message("unexpected Host header: open the explorer by its URL"))
            return
        path = urlsplit(self.path).path
        if path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/"):
            if head:
                self._not_allowed()
            elif not forwardable(path):
                self._send(404, "application/json", _message("no such API path"))
            else:
                self._forward()
            return
        file = self.server.files.get(path)
        if file is None:
            self._send(404, "text/plain; charset=utf-8", b"not found: the explorer is at /\n", head=head)
            return
        body = file.read_bytes()
        content_type = CONTENT_TYPES.get(file.suffix, "application/octet-stream")
        self._send(200, content_type, body, head=head, extra={"Content-Security-Policy": CONTENT_SECURITY_POLICY})

    def _forward(self) -> None:
        upstream = self.server.upstream
        try:
            reply = upstream.fetch(self.path)
        except (OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            self._send(502, "application/json", _message(f"the API at {upstream.base_url} did not answer: {reason}"))
            return
        self._send(reply.status, reply.content_type or "application/json", reply.body)

    def _send(
        self, status: int, content_type: str, body: bytes, *, head: bool = False, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (COMMON_HEADERS | (extra or {})).items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the command that started the server prints what a person needs."""


def _message(text: str) -> bytes:
    return json.dumps({"message": text}).encode("utf-8")


def serve_explorer(upstream: Upstream, host: str = "127.0.0.1", port: int = 0) -> ExplorerServer:
    """Serve the explorer on a background thread; `server.url` is the address to open,
    `server.shutdown()` and `server.server_close()` stop it."""
    server = ExplorerServer((host, port), upstream, static_files())
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS}, name="explorer-http", daemon=True
    ).start()
    return server
