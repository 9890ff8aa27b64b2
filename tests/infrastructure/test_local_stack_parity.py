"""The local stack (demo, tests) must be the template's stack: same keys, queues, wiring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml

from newsingest.local import demo, stack

TEMPLATE = Path(__file__).parents[2] / "template.yaml"


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return dict(cfn_yaml.load(str(TEMPLATE))["Resources"])


def _props(resources: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(resources[name]["Properties"])


def _plain(value: Any) -> Any:
    """cfn-lint's YAML nodes compare like dicts/lists/strs once converted."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def test_index_table_keys_and_gsi_match(resources: dict[str, Any]) -> None:
    table = _plain(_props(resources, "IndexTable"))
    assert table["AttributeDefinitions"] == stack.INDEX_TABLE_KEYS["AttributeDefinitions"]
    assert table["KeySchema"] == stack.INDEX_TABLE_KEYS["KeySchema"]
    assert table["GlobalSecondaryIndexes"] == stack.INDEX_TABLE_KEYS["GlobalSecondaryIndexes"]
    assert table["TimeToLiveSpecification"] == stack.INDEX_TABLE_TTL


def test_idempotency_table_keys_match(resources: dict[str, Any]) -> None:
    table = _plain(_props(resources, "IdempotencyTable"))
    assert table["KeySchema"] == stack.IDEMPOTENCY_TABLE_KEYS["KeySchema"]
    assert table["AttributeDefinitions"] == stack.IDEMPOTENCY_TABLE_KEYS["AttributeDefinitions"]


def test_queue_settings_and_batch_sizes_match(resources: dict[str, Any]) -> None:
    ingest_queue, index_queue = _props(resources, "IngestQueue"), _props(resources, "IndexQueue")
    assert ingest_queue["VisibilityTimeout"] == stack.INGEST_VISIBILITY_TIMEOUT
    assert index_queue["VisibilityTimeout"] == stack.INDEX_VISIBILITY_TIMEOUT
    for queue in (ingest_queue, index_queue):
        assert queue["RedrivePolicy"]["maxReceiveCount"] == stack.MAX_RECEIVE_COUNT
    ingest_events = _props(resources, "IngestFunction")["Events"]["IngestQueueMessages"]["Properties"]
    index_events = _props(resources, "IndexerFunction")["Events"]["IndexQueueMessages"]["Properties"]
    assert ingest_events["BatchSize"] == demo.INGEST_BATCH_SIZE
    assert index_events["BatchSize"] == demo.INDEX_BATCH_SIZE


def test_bucket_notifications_match(resources: dict[str, Any]) -> None:
    rules = _plain(_props(resources, "ArticlesBucket")["NotificationConfiguration"]["QueueConfigurations"])
    assert sorted(rule["Event"] for rule in rules) == ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]
    for rule in rules:
        assert rule["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "incoming/"}]


def test_function_environments_match(resources: dict[str, Any]) -> None:
    local = stack.LocalStack("b", "q", "qd", "x", "xd", "t", "i")
    ingest_env = _props(resources, "IngestFunction")["Environment"]["Variables"]
    indexer_env = _props(resources, "IndexerFunction")["Environment"]["Variables"]
    assert set(local.ingest_environment()) <= set(ingest_env)
    assert set(local.indexer_environment()) == set(indexer_env)
