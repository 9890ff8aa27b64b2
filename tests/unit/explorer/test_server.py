"""The explorer's server: static files from a fixed list, GET /v1/... forwarded signed, nothing else.
The upstream here is a real `QueryClient` against a stub API on 127.0.0.1 that records what it got."""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import re
import socket
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from newsingest.adapters.api_client import QueryClient
from newsingest.cli import _explore, main
from newsingest.explorer.server import STATIC_DIR, ExplorerServer, forwardable, serve_explorer

ROOT = Path(__file__).parents[3]


class StubApi(ThreadingHTTPServer):
    """Answers every GET with JSON naming what it received; 404 for /v1/entities/person:nobody."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        super().__init__(("127.0.0.1", 0), _StubHandler)


class _StubHandler(BaseHTTPRequestHandler):
    server: StubApi

    def do_GET(self) -> None:
        self.server.received.append({"path": self.path, "headers": dict(self.headers.items())})
        status = 404 if "nobody" in self.path else 200
        body = json.dumps({"message": "no entity"} if status == 404 else {"path": self.path}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def stub_api() -> Iterator[StubApi]:
    server = StubApi()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def explorer(stub_api: StubApi) -> Iterator[ExplorerServer]:
    host, port = stub_api.server_address[:2]
    upstream = QueryClient(f"http://{host!s}:{port}", region="us-east-1", credentials=("AKIDEXAMPLE", "secret"))
    server = serve_explorer(upstream)
    yield server
    server.shutdown()
    server.server_close()


def request(
    server: ExplorerServer, path: str, method: str = "GET", host: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    """A raw request: http.client sends the path exactly as given (no normalisation)."""
    address, port = server.server_address[:2]
    connection = http.client.HTTPConnection(str(address), port, timeout=10)
    headers = {"Host": host} if host else {}
    connection.request(method, path, headers=headers)
    response = connection.getresponse()
    answer = response.status, {name.lower(): value for name, value in response.getheaders()}, response.read()
    connection.close()
    return answer


def test_an_api_call_is_forwarded_as_given_and_signed_with_sigv4(explorer: ExplorerServer, stub_api: StubApi) -> None:
    # When the page asks for an entity by its percent-encoded id, with a query string
    status, headers, body = request(
        explorer, "/v1/entities/person%3Avladimir-putin/timeline?interval=week&from=2024-01-01"
    )
    # Then the API got the same path and query, signed for execute-api with the configured credentials
    assert status == 200 and headers["content-type"] == "application/json"
    [received] = stub_api.received
    assert received["path"] == "/v1/entities/person%3Avladimir-putin/timeline?interval=week&from=2024-01-01"
    authorization = received["headers"]["Authorization"]
    assert re.match(
        r"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\d{8}/us-east-1/execute-api/aws4_request, "
        r"SignedHeaders=[a-z;-]*host[a-z;-]*, Signature=[0-9a-f]{64}$",
        authorization,
    )
    assert "X-Amz-Date" in received["headers"]
    assert json.loads(body) == {"path": received["path"]}
    assert headers["cache-control"] == "no-store"


def test_api_errors_pass_through_with_their_status_and_body(explorer: ExplorerServer) -> None:
    status, _, body = request(explorer, "/v1/entities/person:nobody")
    assert status == 404 and json.loads(body) == {"message": "no entity"}


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_is_forwarded(explorer: ExplorerServer, stub_api: StubApi, method: str) -> None:
    status, headers, body = request(explorer, "/v1/entities?q=putin", method=method)
    assert status == 405 and headers["allow"] == "GET, HEAD"
    assert "only GET" in json.loads(body)["message"]
    assert stub_api.received == []


@pytest.mark.parametrize(
    "path",
    [
        "/entities?q=putin",  # not under /v1
        "/v1",
        "/v1/../entities",
        "/v1/%2e%2e/%2e%2e/admin",
        "/v1/entities/./x",
        "/v1/entities\\..\\x",
    ],
)
def test_only_v1_paths_without_dot_segments_are_forwarded(
    explorer: ExplorerServer, stub_api: StubApi, path: str
) -> None:
    status, _, _ = request(explorer, path)
    assert status == 404
    assert stub_api.received == []


def test_forwardable_paths() -> None:
    assert forwardable("/v1/entities")
    assert forwardable("/v1/articles/0123456789abcdef0123456789abcdef/parsed")
    assert not forwardable("/v2/entities")
    assert not forwardable("/v1/a/%2E%2E/b")


def test_a_request_naming_another_host_is_refused(explorer: ExplorerServer, stub_api: StubApi) -> None:
    # A page elsewhere that rebinds its DNS name to 127.0.0.1 sends its own name as Host
    port = explorer.server_address[1]
    for path in ("/v1/entities?q=putin", "/"):
        status, _, body = request(explorer, path, host=f"attacker.example:{port}")
        assert status == 403 and "Host" in json.loads(body)["message"]
    assert stub_api.received == []
    assert request(explorer, "/", host=f"localhost:{port}")[0] == 200


def test_the_page_and_its_assets_are_served_with_a_strict_policy(explorer: ExplorerServer) -> None:
    status, headers, body = request(explorer, "/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert body == (STATIC_DIR / "index.html").read_bytes()
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert "access-control-allow-origin" not in headers
    for name, content_type in [("app.js", "text/javascript"), ("app.css", "text/css"), ("favicon.svg", "image/svg")]:
        status, headers, body = request(explorer, f"/{name}")
        assert status == 200 and headers["content-type"].startswith(content_type)
        assert body == (STATIC_DIR / name).read_bytes()
    status, headers, body = request(explorer, "/app.js", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0


@pytest.mark.parametrize(
    "path",
    [
        "/../server.py",
        "/%2e%2e/server.py",
        "/static/../server.py",
        "/..%2fserver.py",
        "//etc/passwd",
        "/../../../../etc/passwd",
        "/%2Fetc%2Fpasswd",
        "/index.html/..",
        "/missing.js",
    ],
)
def test_no_path_leads_outside_the_static_folder(explorer: ExplorerServer, path: str) -> None:
    status, _, body = request(explorer, path)
    assert status == 404
    assert b"import" not in body and b"root:" not in body


def test_an_unreachable_api_is_a_502_with_a_message() -> None:
    upstream = QueryClient("http://127.0.0.1:9", region="us-east-1", credentials=("a", "b"))  # discard port: refused
    server = serve_explorer(upstream)
    try:
        status, _, body = request(server, "/v1/entities?q=x")
    finally:
        server.shutdown()
        server.server_close()
    assert status == 502
    assert "did not answer" in json.loads(body)["message"]


def test_the_page_loads_nothing_from_elsewhere() -> None:
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    references = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert references and all(not re.match(r"[a-z]+:|//", ref) for ref in references if ref != "#/"), references
    for name in ("app.js", "app.css"):
        text = (STATIC_DIR / name).read_text(encoding="utf-8")
        urls = set(re.findall(r"https?://[^\s\"'`)]+", text))
        assert urls <= {"http://www.w3.org/2000/svg"}, urls  # the SVG namespace names, never fetches
        assert "@import" not in text and "url(" not in text
    # Every file the page references is one the server serves
    served = {path.name for path in STATIC_DIR.iterdir()}
    assert {ref for ref in references if not ref.startswith("#")} <= served
    assert (STATIC_DIR / "LICENSES.md").is_file()


def test_the_static_files_ship_in_the_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "explorer/static/*" in config["tool"]["setuptools"]["package-data"]["newsingest"]


def test_explore_serves_the_explorer_for_an_endpoint(
    stub_api: StubApi, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given credentials in the environment, as a user's AWS configuration gives them
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDUSER")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    started: list[ExplorerServer] = []
    ready = threading.Event()

    def recording(*args: Any, **kwargs: Any) -> ExplorerServer:
        started.append(serve_explorer(*args, **kwargs))
        ready.set()
        return started[0]

    monkeypatch.setattr("newsingest.explorer.server.serve_explorer", recording)
    stop = threading.Event()
    answers: list[int] = []

    def browse() -> None:  # a browser asks the explorer something, then Ctrl-C
        ready.wait(10)
        answers.append(request(started[0], "/v1/entities?q=nato")[0])
        stop.set()

    # When `newsingest explore --endpoint-url URL --port 0` runs
    host, port = stub_api.server_address[:2]
    args = argparse.Namespace(endpoint_url=f"http://{host!s}:{port}", stack=None, region=None, port=0)
    threading.Thread(target=browse, daemon=True).start()
    status = _explore(args, stop_requested=stop)
    # Then it printed its URL, signed the call with the user's credentials and region, and stopped
    assert status == 0 and answers == [200]
    out = capsys.readouterr().out
    assert f"newsingest explorer: {started[0].url}" in out and started[0].url.startswith("http://127.0.0.1:")
    authorization = stub_api.received[0]["headers"]["Authorization"]
    assert "Credential=AKIDUSER/" in authorization and "/eu-west-1/execute-api/" in authorization


def test_explore_needs_a_stack_or_an_endpoint(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["explore"])
    assert "--stack" in capsys.readouterr().err


def test_local_up_takes_any_free_port_when_the_explorers_default_is_taken() -> None:
    from newsingest.local.up import EXPLORER_PORT, _serve_explorer

    # Given something else on the default port (this socket, or whatever holds it already)
    with socket.socket() as busy:
        with contextlib.suppress(OSError):
            busy.bind(("127.0.0.1", EXPLORER_PORT))
            busy.listen()
        # When local up starts its explorer without a port asked for, it takes another
        server = _serve_explorer("http://127.0.0.1:9", "127.0.0.1", None)
        try:
            assert server.server_address[1] != EXPLORER_PORT
        finally:
            server.shutdown()
            server.server_close()
        # but a port asked for is that port or an error
        with pytest.raises(OSError):
            _serve_explorer("http://127.0.0.1:9", "127.0.0.1", EXPLORER_PORT)
