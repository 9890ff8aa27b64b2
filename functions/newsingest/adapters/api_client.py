"""A client of the query API: SigV4-signed GETs (IAM authorisation) against a deployed stack's
`ApiUrl`, or any endpoint such as `newsingest local up`'s."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

REQUEST_TIMEOUT_SECONDS = 30


class ApiError(RuntimeError):
    """The API answered with an error status; `status` and `body` say what it said."""

    def __init__(self, status: int, body: Any) -> None:
        message = body.get("message") if isinstance(body, dict) else body
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.body = body


def stack_api_url(stack_name: str, region: str | None = None) -> str:
    """The `ApiUrl` output of a deployed stack."""
    cloudformation = boto3.session.Session(region_name=region).client("cloudformation")
    outputs = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0].get("Outputs", [])
    for output in outputs:
        if output["OutputKey"] == "ApiUrl":
            return str(output["OutputValue"])
    raise ApiError(404, {"message": f"stack {stack_name} has no ApiUrl output"})


@dataclass(frozen=True)
class RawResponse:
    """An API answer as it came, whatever its status: what a proxy passes on."""

    status: int
    content_type: str
    body: bytes


class QueryClient:
    """GET requests against the API, signed with the caller's AWS credentials when it has any
    (`credentials`: an access key id and secret to sign with instead, as the local stack's)."""

    def __init__(
        self,
        base_url: str,
        *,
        region: str | None = None,
        sign: bool = True,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        keys = {"aws_access_key_id": credentials[0], "aws_secret_access_key": credentials[1]} if credentials else {}
        session = boto3.session.Session(region_name=region, **keys)
        self._region = session.region_name or "us-east-1"
        self._credentials = session.get_credentials() if sign else None

    @property
    def base_url(self) -> str:
        return self._base

    @property
    def signs(self) -> bool:
        """Whether requests are signed (False when signing is off or no credentials were found)."""
        return self._credentials is not None

    def _request(self, target: str) -> urllib.request.Request:
        """The signed request for `GET base + target` (target: a path with its query string)."""
        url = f"{self._base}{target}"
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"not an http(s) URL: {url}")
        request = AWSRequest(method="GET", url=url, headers={"Accept": "application/json"})
        if self._credentials is not None:
            SigV4Auth(self._credentials.get_frozen_credentials(), "execute-api", self._region).add_auth(request)
        return urllib.request.Request(url, headers=dict(request.headers.items()), method="GET")  # noqa: S310

    def fetch(self, target: str) -> RawResponse:
        """`GET base + target` (path and query string passed through as given), signed; the answer
        whatever its status. Network failures raise `OSError` (`urllib.error.URLError`, timeouts)."""
        try:
            with urllib.request.urlopen(self._request(target), timeout=REQUEST_TIMEOUT_SECONDS) as response:  # noqa: S310
                return RawResponse(response.status, response.headers.get("Content-Type", ""), response.read())
        except urllib.error.HTTPError as error:
            return RawResponse(error.code, error.headers.get("Content-Type", ""), error.read())

    def get(self, path: str, **params: Any) -> Any:
        """GET path with the given query parameters (None values left out); the decoded JSON."""
        query = urlencode({name: value for name, value in params.items() if value is not None})
        prepared = self._request(path + (f"?{query}" if query else ""))
        try:
            with urllib.request.urlopen(prepared, timeout=REQUEST_TIMEOUT_SECONDS) as response:  # noqa: S310
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
            raise ApiError(error.code, body) from error
