"""`newsingest local up`: a moto server, the event wiring and the HTTP API on 127.0.0.1, used the
way a person would (boto3 against the endpoint, HTTP requests, `newsingest query`), and the API
checked against its committed OpenAPI document with schemathesis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
import schemathesis
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from newsingest.cli import main
from newsingest.local.up import LocalEndpoints, local_stack
from newsingest.models import Article

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "tests" / "fixtures" / "articles" / "belarus-russia-alliance.txt"
INDEXING_TIMEOUT_SECONDS = 60


def schema_without_security() -> dict[str, Any]:
    """The committed OpenAPI document minus its security requirement: every request here is
    SigV4-signed by the session (as the CLI signs), so schemathesis's negative cases on the
    Authorization header cannot apply; refusing unsigned requests is tested on its own below."""
    document = json.loads((ROOT / "schemas" / "openapi.json").read_text(encoding="utf-8"))
    document.pop("security", None)
    document.get("components", {}).pop("securitySchemes", None)
    return dict(document)


SCHEMA = schemathesis.openapi.from_dict(schema_without_security())


CREDENTIALS = Credentials("testing", "testing")


def signed_headers(method: str, url: str) -> dict[str, str]:
    request = AWSRequest(method=method, url=url)
    SigV4Auth(CREDENTIALS, "execute-api", "us-east-1").add_auth(request)
    return dict(request.headers.items())


class SigV4(requests.auth.AuthBase):
    """Signs every request as the CLI does (replacing whatever Authorization header was there)."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.pop("Authorization", None)
        request.headers.update(signed_headers(str(request.method), str(request.url)))
        return request


def http_get(url: str, *, sign: bool = True) -> Any:
    headers = signed_headers("GET", url) if sign else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - a loopback URL we started
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def article_exists(api: str, article_id: str) -> bool:
    try:
        http_get(f"{api}/v1/articles/{article_id}")
    except urllib.error.HTTPError:
        return False
    return True


@pytest.fixture(scope="module")
def running() -> Iterator[LocalEndpoints]:
    """The local stack with the sample uploaded and indexed."""
    with local_stack(aws_port=0, api_port=0) as endpoints:
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoints.aws,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        s3.put_object(Bucket=endpoints.bucket, Key="incoming/belarus russia.txt", Body=SAMPLE.read_bytes())
        deadline = time.monotonic() + INDEXING_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            postings = http_get(f"{endpoints.api}/v1/entities/organization:nato/articles")["items"]
            if postings and article_exists(endpoints.api, postings[0]["article_id"]):
                break  # the article item is written after its postings: indexing is complete
            time.sleep(0.2)
        else:
            pytest.fail("the upload was not indexed in time")
        yield endpoints


def test_an_upload_is_indexed_and_answered_over_http(running: LocalEndpoints) -> None:
    found = http_get(f"{running.api}/v1/entities?q=stoltenberg")["items"]
    assert [entity["id"] for entity in found] == ["person:jens-stoltenberg"]
    articles = http_get(f"{running.api}/v1/entities/person%3Ajens-stoltenberg/articles")["items"]
    assert len(articles) == 1 and articles[0]["title"].startswith("Belarus-Russia")


def test_unsigned_requests_are_refused_as_iam_authorisation_would(running: LocalEndpoints) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        http_get(f"{running.api}/v1/entities?q=nato", sign=False)
    assert refused.value.code == 403


@pytest.fixture
def signing_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI signs its requests (SigV4) with whatever credentials the environment gives it."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.mark.usefixtures("signing_credentials")
def test_the_cli_queries_the_endpoint_as_tables_and_json(
    running: LocalEndpoints, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["query", "--endpoint-url", running.api, "entities", "nato"]) == 0
    table = capsys.readouterr().out
    assert "organization:nato" in table and "NATO" in table
    assert main(["query", "--endpoint-url", running.api, "--json", "articles", "organization:nato", "--all"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1 and "JUST IN" not in rows[0]["title"]
    assert main(["query", "--endpoint-url", running.api, "timeline", "organization:nato", "--interval", "week"]) == 0
    timeline = capsys.readouterr().out
    assert "1 article(s) in all" in timeline and "#" * 40 in timeline
    assert main(["query", "--endpoint-url", running.api, "entities", "north atl", "--type", "organization"]) == 0
    assert "organization:nato" in capsys.readouterr().out
    assert main(["query", "--endpoint-url", running.api, "article", "0" * 32]) == 2
    assert "HTTP 404" in capsys.readouterr().err


@pytest.mark.usefixtures("signing_credentials")
def test_the_cli_prints_an_articles_parsed_copy(running: LocalEndpoints, capsys: pytest.CaptureFixture[str]) -> None:
    [posting] = http_get(f"{running.api}/v1/entities/person:jens-stoltenberg/articles")["items"]
    article_id = posting["article_id"]
    # As text: the title, its metadata, then the whole text
    assert main(["query", "--endpoint-url", running.api, "parsed", article_id]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("Belarus-Russia") and f"id {article_id}" in printed
    assert "source s3://" in printed and "incoming/belarus russia.txt" in printed
    assert "landlocked eastern European nation" in printed
    # As JSON: the whole Article
    assert main(["query", "--endpoint-url", running.api, "--json", "parsed", article_id]) == 0
    article = Article.model_validate_json(capsys.readouterr().out)
    assert article.id == article_id and article.text in printed and article.entities
    # An article the index does not know
    assert main(["query", "--endpoint-url", running.api, "parsed", "0" * 32]) == 2
    assert "HTTP 404" in capsys.readouterr().err


@SCHEMA.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_honours_its_openapi_document(case: Any, running: LocalEndpoints) -> None:
    # Cursors are opaque: a schema-valid string the API never issued is rightly refused with 400.
    session = requests.Session()
    session.auth = SigV4()
    case.call_and_validate(
        base_url=running.api,
        session=session,
        excluded_checks=[positive_data_acceptance],
    )


def test_ctrl_c_stops_the_local_stack_cleanly() -> None:
    # Given `newsingest local up` running in its own process
    process = subprocess.Popen(
        [sys.executable, "-m", "newsingest.cli", "local", "up", "--aws-port", "0", "--api-port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"},
    )
    assert process.stdout is not None
    banner = []
    for line in process.stdout:
        banner.append(line)
        if line.startswith("Ctrl-C stops it"):
            break
    api_line = next(line for line in banner if "HTTP API:" in line)
    api = api_line.split("HTTP API:", 1)[1].strip()
    assert http_get(f"{api}/v1/entities?q=x") == {"items": [], "cursor": None}
    # When Ctrl-C
    process.send_signal(signal.SIGINT)
    # Then it stops by itself, successfully
    assert process.wait(timeout=30) == 0
    assert "Stopping." in process.stdout.read()


def test_query_finds_a_deployed_stacks_api_url(aws: None) -> None:
    # Given a stack whose outputs name its API (moto's CloudFormation)
    from newsingest.adapters.api_client import stack_api_url

    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"ApiUrl": {"Value": "https://abc123.execute-api.us-east-1.amazonaws.com"}},
    }
    boto3.client("cloudformation", region_name="us-east-1").create_stack(
        StackName="newsingest", TemplateBody=json.dumps(template)
    )
    # When / Then
    assert stack_api_url("newsingest", "us-east-1") == "https://abc123.execute-api.us-east-1.amazonaws.com"
