"""The fault layer in `newsingest local up`: the NEWSINGEST_FAULT_* variables reach the ingest
function's worker processes, whose calls then fail, while the event source mapping stand-ins (AWS's
own machinery) are left alone."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import unquote_plus

import boto3
import pytest

from newsingest.local.up import local_stack

SAMPLE = Path(__file__).parents[1] / "fixtures" / "articles" / "belarus-russia-alliance.txt"
DEAD_LETTER_TIMEOUT_SECONDS = 120


def test_fault_variables_reach_the_ingest_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given every GetObject of the functions failing with a 500, as the environment says
    monkeypatch.setenv("NEWSINGEST_FAULT_RATE", "1")
    monkeypatch.setenv("NEWSINGEST_FAULT_PERSISTENCE", "1")
    monkeypatch.setenv("NEWSINGEST_FAULT_KINDS", "server_error")
    monkeypatch.setenv("NEWSINGEST_FAULT_OPERATIONS", "s3.GetObject")
    with local_stack(aws_port=0, api_port=0) as endpoints:
        clients = {
            name: boto3.client(
                name,
                endpoint_url=endpoints.aws,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            for name in ("s3", "sqs")
        }
        dlq = clients["sqs"].get_queue_url(QueueName="newsingest-ingest-dlq")["QueueUrl"]
        # When an article is uploaded
        clients["s3"].put_object(Bucket=endpoints.bucket, Key="incoming/faulty.txt", Body=SAMPLE.read_bytes())
        # Then the worker cannot read it, five deliveries fail and the notification is dead-lettered
        deadline = time.monotonic() + DEAD_LETTER_TIMEOUT_SECONDS
        dead = 0
        while time.monotonic() < deadline and not dead:
            attributes = clients["sqs"].get_queue_attributes(
                QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"]
            )
            dead = int(attributes["Attributes"]["ApproximateNumberOfMessages"])
            time.sleep(1)
        assert dead == 1
        [message] = clients["sqs"].receive_message(QueueUrl=dlq, MessageSystemAttributeNames=["All"])["Messages"]
        assert unquote_plus(json.loads(message["Body"])["Records"][0]["s3"]["object"]["key"]) == "incoming/faulty.txt"
        assert int(message["Attributes"]["ApproximateReceiveCount"]) > 5  # five deliveries, and ours
