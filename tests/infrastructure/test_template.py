"""template.yaml: lints clean, translates with the SAM translator, and holds the settings the design needs.

The assertions run on the translated CloudFormation (what would be deployed: SAM's roles, policies and event
source mappings included), except those about SAM-only build metadata.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = REPO_ROOT / "template.yaml"
VENV_BIN = REPO_ROOT / ".venv" / "bin"
SAM_TOOLS_PYTHON = REPO_ROOT / ".tools" / "sam" / "bin" / "python"

# Function -> (queue that triggers it, batch size), as the application code expects.
TRIGGERS = {"IngestFunction": ("IngestQueue", 10), "IndexerFunction": ("IndexQueue", 25)}
DEAD_LETTER_QUEUES = {"IngestQueue": "IngestDeadLetterQueue", "IndexQueue": "IndexDeadLetterQueue"}
FOURTEEN_DAYS = 14 * 24 * 3600

# Parses the template, replaces local CodeUris by an S3 placeholder (as `sam validate` does: the translator
# only accepts S3 locations) and translates it; prints {"sam": parsed template, "cfn": translation}.
_TRANSLATE = """
import json, sys
from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

with open(sys.argv[1], encoding="utf-8") as f:
    sam = json.loads(json.dumps(yaml_parse(f.read())))
original = json.loads(json.dumps(sam))
for resource in sam.get("Resources", {}).values():
    properties = resource.get("Properties", {})
    if resource.get("Type") == "AWS::Serverless::Function":
        if not str(properties.get("CodeUri", "")).startswith("s3://"):
            properties["CodeUri"] = "s3://bucket/value"
try:
    cfn = Translator(managed_policy_map={}, sam_parser=Parser()).translate(sam, parameter_values={})
except InvalidDocumentException as error:
    sys.exit("\\n".join(str(cause) for cause in error.causes))
json.dump({"sam": original, "cfn": cfn}, sys.stdout)
"""


def _translator_python() -> str | None:
    """An interpreter that has samtranslator: this one, else the SAM CLI's virtualenv (`make tools`)."""
    if importlib.util.find_spec("samtranslator") is not None:
        return sys.executable
    if SAM_TOOLS_PYTHON.exists():
        return str(SAM_TOOLS_PYTHON)
    return None


