"""The fault layer on a moto server: each kind of fault fails a call as the service would say it,
botocore's retries see it, a lost response changes the service's state, the environment turns it on
in `client()`, and nothing turns it on by default or in the deployed template."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError

from newsingest.adapters import faults
from newsingest.local.demo import reset_caches
from newsingest.settings import FaultKind, FaultSettings

ROOT = Path(__file__).parents[2]
TABLE = "faults"
BUCKET = "faults-bucket"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    s3, sqs, dynamodb = (plain(service, url) for service in ("s3", "sqs", "dynamodb"))
    s3.create_bucket(Bucket=BUCKET)
    sqs.create_queue(QueueName="faults")
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield url
    server.stop()


def plain(service: str, url: str, attempts: int = 3) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": attempts}),
    )


def faulty(service: str, url: str, kind: FaultKind, *, persistence: float = 1.0, attempts: int = 3) -> Any:
    settings = FaultSettings.model_validate(
        {
            "NEWSINGEST_FAULT_RATE": "1",
            "NEWSINGEST_FAULT_KINDS": str(kind),
            "NEWSINGEST_FAULT_PERSISTENCE": str(persistence),
        }
    )
    return faults.install(plain(service, url, attempts), settings)


def call(service: str, client: Any, url: str, marker: str) -> None:
    if service == "s3":
        client.put_object(Bucket=BUCKET, Key=marker, Body=b"x")
    elif service == "sqs":
        client.send_message(QueueUrl=f"{url}/123456789012/faults", MessageBody=marker)
    else:
        client.put_item(TableName=TABLE, Item={"id": {"S": marker}})


def stored(service: str, url: str, marker: str) -> bool:
    if service == "s3":
        listing = plain("s3", url).list_objects_v2(Bucket=BUCKET, Prefix=marker)
        return bool(listing.get("Contents"))
    if service == "sqs":
        sqs = plain("sqs", url)
        queue = f"{url}/123456789012/faults"
        bodies = []
        while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                bodies.append(message["Body"])
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        return marker in bodies
    return "Item" in plain("dynamodb", url).get_item(TableName=TABLE, Key={"id": {"S": marker}})


EXPECTED_CODES = {
    (FaultKind.THROTTLE, "s3"): {"SlowDown"},
    (FaultKind.THROTTLE, "sqs"): {"RequestThrottled"},
    (FaultKind.THROTTLE, "dynamodb"): {"ProvisionedThroughputExceededException", "ThrottlingException"},
    (FaultKind.SERVER_ERROR, "s3"): {"InternalError", "ServiceUnavailable"},
    (FaultKind.SERVER_ERROR, "sqs"): {"InternalError", "ServiceUnavailable"},
    (FaultKind.SERVER_ERROR, "dynamodb"): {"InternalServerError"},
}


@pytest.mark.parametrize("service", ["s3", "sqs", "dynamodb"])
@pytest.mark.parametrize("kind", [FaultKind.THROTTLE, FaultKind.SERVER_ERROR])
def test_an_error_response_is_the_services_own_retried_by_botocore_and_changes_nothing(
    endpoint: str, service: str, kind: FaultKind
) -> None:
    # Given a client whose every attempt fails with this kind of fault
    client = faulty(service, endpoint, kind)
    before = faults.counts()
    marker = f"error-{kind}-{service}"
    # When a call is made
    with faults.scaled_retry_sleeps(0), pytest.raises(ClientError) as raised:
        call(service, client, endpoint, marker)
    # Then the caller sees the service's error code, after botocore retried it (3 attempts), and nothing was stored
    assert raised.value.response["Error"]["Code"] in EXPECTED_CODES[(kind, service)]
    assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 2
    after = faults.counts()
    assert after.injected[kind] - before.injected[kind] == 3
    assert after.surfaced[kind] - before.surfaced[kind] == 1
    assert not stored(service, endpoint, marker)


@pytest.mark.parametrize("service", ["s3", "sqs", "dynamodb"])
def test_a_timeout_reaches_the_caller_after_botocores_retries_and_changes_nothing(endpoint: str, service: str) -> None:
    client = faulty(service, endpoint, FaultKind.TIMEOUT)
    marker = f"timeout-{service}"
    with faults.scaled_retry_sleeps(0), pytest.raises((ReadTimeoutError, ConnectTimeoutError)):
        call(service, client, endpoint, marker)
    assert not stored(service, endpoint, marker)


@pytest.mark.parametrize("service", ["s3", "sqs", "dynamodb"])
def test_a_lost_response_changes_the_services_state_while_the_caller_sees_a_timeout(
    endpoint: str, service: str
) -> None:
    # Given a client whose first attempt's response is lost, the retry's not
    client = faulty(service, endpoint, FaultKind.LOST_RESPONSE, persistence=0.0, attempts=1)
    marker = f"lost-{service}"
    # When a call is made with no retry left
    with pytest.raises(ReadTimeoutError):
        call(service, client, endpoint, marker)
    # Then the request took effect all the same
    assert stored(service, endpoint, marker)


def test_with_retries_a_lost_response_is_sent_again_and_the_call_succeeds(endpoint: str) -> None:
    # Given a lost first response, then a retry that works
    client = faulty("sqs", endpoint, FaultKind.LOST_RESPONSE, persistence=0.0, attempts=3)
    # When a message is sent
    with faults.scaled_retry_sleeps(0):
        client.send_message(QueueUrl=f"{endpoint}/123456789012/faults", MessageBody="twice")
    # Then it was sent twice: the duplicate a consumer must tolerate
    sqs = plain("sqs", endpoint)
    queue = f"{endpoint}/123456789012/faults"
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])]
    assert bodies.count("twice") == 2
    stored("sqs", endpoint, "twice")  # empties the queue


def test_botocore_still_sleeps_through_the_clock_the_harness_scales(endpoint: str) -> None:
    # Given a throttled call (botocore backs off a second or more on throttles)
    client = faulty("dynamodb", endpoint, FaultKind.THROTTLE, attempts=2)
    # When it runs with the backoff scaled to nothing
    with faults.scaled_retry_sleeps(0) as clock, pytest.raises(ClientError):
        call("dynamodb", client, endpoint, "slept")
    # Then botocore asked the harness's clock for its backoff
    assert clock.sleeps == 1 and clock.requested > 0


def test_only_the_operations_named_fail(endpoint: str) -> None:
    settings = FaultSettings.model_validate(
        {
            "NEWSINGEST_FAULT_RATE": "1",
            "NEWSINGEST_FAULT_OPERATIONS": "s3.GetObject",
            "NEWSINGEST_FAULT_PERSISTENCE": "1",
        }
    )
    client = faults.install(plain("s3", endpoint), settings)
    client.put_object(Bucket=BUCKET, Key="named", Body=b"x")
    with faults.scaled_retry_sleeps(0), pytest.raises((ClientError, ReadTimeoutError, ConnectTimeoutError)):
        client.get_object(Bucket=BUCKET, Key="named")


@pytest.fixture
def functions_environment(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from newsingest.local.demo import LOCAL_ENVIRONMENT

    for name, value in LOCAL_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    for name in ("NEWSINGEST_FAULT_RATE", "NEWSINGEST_FAULT_KINDS", "NEWSINGEST_FAULT_OPERATIONS"):
        monkeypatch.delenv(name, raising=False)
    reset_caches()
    yield
    reset_caches()


def test_the_functions_clients_are_left_alone_unless_the_environment_sets_a_rate(functions_environment: None) -> None:
    from newsingest.adapters.aws import client

    # Given no NEWSINGEST_FAULT_* variable (as in Lambda)
    before = faults.counts()
    # When the functions' client makes calls
    for number in range(20):
        client("dynamodb").put_item(TableName=TABLE, Item={"id": {"S": f"plain-{number}"}})
    # Then no injector saw them
    assert faults.counts().calls == before.calls


def test_the_environment_turns_faults_on_in_the_functions_clients(
    functions_environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsingest.adapters.aws import client, plain_client

    # Given the variables the local stack's worker processes inherit
    monkeypatch.setenv("NEWSINGEST_FAULT_RATE", "1")
    monkeypatch.setenv("NEWSINGEST_FAULT_PERSISTENCE", "1")
    monkeypatch.setenv("NEWSINGEST_FAULT_KINDS", "server_error")
    reset_caches()
    # When the functions' client calls DynamoDB, and the stand-ins' client does too
    with faults.scaled_retry_sleeps(0), pytest.raises(ClientError) as raised:
        client("dynamodb").put_item(TableName=TABLE, Item={"id": {"S": "via-env"}})
    plain_client("dynamodb").put_item(TableName=TABLE, Item={"id": {"S": "via-plain"}})
    # Then the first failed as the service would fail it, the second was left alone
    assert raised.value.response["Error"]["Code"] == "InternalServerError"
    assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 5


def test_the_deployed_template_sets_no_fault_or_crash_variable() -> None:
    assert "NEWSINGEST_FAULT" not in (ROOT / "template.yaml").read_text(encoding="utf-8")


def test_bad_fault_settings_fail_loudly() -> None:
    with pytest.raises(ValueError, match="NEWSINGEST_FAULT_KINDS"):
        FaultSettings.model_validate({"NEWSINGEST_FAULT_RATE": "0.1", "NEWSINGEST_FAULT_KINDS": "meteor"})
    with pytest.raises(ValueError, match="NEWSINGEST_FAULT_RATE"):
        FaultSettings.model_validate({"NEWSINGEST_FAULT_RATE": "10"})
