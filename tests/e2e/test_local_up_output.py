"""What a person sees in the terminal running `newsingest local up`: the banner, then one line per
article indexed, object rejected and delete, with no request log, no functions' INFO logs and no
warnings; `--verbose` adds moto's request log and the functions' logs, under the service name the
local environment gives them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import boto3
import pytest

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "tests" / "fixtures" / "articles" / "belarus-russia-alliance.txt"
NOT_AN_ARTICLE = b'{"headline": "no text field"}'
TIMEOUT_SECONDS = 120

REQUEST_LOG_LINE = re.compile(r'"(GET|PUT|POST|DELETE|HEAD) /\S* HTTP/1\.1" \d{3}')
"""What werkzeug (moto's server) logs for each request it serves."""


class LocalUp:
    """`newsingest local up` in its own process, its stdout and stderr read as they come."""

    def __init__(self, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("AWS_ENDPOINT_URL", "PYTHONWARNINGS")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "newsingest.cli", "local", "up", "--aws-port", "0", "--api-port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(stream, lines), daemon=True)
            for stream, lines in ((self.process.stdout, self.out), (self.process.stderr, self.err))
        ]
        for reader in self._readers:
            reader.start()
        self.wait_for(lambda line: line.startswith("Ctrl-C stops it"))
        self.aws = self._banner_value("AWS (moto) endpoint:")
        self.bucket = self._banner_value("articles bucket:")
        self.s3 = boto3.client(
            "s3",
            endpoint_url=self.aws,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    @staticmethod
    def _read(stream: IO[str] | None, lines: list[str]) -> None:
        assert stream is not None
        for line in stream:
            lines.append(line.rstrip("\n"))

    def _banner_value(self, label: str) -> str:
        return next(line.split(label, 1)[1].strip() for line in self.out if label in line)

    def wait_for(self, matches: Callable[[str], bool]) -> str:
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            found = next((line for line in list(self.out) if matches(line)), None)
            if found is not None:
                return found
            if self.process.poll() is not None:
                pytest.fail(f"local up ended early:\n{self.text()}")
            time.sleep(0.2)
        pytest.fail(f"not printed in time; printed:\n{self.text()}")

    def upload(self, key: str, body: bytes) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)

    def stop(self) -> int:
        """Ctrl-C; the exit status once both streams are read to the end."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        status = self.process.wait(timeout=60)
        for reader in self._readers:
            reader.join(timeout=10)
        return status

    def text(self) -> str:
        return "\n".join([*self.out, "--- stderr ---", *self.err])


@pytest.fixture
def local_up() -> Iterator[Callable[..., LocalUp]]:
    started: list[LocalUp] = []

    def start(*args: str) -> LocalUp:
        started.append(LocalUp(*args))
        return started[-1]

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait(timeout=30)


def test_by_default_it_prints_the_banner_then_one_line_per_article_and_nothing_else(
    local_up: Callable[..., LocalUp],
) -> None:
    # Given `newsingest local up` as a person starts it
    stack = local_up()
    # When they upload an article and a file that is not one, then delete the article
    stack.upload("incoming/belarus.txt", SAMPLE.read_bytes())
    stack.upload("incoming/not-an-article.json", NOT_AN_ARTICLE)
    stack.wait_for(lambda line: line.startswith("indexed "))
    stack.wait_for(lambda line: line.startswith("rejected "))
    stack.s3.delete_object(Bucket=stack.bucket, Key="incoming/belarus.txt")
    stack.wait_for(lambda line: line.startswith("deleted "))
    status = stack.stop()
    # Then the banner, one line for each thing that happened, and "Stopping."
    assert status == 0
    out = stack.out
    banner_end = out.index("Ctrl-C stops it.")
    assert out[0] == "newsingest local stack is up." and any("HTTP API:" in line for line in out[:banner_end])
    activity = [line for line in out[banner_end + 1 :] if line.strip()]
    [indexed] = [line for line in activity if line.startswith("indexed ")]
    assert re.fullmatch(r'indexed  incoming/belarus\.txt  "Belarus-Russia[^"]*"  \d+ entities', indexed), indexed
    [rejected] = [line for line in activity if line.startswith("rejected ")]
    assert rejected.startswith("rejected incoming/not-an-article.json  invalid_json: "), rejected
    assert [line for line in activity if line.startswith("deleted ")] == ["deleted  incoming/belarus.txt"]
    assert activity[-1] == "Stopping." and len(activity) == 4, stack.text()
    # And no request log, no functions' logs and no warnings anywhere
    assert not [line for line in out + stack.err if REQUEST_LOG_LINE.search(line)]
    assert not [line for line in out if line.startswith("{")], stack.text()
    assert "service_undefined" not in stack.text()
    assert stack.err == [], stack.text()


def test_verbose_adds_the_request_log_and_the_functions_logs_under_the_local_service_name(
    local_up: Callable[..., LocalUp],
) -> None:
    # Given `newsingest local up --verbose`
    stack = local_up("--verbose")
    # When a file is uploaded
    stack.upload("incoming/not-an-article.json", NOT_AN_ARTICLE)
    stack.wait_for(lambda line: line.startswith("rejected "))
    assert stack.stop() == 0
    # Then every request moto served is logged (on stderr, as werkzeug logs)
    assert [line for line in stack.err if REQUEST_LOG_LINE.search(line) and "/incoming/not-an-article.json" in line]
    # And both functions log at INFO, under the service name the local environment sets
    logs = [line for line in stack.out if line.startswith("{")]
    assert any('"message":"event published"' in line for line in logs)  # ingest, in a worker process
    assert any('"message":"event applied"' in line for line in logs)  # the indexer, in local up's own
    assert all('"service":"newsingest"' in line for line in logs)
    assert "service_undefined" not in stack.text()
