"""What API Gateway's HTTP API does in front of the API function, done locally: turn an HTTP
request into the payload-2.0 event Lambda receives, and the function's answer back into HTTP."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from newsingest.local.esm import LocalContext

ApiHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def http_api_event(method: str, target: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The payload-2.0 event for a request line such as `GET /entities?q=pu` (path URL-decoded,
    repeated query parameters joined with commas, as API Gateway does)."""
    parts = urlsplit(target)
    query: dict[str, str] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    now = datetime.now(UTC)
    path = unquote(parts.path) or "/"
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.path or "/",
        "rawQueryString": parts.query,
        "headers": {name.lower(): value for name, value in (headers or {}).items()},
        "queryStringParameters": query or None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {
                "method": method.upper(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": (headers or {}).get("User-Agent", "local"),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }


def response_body(response: dict[str, Any]) -> bytes:
    """The body bytes of a Lambda proxy response."""
    body = response.get("body") or ""
    return base64.b64decode(body) if response.get("isBase64Encoded") else str(body).encode("utf-8")


def call_api(handler: ApiHandler, target: str) -> tuple[int, Any]:
    """Invoke the API function for `GET target`; returns (status, decoded JSON body)."""
    response = handler(http_api_event("GET", target), LocalContext(function_name="ApiFunction", memory_limit_in_mb=256))
    body = response_body(response)
    return int(response["statusCode"]), json.loads(body) if body else None


class _Handler(BaseHTTPRequestHandler):
    api: ApiHandler

    def do_GET(self) -> None:
        event = http_api_event("GET", self.path, dict(self.headers.items()))
        response = self.api(event, LocalContext(function_name="ApiFunction", memory_limit_in_mb=256))
        body = response_body(response)
        self.send_response(int(response["statusCode"]))
        for name, value in (response.get("headers") or {}).items():
            self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Quiet: the local stack prints its own summary."""


def serve_api(handler: ApiHandler, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """Serve the API function over HTTP on a background thread; `server.shutdown()` stops it."""
    handler_class = type("ApiRequestHandler", (_Handler,), {"api": staticmethod(handler)})
    server = ThreadingHTTPServer((host, port), handler_class)
    threading.Thread(target=server.serve_forever, name="local-http-api", daemon=True).start()
    return server
