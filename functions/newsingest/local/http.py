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


SIGV4_PREFIX = "AWS4-HMAC-SHA256 "
MISSING_SIGNATURE: dict[str, Any] = {
    "statusCode": 403,
    "headers": {"Content-Type": "application/json"},
    "body": json.dumps({"message": "Missing Authentication Token", "details": []}),
}
"""What API Gateway answers a request that IAM authorisation refuses for want of a signature."""


def is_signed(headers: dict[str, str]) -> bool:
    """Whether a request carries a SigV4 signature. The local stand-in checks its presence and form
    only: verifying it needs the caller's secret, which API Gateway gets from IAM."""
    authorization = next((value for name, value in headers.items() if name.lower() == "authorization"), "")
    return authorization.startswith(SIGV4_PREFIX) and "Credential=" in authorization and "Signature=" in authorization


class _Handler(BaseHTTPRequestHandler):
    api: ApiHandler
    require_signature: bool

    def _forward(self) -> None:
        headers = dict(self.headers.items())
        if self.require_signature and not is_signed(headers):
            response = MISSING_SIGNATURE
        else:
            event = http_api_event(self.command, self.path, headers)
            response = self.api(event, LocalContext(function_name="ApiFunction", memory_limit_in_mb=256))
        body = response_body(response)
        self.send_response(int(response["statusCode"]))
        for name, value in (response.get("headers") or {}).items():
            self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def __getattr__(self, name: str) -> Any:
        """`do_<METHOD>` for any method: the API's catch-all route hands every method to the
        function, which decides (405 for all but GET)."""
        if name.startswith("do_"):
            return self._forward
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the local stack prints its own summary."""


def serve_api(
    handler: ApiHandler, host: str = "127.0.0.1", port: int = 0, *, require_signature: bool = True
) -> ThreadingHTTPServer:
    """Serve the API function over HTTP on a background thread, refusing unsigned requests as the
    deployed API's IAM authorisation does; `server.shutdown()` stops it."""
    handler_class = type(
        "ApiRequestHandler", (_Handler,), {"api": staticmethod(handler), "require_signature": require_signature}
    )
    server = ThreadingHTTPServer((host, port), handler_class)
    threading.Thread(target=server.serve_forever, name="local-http-api", daemon=True).start()
    return server