@pytest.fixture(scope="module")
def templates() -> dict[str, dict[str, Any]]:
    python = _translator_python()
    if python is None:
        pytest.skip("samtranslator is in neither this virtualenv nor .tools/sam (run `make tools`)")
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    result = subprocess.run(
        [python, "-c", _TRANSLATE, str(TEMPLATE)], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, f"the SAM translator rejected template.yaml:\n{result.stderr}"
    parsed: dict[str, dict[str, Any]] = json.loads(result.stdout)
    return parsed


@pytest.fixture(scope="module")
def cfn(templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return templates["cfn"]


@pytest.fixture(scope="module")
def resources(cfn: dict[str, Any]) -> dict[str, Any]:
    resources: dict[str, Any] = cfn["Resources"]
    return resources


def props(resources: dict[str, Any], logical_id: str) -> dict[str, Any]:
    properties: dict[str, Any] = resources[logical_id]["Properties"]
    return properties


def of_type(resources: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in resources.items() if r["Type"] == type_}


def references(node: Any) -> set[str]:
    """Logical ids (and parameters) a template fragment refers to via Ref, Fn::GetAtt or Fn::Sub."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else str(value).split(".")[0]
                found.add(target)
            elif key == "Fn::Sub":
                text, variables = (value[0], value[1]) if isinstance(value, list) else (value, {})
                names = {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)}
                found |= (names - set(variables)) | references(variables)
            else:
                found |= references(value)
    elif isinstance(node, list):
        for item in node:
            found |= references(item)
    return {name for name in found if not name.startswith("AWS::")}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def iam_statements(resources: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(resource id, statement) of every inline IAM policy in the template."""
    for name, resource in resources.items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            documents = [policy["PolicyDocument"] for policy in properties.get("Policies", [])]
        elif resource["Type"] in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
            documents = [properties["PolicyDocument"]]
        else:
            continue
        for document in documents:
            for statement in as_list(document["Statement"]):
                yield name, statement


# --- linters and translator -------------------------------------------------------------------------------


def test_cfn_lint_passes() -> None:
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    if not cfn_lint.exists():
        cfn_lint = VENV_BIN / "cfn-lint"
    result = subprocess.run(
        [str(cfn_lint), "--", str(TEMPLATE)], capture_output=True, text=True, cwd=REPO_ROOT, check=False
    )
    assert result.returncode == 0, f"cfn-lint found problems:\n{result.stdout}{result.stderr}"


def test_sam_translator_translates_every_serverless_resource(cfn: dict[str, Any]) -> None:
    types = {resource["Type"] for resource in cfn["Resources"].values()}
    assert not any(t.startswith("AWS::Serverless::") for t in types)
    assert {"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::Lambda::EventSourceMapping"} <= types


# --- functions --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "handler", "memory", "timeout"),
    [
        ("IngestFunction", "newsingest.handlers.ingest.handler", 1024, 60),
        ("IndexerFunction", "newsingest.handlers.indexer.handler", 256, 30),
    ],
)
def test_function_settings(resources: dict[str, Any], function: str, handler: str, memory: int, timeout: int) -> None:
    p = props(resources, function)
    assert p["Handler"] == handler
    assert p["Runtime"] == "python3.13"
    assert p["Architectures"] == ["x86_64"]
    assert p["TracingConfig"] == {"Mode": "Active"}
    assert (p["MemorySize"], p["Timeout"]) == (memory, timeout)
    variables = p["Environment"]["Variables"]
    assert variables["POWERTOOLS_SERVICE_NAME"] == "newsingest"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "NewsIngest"
    assert variables["POWERTOOLS_LOG_LEVEL"] == {"Ref": "LogLevel"}


def test_function_environments(cfn: dict[str, Any], resources: dict[str, Any]) -> None:
    ingest = props(resources, "IngestFunction")["Environment"]["Variables"]
    assert ingest["PARSED_BUCKET"] == {"Ref": "ArticlesBucket"}
    assert ingest["INDEX_QUEUE_URL"] == {"Ref": "IndexQueue"}
    assert ingest["MAX_OBJECT_BYTES"] == {"Ref": "MaxObjectBytes"}
    assert ingest["IDEMPOTENCY_TABLE_NAME"] == {"Ref": "IdempotencyTable"}
    indexer = props(resources, "IndexerFunction")["Environment"]["Variables"]
    assert indexer["TABLE_NAME"] == {"Ref": "IndexTable"}
    assert cfn["Parameters"]["MaxObjectBytes"]["Default"] == 10485760
    assert cfn["Parameters"]["LogLevel"]["Default"] == "INFO"


def test_functions_are_built_by_the_makefile(templates: dict[str, dict[str, Any]]) -> None:
    makefile = (REPO_ROOT / "functions" / "Makefile").read_text(encoding="utf-8")
    for function in TRIGGERS:
        resource = templates["sam"]["Resources"][function]
        assert resource["Metadata"]["BuildMethod"] == "makefile"
        assert resource["Properties"]["CodeUri"].rstrip("/") == "functions"
        assert re.search(rf"^build-{function}:", makefile, re.MULTILINE), f"no build-{function} target"


# --- queues and triggers ----------------------------------------------------------------------------------


def test_each_function_is_triggered_by_its_queue(resources: dict[str, Any]) -> None:
    mappings = {
        m["Properties"]["FunctionName"]["Ref"]: m["Properties"]
        for m in of_type(resources, "AWS::Lambda::EventSourceMapping").values()
    }
    assert set(mappings) == set(TRIGGERS)
    for function, (queue, batch_size) in TRIGGERS.items():
        mapping = mappings[function]
        assert mapping["EventSourceArn"] == {"Fn::GetAtt": [queue, "Arn"]}
        assert mapping["BatchSize"] == batch_size
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        if batch_size > 10:  # Lambda refuses SQS batches over 10 without a batching window
            assert mapping.get("MaximumBatchingWindowInSeconds", 0) >= 1


def test_visibility_timeout_is_at_least_six_times_the_function_timeout(resources: dict[str, Any]) -> None:
    for mapping in of_type(resources, "AWS::Lambda::EventSourceMapping").values():
        p = mapping["Properties"]
        queue = p["EventSourceArn"]["Fn::GetAtt"][0]
        function = p["FunctionName"]["Ref"]
        needed = 6 * props(resources, function)["Timeout"] + p.get("MaximumBatchingWindowInSeconds", 0)
        assert props(resources, queue)["VisibilityTimeout"] >= needed, (queue, function)


def test_queues_redrive_to_dead_letter_queues(resources: dict[str, Any]) -> None:
    queues = of_type(resources, "AWS::SQS::Queue")
    assert set(queues) == set(DEAD_LETTER_QUEUES) | set(DEAD_LETTER_QUEUES.values())
    for queue, dead_letter_queue in DEAD_LETTER_QUEUES.items():
        redrive = props(resources, queue)["RedrivePolicy"]
        assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": [dead_letter_queue, "Arn"]}
        assert int(redrive["maxReceiveCount"]) == 5
        dlq = props(resources, dead_letter_queue)
        assert dlq["MessageRetentionPeriod"] == FOURTEEN_DAYS
        assert "RedrivePolicy" not in dlq
        assert props(resources, queue).get("MessageRetentionPeriod", 345600) <= FOURTEEN_DAYS
    for name in queues:
        assert props(resources, name)["SqsManagedSseEnabled"] is True, name


def test_only_the_articles_bucket_may_send_to_the_ingest_queue(resources: dict[str, Any]) -> None:
    policies = of_type(resources, "AWS::SQS::QueuePolicy")
    assert len(policies) == 1
    p = next(iter(policies.values()))["Properties"]
    assert p["Queues"] == [{"Ref": "IngestQueue"}]
    [statement] = p["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Resource"] == {"Fn::GetAtt": ["IngestQueue", "Arn"]}
    source_arn = statement["Condition"]["ArnEquals"]["aws:SourceArn"]
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    # The same computed name as the bucket's, without referring to the bucket (which depends on this policy).
    bucket_name = props(resources, "ArticlesBucket")["BucketName"]["Fn::Sub"]
    assert source_arn["Fn::Sub"] == [f"arn:${{AWS::Partition}}:s3:::{bucket_name[0]}", bucket_name[1]]
    assert "ArticlesBucket" not in references(p)
    assert "IngestQueuePolicy" in as_list(resources["ArticlesBucket"].get("DependsOn", []))


# --- bucket -----------------------------------------------------------------------------------------------


def test_bucket_is_private_encrypted_and_versioned(resources: dict[str, Any]) -> None:
    p = props(resources, "ArticlesBucket")
    assert p["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    [rule] = p["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms", "aws:kms:dsse"}
    assert p["VersioningConfiguration"] == {"Status": "Enabled"}


def test_bucket_policy_denies_plain_http(resources: dict[str, Any]) -> None:
    [policy] = of_type(resources, "AWS::S3::BucketPolicy").values()
    assert policy["Properties"]["Bucket"] == {"Ref": "ArticlesBucket"}
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    tls = [
        s
        for s in statements
        if s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    assert tls, "no Deny statement on aws:SecureTransport = false"
    assert tls[0]["Principal"] == "*"
    assert "s3:*" in as_list(tls[0]["Action"])
    covered = json.dumps(tls[0]["Resource"])
    assert '"ArticlesBucket", "Arn"' in covered and "${ArticlesBucket.Arn}/*" in covered


def test_bucket_notifies_the_ingest_queue_of_incoming_objects(resources: dict[str, Any]) -> None:
    configurations = props(resources, "ArticlesBucket")["NotificationConfiguration"]["QueueConfigurations"]
    assert {c["Event"] for c in configurations} == {"s3:ObjectCreated:*", "s3:ObjectRemoved:*"}
    for configuration in configurations:
        assert configuration["Queue"] == {"Fn::GetAtt": ["IngestQueue", "Arn"]}
        assert configuration["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "incoming/"}]


# --- tables -----------------------------------------------------------------------------------------------


def _common_table_settings(p: dict[str, Any]) -> None:
    assert p["BillingMode"] == "PAY_PER_REQUEST"
    assert p["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert p["SSESpecification"]["SSEEnabled"] is True


def test_index_table(resources: dict[str, Any]) -> None:
    p = props(resources, "IndexTable")
    _common_table_settings(p)
    attributes = {a["AttributeName"]: a["AttributeType"] for a in p["AttributeDefinitions"]}
    assert attributes == {"pk": "S", "sk": "S", "gsi1pk": "S", "gsi1sk": "S"}
    assert p["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    [gsi] = p["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "gsi1"
    assert gsi["KeySchema"] == [
        {"AttributeName": "gsi1pk", "KeyType": "HASH"},
        {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
    ]
    assert gsi["Projection"] == {"ProjectionType": "ALL"}


def test_idempotency_table(resources: dict[str, Any]) -> None:
    p = props(resources, "IdempotencyTable")
    _common_table_settings(p)
    assert p["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert p["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert p["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


# --- IAM --------------------------------------------------------------------------------------------------


def test_no_iam_policy_allows_wildcard_actions(resources: dict[str, Any]) -> None:
    statements = list(iam_statements(resources))
    assert statements
    for name, statement in statements:
        assert "NotAction" not in statement, name
        if statement["Effect"] == "Allow":
            for action in as_list(statement["Action"]):
                assert "*" not in action, f"{name} allows {action}"


def test_functions_reach_only_their_own_resources(resources: dict[str, Any]) -> None:
    granted: dict[str, dict[str, set[str]]] = {}
    for role, statement in iam_statements(resources):
        if statement["Effect"] != "Allow":
            continue
        for action in as_list(statement["Action"]):
            targets = references(statement["Resource"])
            if not targets:
                targets = {json.dumps(statement["Resource"])}
            granted.setdefault(role, {}).setdefault(action, set()).update(targets)
    ingest, indexer = granted["IngestFunctionRole"], granted["IndexerFunctionRole"]

    s3 = {a: t for a, t in ingest.items() if a.startswith("s3:")}
    assert s3 == {k: {"ArticlesBucket"} for k in ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject")}
    for role, statement in iam_statements(resources):
        if role == "IngestFunctionRole" and statement.get("Sid") == "ReadIncomingObjects":
            assert statement["Resource"] == {"Fn::Sub": "${ArticlesBucket.Arn}/incoming/*"}
        if role == "IngestFunctionRole" and statement.get("Sid") == "WriteParsedObjects":
            assert statement["Resource"] == {"Fn::Sub": "${ArticlesBucket.Arn}/parsed/*"}
    assert ingest["sqs:SendMessage"] == {"IndexQueue"}
    assert {t for a, ts in ingest.items() if a.startswith("dynamodb:") for t in ts} == {"IdempotencyTable"}
    assert {a for a in ingest if a.startswith("dynamodb:")} >= {"dynamodb:GetItem", "dynamodb:PutItem"}

    assert {a.split(":")[0] for a in indexer} == {"dynamodb"}
    assert {t for ts in indexer.values() for t in ts} == {"IndexTable"}
    assert {"dynamodb:PutItem", "dynamodb:Query", "dynamodb:BatchWriteItem"} <= set(indexer)


# --- outputs ----------------------------------------------------------------------------------------------


def test_outputs(cfn: dict[str, Any]) -> None:
    outputs = {name: output["Value"] for name, output in cfn["Outputs"].items()}
    assert outputs == {
        "ArticlesBucketName": {"Ref": "ArticlesBucket"},
        "IngestQueueUrl": {"Ref": "IngestQueue"},
        "IndexQueueUrl": {"Ref": "IndexQueue"},
        "IndexTableName": {"Ref": "IndexTable"},
        "IdempotencyTableName": {"Ref": "IdempotencyTable"},
        "IngestFunctionName": {"Ref": "IngestFunction"},
        "IndexerFunctionName": {"Ref": "IndexerFunction"},
    }
