"""template.yaml: lints clean, translates with the SAM translator, and holds the settings the design needs.

The assertions run on the translated CloudFormation (what would be deployed: SAM's roles, policies and event
source mappings included), except those about SAM-only build metadata.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsingest.indexing.items import (
    DEFAULT_STORY_WINDOW_DAYS,
    GSI1_PROJECTED_ATTRIBUTES,
    BandItem,
    IndexPolicy,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = REPO_ROOT / "template.yaml"
VENV_BIN = REPO_ROOT / ".venv" / "bin"

CHECKOV = REPO_ROOT / ".tools" / "checkov" / "bin" / "checkov"
# --skip-download: no call to Prisma Cloud for guidelines (offline, and nothing is sent anywhere).
CHECKOV_OPTIONS = ("--framework", "cloudformation", "--compact", "--quiet", "--skip-download", "--output", "json")

FUNCTIONS = ("IngestFunction", "IndexerFunction", "ApiFunction", "ReconcileFunction")
# Function -> (queue that triggers it, batch size, MaximumConcurrency parameter), as the code expects.
TRIGGERS = {
    "IngestFunction": ("IngestQueue", 10, "IngestMaxConcurrency"),
    "IndexerFunction": ("IndexQueue", 25, "IndexerMaxConcurrency"),
}
DEAD_LETTER_QUEUES = {"IngestQueue": "IngestDeadLetterQueue", "IndexQueue": "IndexDeadLetterQueue"}
FOURTEEN_DAYS = 14 * 24 * 3600
LOG_GROUPS = {
    "IngestFunction": "IngestLogGroup",
    "IndexerFunction": "IndexerLogGroup",
    "ApiFunction": "ApiLogGroup",
    "ReconcileFunction": "ReconcileLogGroup",
}
OPERATIONS = REPO_ROOT / "docs" / "operations.md"
API_ROUTES = {
    "/v1/articles",
    "/v1/articles/{id}",
    "/v1/articles/{id}/parsed",
    "/v1/stories/{id}",
    "/v1/entities",
    "/v1/entities/{id}",
    "/v1/entities/{id}/articles",
    "/v1/entities/{id}/timeline",
    "/v1/entities/{id}/quotes",
    "/v1/openapi.json",
}


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
            documents = [policy["PolicyDocument"] for policy in _unless_conditional(properties.get("Policies", []))]
        elif resource["Type"] in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
            documents = [properties["PolicyDocument"]]
        else:
            continue
        for document in documents:
            for statement in as_list(document["Statement"]):
                yield name, statement


def _unless_conditional(policies: list[Any]) -> Iterator[dict[str, Any]]:
    """Policies as deployed under some condition: both branches of an Fn::If (AWS::NoValue is none)."""
    for policy in policies:
        if isinstance(policy, dict) and "Fn::If" in policy:
            yield from (branch for branch in policy["Fn::If"][1:] if branch != {"Ref": "AWS::NoValue"})
        else:
            yield policy


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
        ("IngestFunction", "newsingest.handlers.ingest.handler", 576, 60),
        ("IndexerFunction", "newsingest.handlers.indexer.handler", 256, 30),
        ("ApiFunction", "newsingest.handlers.api.handler", 512, 10),
        ("ReconcileFunction", "newsingest.handlers.reconcile.handler", 2048, 900),
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
    assert p["Role"] == {"Fn::GetAtt": [f"{function}Role", "Arn"]}
    assert p["LoggingConfig"] == {"LogGroup": {"Ref": LOG_GROUPS[function]}}


def test_function_environments(cfn: dict[str, Any], resources: dict[str, Any]) -> None:
    ingest = props(resources, "IngestFunction")["Environment"]["Variables"]
    assert ingest["PARSED_BUCKET"] == {"Ref": "ArticlesBucket"}
    assert ingest["INDEX_QUEUE_URL"] == {"Ref": "IndexQueue"}
    assert ingest["MAX_OBJECT_BYTES"] == {"Ref": "MaxObjectBytes"}
    assert ingest["IDEMPOTENCY_TABLE_NAME"] == {"Ref": "IdempotencyTable"}
    for reader, expected in (
        ("IndexerFunction", {"TABLE_NAME", "INDEX_QUEUE_URL", "INDEX_ENTITIES", "STORY_WINDOW_DAYS"}),
        ("ApiFunction", {"TABLE_NAME"}),
    ):
        variables = props(resources, reader)["Environment"]["Variables"]
        common = {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"}
        assert set(variables) - common == expected
        assert variables["TABLE_NAME"] == {"Ref": "IndexTable"}
    reconcile = props(resources, "ReconcileFunction")["Environment"]["Variables"]
    assert {
        name: reconcile[name] for name in ("ARTICLES_BUCKET", "TABLE_NAME", "INGEST_QUEUE_URL", "INDEX_QUEUE_URL")
    } == {
        "ARTICLES_BUCKET": {"Ref": "ArticlesBucket"},
        "TABLE_NAME": {"Ref": "IndexTable"},
        "INGEST_QUEUE_URL": {"Ref": "IngestQueue"},
        "INDEX_QUEUE_URL": {"Ref": "IndexQueue"},
    }
    assert reconcile["RECONCILE_FIX"] == {"Ref": "ReconcileFix"}
    indexer = props(resources, "IndexerFunction")["Environment"]["Variables"]
    assert indexer["INDEX_QUEUE_URL"] == {"Ref": "IndexQueue"}  # the EntitiesReleased events it sends itself
    assert indexer["INDEX_ENTITIES"] == {"Ref": "IndexEntities"}
    assert indexer["STORY_WINDOW_DAYS"] == {"Ref": "StoryWindowDays"}
    assert cfn["Parameters"]["StoryWindowDays"]["Default"] == DEFAULT_STORY_WINDOW_DAYS
    assert cfn["Parameters"]["IndexEntities"]["AllowedValues"] == [policy.value for policy in IndexPolicy]
    assert cfn["Parameters"]["MaxObjectBytes"]["Default"] == 10485760
    assert cfn["Parameters"]["LogLevel"]["Default"] == "INFO"


def test_functions_are_built_by_the_makefile(templates: dict[str, dict[str, Any]]) -> None:
    makefile = (REPO_ROOT / "functions" / "Makefile").read_text(encoding="utf-8")
    for function in FUNCTIONS:
        resource = templates["sam"]["Resources"][function]
        assert resource["Metadata"]["BuildMethod"] == "makefile"
        assert resource["Properties"]["CodeUri"].rstrip("/") == "functions"
        assert re.search(rf"^build-{function}:", makefile, re.MULTILINE), f"no build-{function} target"


# --- queues and triggers ----------------------------------------------------------------------------------


def _invoked_function(resources: dict[str, Any], mapping: dict[str, Any]) -> str:
    """The function an event source mapping invokes, through its alias if it names one."""
    target = mapping["FunctionName"]["Ref"]
    if resources[target]["Type"] == "AWS::Lambda::Alias":
        return str(resources[target]["Properties"]["FunctionName"]["Ref"])
    return str(target)


def test_each_function_is_triggered_by_its_queue(resources: dict[str, Any]) -> None:
    mappings = {
        _invoked_function(resources, m["Properties"]): m["Properties"]
        for m in of_type(resources, "AWS::Lambda::EventSourceMapping").values()
    }
    assert set(mappings) == set(TRIGGERS)
    for function, (queue, batch_size, concurrency) in TRIGGERS.items():
        mapping = mappings[function]
        assert mapping["EventSourceArn"] == {"Fn::GetAtt": [queue, "Arn"]}
        assert mapping["BatchSize"] == batch_size
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["ScalingConfig"] == {"MaximumConcurrency": {"Ref": concurrency}}
        if batch_size > 10:  # Lambda refuses SQS batches over 10 without a batching window
            assert mapping.get("MaximumBatchingWindowInSeconds", 0) >= 1


def test_ingest_has_snapstart_and_its_queue_invokes_the_published_alias(
    cfn: dict[str, Any], resources: dict[str, Any]
) -> None:
    p = props(resources, "IngestFunction")
    assert p["SnapStart"] == {"ApplyOn": {"Ref": "IngestSnapStart"}}
    assert cfn["Parameters"]["IngestSnapStart"]["Default"] == "PublishedVersions"
    [alias_id] = [name for name, r in of_type(resources, "AWS::Lambda::Alias").items()]
    alias = resources[alias_id]["Properties"]
    assert alias["Name"] == "live" and alias["FunctionName"] == {"Ref": "IngestFunction"}
    version = alias["FunctionVersion"]["Fn::GetAtt"][0]
    assert resources[version]["Type"] == "AWS::Lambda::Version"
    [mapping] = [
        m["Properties"]
        for m in of_type(resources, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"] == {"Fn::GetAtt": ["IngestQueue", "Arn"]}
    ]
    assert mapping["FunctionName"] == {"Ref": alias_id}
    # The handler module loads the model at init when Lambda says it is initialising (before the snapshot).
    source = (REPO_ROOT / "functions" / "newsingest" / "handlers" / "ingest.py").read_text(encoding="utf-8")
    assert "AWS_LAMBDA_INITIALIZATION_TYPE" in source and "snap-start" in source


def test_visibility_timeout_is_at_least_six_times_the_function_timeout(resources: dict[str, Any]) -> None:
    for mapping in of_type(resources, "AWS::Lambda::EventSourceMapping").values():
        p = mapping["Properties"]
        queue = p["EventSourceArn"]["Fn::GetAtt"][0]
        function = _invoked_function(resources, p)
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
        assert dlq["MessageRetentionPeriod"] == {
            "Fn::FindInMap": ["DaysInSeconds", {"Ref": "DeadLetterRetentionDays"}, "Seconds"]
        }
        assert "RedrivePolicy" not in dlq
        assert props(resources, queue).get("MessageRetentionPeriod", 345600) <= FOURTEEN_DAYS
    for name in queues:
        assert props(resources, name)["SqsManagedSseEnabled"] is True, name


def test_dead_letter_retention_is_a_parameter_in_days(cfn: dict[str, Any]) -> None:
    parameter = cfn["Parameters"]["DeadLetterRetentionDays"]
    assert parameter["Default"] == "14"
    days_in_seconds = cfn["Mappings"]["DaysInSeconds"]
    assert set(parameter["AllowedValues"]) == set(days_in_seconds)
    for days, value in days_in_seconds.items():
        assert value["Seconds"] == int(days) * 24 * 3600
    assert days_in_seconds[parameter["Default"]]["Seconds"] == FOURTEEN_DAYS  # SQS's maximum


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


def test_parsed_articles_expire_after_a_parameter_number_of_days(cfn: dict[str, Any]) -> None:
    rules = {rule["Id"]: rule for rule in props(cfn["Resources"], "ArticlesBucket")["LifecycleConfiguration"]["Rules"]}
    parsed = rules["ExpireParsedArticles"]
    assert parsed["Prefix"] == "parsed/"
    assert parsed["Status"] == {"Fn::If": ["ExpireParsedArticles", "Enabled", "Disabled"]}
    assert parsed["ExpirationInDays"] == {"Fn::If": ["ExpireParsedArticles", {"Ref": "ParsedArticleRetentionDays"}, 1]}
    assert cfn["Conditions"]["ExpireParsedArticles"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ParsedArticleRetentionDays"}, 0]}]
    }
    assert cfn["Parameters"]["ParsedArticleRetentionDays"]["Default"] == 365
    assert rules["ExpireNoncurrentVersions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}


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
    # The template lists what the code projects (the day listing, profiles and rejections read
    # these attributes from gsi1)
    assert gsi["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(GSI1_PROJECTED_ATTRIBUTES)}
    # Band items expire by TTL on the attribute the code writes (BandItem.expires_at)
    assert p["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert "expires_at" in BandItem.model_fields


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


# Every role's grants: action -> the template resources its statements name (a Sub/GetAtt/Ref target), or
# the literal resource when it names none ("*" only for X-Ray, which has no resource-level permissions).
EXPECTED_GRANTS: dict[str, dict[str, set[str]]] = {
    "IngestFunctionRole": {
        "logs:CreateLogStream": {"IngestLogGroup"},
        "logs:PutLogEvents": {"IngestLogGroup"},
        "xray:PutTraceSegments": {'"*"'},
        "xray:PutTelemetryRecords": {'"*"'},
        "sqs:ReceiveMessage": {"IngestQueue"},
        "sqs:DeleteMessage": {"IngestQueue"},
        "sqs:GetQueueAttributes": {"IngestQueue"},
        "s3:GetObject": {"ArticlesBucket"},
        "s3:GetObjectVersion": {"ArticlesBucket"},
        "s3:ListBucket": {"ArticlesBucket"},
        "s3:PutObject": {"ArticlesBucket"},
        "sqs:SendMessage": {"IndexQueue"},
        "dynamodb:GetItem": {"IdempotencyTable"},
        "dynamodb:PutItem": {"IdempotencyTable"},
        "dynamodb:UpdateItem": {"IdempotencyTable"},
        "dynamodb:DeleteItem": {"IdempotencyTable"},
    },
    "IndexerFunctionRole": {
        "logs:CreateLogStream": {"IndexerLogGroup"},
        "logs:PutLogEvents": {"IndexerLogGroup"},
        "xray:PutTraceSegments": {'"*"'},
        "xray:PutTelemetryRecords": {'"*"'},
        "sqs:ReceiveMessage": {"IndexQueue"},
        "sqs:DeleteMessage": {"IndexQueue"},
        "sqs:GetQueueAttributes": {"IndexQueue"},
        "sqs:SendMessage": {"IndexQueue"},  # EntitiesReleased, to itself
        **{
            f"dynamodb:{action}": {"IndexTable"}
            for action in (
                "GetItem",
                "BatchGetItem",
                "Query",
                "PutItem",
                "UpdateItem",
                "DeleteItem",
                "BatchWriteItem",
                "ConditionCheckItem",
            )
        },
    },
    "ApiFunctionRole": {
        "logs:CreateLogStream": {"ApiLogGroup"},
        "logs:PutLogEvents": {"ApiLogGroup"},
        "xray:PutTraceSegments": {'"*"'},
        "xray:PutTelemetryRecords": {'"*"'},
        "dynamodb:GetItem": {"IndexTable"},
        "dynamodb:BatchGetItem": {"IndexTable"},
        "dynamodb:Query": {"IndexTable"},
        "s3:GetObject": {"ArticlesBucket"},
    },
    "ReconcileFunctionRole": {
        "logs:CreateLogStream": {"ReconcileLogGroup"},
        "logs:PutLogEvents": {"ReconcileLogGroup"},
        "xray:PutTraceSegments": {'"*"'},
        "xray:PutTelemetryRecords": {'"*"'},
        "s3:ListBucketVersions": {"ArticlesBucket"},
        "dynamodb:Scan": {"IndexTable"},
        "sqs:SendMessage": {"IngestQueue", "IndexQueue"},  # only with ReconcileFix=true
    },
}


def test_functions_reach_only_their_own_resources(resources: dict[str, Any]) -> None:
    granted: dict[str, dict[str, set[str]]] = {}
    for role, statement in iam_statements(resources):
        assert statement["Effect"] == "Allow", (role, statement)
        for action in as_list(statement["Action"]):
            targets = references(statement["Resource"]) or {json.dumps(statement["Resource"])}
            granted.setdefault(role, {}).setdefault(action, set()).update(targets)
    assert granted == EXPECTED_GRANTS
    for role, statement in iam_statements(resources):
        if statement.get("Resource") == "*":
            assert {a.split(":")[0] for a in as_list(statement["Action"])} == {"xray"}, (role, statement)


def test_object_grants_are_limited_to_their_prefixes(resources: dict[str, Any]) -> None:
    statements = {s.get("Sid"): s for role, s in iam_statements(resources) if role == "IngestFunctionRole"}
    assert statements["ReadIncomingObjects"]["Resource"] == {"Fn::Sub": "${ArticlesBucket.Arn}/incoming/*"}
    assert statements["WriteParsedObjects"]["Resource"] == {"Fn::Sub": "${ArticlesBucket.Arn}/parsed/*"}
    # ListBucket is on the bucket itself: it lets S3 answer 404 (not 403) for an object deleted meanwhile.
    assert statements["TellMissingObjectsApart"]["Resource"] == {"Fn::GetAtt": ["ArticlesBucket", "Arn"]}
    # The API reads parsed copies only: never the uploads, and it may not list the bucket's keys.
    api = {s.get("Sid"): s for role, s in iam_statements(resources) if role == "ApiFunctionRole"}
    assert api["ReadParsedObjects"]["Action"] == "s3:GetObject"
    assert api["ReadParsedObjects"]["Resource"] == {"Fn::Sub": "${ArticlesBucket.Arn}/parsed/*"}


def test_roles_are_only_the_functions_own_without_managed_policies(resources: dict[str, Any]) -> None:
    roles = of_type(resources, "AWS::IAM::Role")
    assert set(roles) == {f"{function}Role" for function in FUNCTIONS}
    for name, role in roles.items():
        p = role["Properties"]
        assert "ManagedPolicyArns" not in p, name
        [statement] = p["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert not of_type(resources, "AWS::IAM::Policy") and not of_type(resources, "AWS::IAM::ManagedPolicy")


def test_reconcile_is_opt_in_scheduled_and_sends_fixes_only_when_told(cfn: dict[str, Any]) -> None:
    resources = cfn["Resources"]
    assert cfn["Parameters"]["ReconcileSchedule"]["Default"] == ""
    assert cfn["Parameters"]["ReconcileFix"]["Default"] == "false"
    assert cfn["Conditions"]["ReconcileEnabled"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "ReconcileSchedule"}, ""]}]}
    for name in (
        "ReconcileFunction",
        "ReconcileFunctionRole",
        "ReconcileLogGroup",
        "ReconcileDriftAlarm",
        "ReconcileErrorsAlarm",
        "ReconcileThrottlesAlarm",
    ):
        assert resources[name]["Condition"] == "ReconcileEnabled", name
    [rule] = of_type(resources, "AWS::Events::Rule").values()
    assert rule["Condition"] == "ReconcileEnabled"
    assert rule["Properties"]["ScheduleExpression"] == {"Ref": "ReconcileSchedule"}
    assert rule["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": ["ReconcileFunction", "Arn"]}
    [base, fixing] = props(resources, "ReconcileFunctionRole")["Policies"]
    assert "sqs:SendMessage" not in json.dumps(base)
    condition, granted, otherwise = fixing["Fn::If"]
    assert condition == "ReconcileFixes" and otherwise == {"Ref": "AWS::NoValue"}
    assert "sqs:SendMessage" in json.dumps(granted)
    assert cfn["Conditions"]["ReconcileFixes"] == {
        "Fn::And": [{"Condition": "ReconcileEnabled"}, {"Fn::Equals": [{"Ref": "ReconcileFix"}, "true"]}]
    }


# --- API ----------------------------------------------------------------------------------------------------


def test_every_api_route_requires_iam_authorisation(resources: dict[str, Any]) -> None:
    [api] = of_type(resources, "AWS::ApiGatewayV2::Api").values()
    body = api["Properties"]["Body"]
    assert set(body["paths"]) == API_ROUTES
    schemes = body["components"]["securitySchemes"]
    assert schemes["AWS_IAM"]["x-amazon-apigateway-authtype"] == "awsSigv4"
    for path, methods in body["paths"].items():
        assert set(methods) == {"get"}, path
        operation = methods["get"]
        assert operation["security"] == [{"AWS_IAM": []}], path
        integration = operation["x-amazon-apigateway-integration"]
        assert integration["payloadFormatVersion"] == "2.0"
        assert "${ApiFunction.Arn}" in integration["uri"]["Fn::Sub"]


def test_api_stage_logs_access_and_throttles(resources: dict[str, Any]) -> None:
    [stage] = of_type(resources, "AWS::ApiGatewayV2::Stage").values()
    p = stage["Properties"]
    assert p["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    # The account's log delivery policy covers /aws/vendedlogs/* at once (it fills up name by name otherwise).
    group_name = props(resources, "ApiAccessLogGroup")["LogGroupName"]["Fn::Sub"]
    assert group_name.startswith("/aws/vendedlogs/")
    assert json.loads(p["AccessLogSettings"]["Format"].replace("\n", ""))["status"] == "$context.status"
    assert p["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    for permission in of_type(resources, "AWS::Lambda::Permission").values():
        if permission["Properties"]["FunctionName"] != {"Ref": "ApiFunction"}:
            continue  # the reconcile function's schedule
        source = permission["Properties"]["SourceArn"]["Fn::Sub"]
        assert source[1]["__ApiId__"] == {"Ref": "Api"}  # only this API may invoke the function


# --- observability ------------------------------------------------------------------------------------------


def _alarms(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: r["Properties"] for name, r in of_type(resources, "AWS::CloudWatch::Alarm").items()}


def test_alarms_cover_dead_letters_errors_throttles_and_queue_age(cfn: dict[str, Any]) -> None:
    alarms = _alarms(cfn["Resources"])
    watched = {
        (a["Namespace"], a["MetricName"], json.dumps(a["Dimensions"][0]["Value"], sort_keys=True))
        for a in alarms.values()
    }
    for queue in DEAD_LETTER_QUEUES.values():
        name = json.dumps({"Fn::GetAtt": [queue, "QueueName"]}, sort_keys=True)
        assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", name) in watched, queue
    for queue in DEAD_LETTER_QUEUES:
        name = json.dumps({"Fn::GetAtt": [queue, "QueueName"]}, sort_keys=True)
        assert ("AWS/SQS", "ApproximateAgeOfOldestMessage", name) in watched, queue
    for function in FUNCTIONS:
        for metric in ("Errors", "Throttles"):
            assert ("AWS/Lambda", metric, json.dumps({"Ref": function})) in watched, (function, metric)
    assert ("NewsIngest", "ParseErrors", json.dumps("newsingest")) in watched
    assert ("NewsIngest", "DriftFound", json.dumps("newsingest")) in watched
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}] and alarm["OKActions"] == [{"Ref": "AlarmTopic"}]
        assert alarm["TreatMissingData"] == "notBreaching", name
        if alarm["MetricName"] == "ApproximateAgeOfOldestMessage":
            assert alarm["Threshold"] == {"Ref": "QueueAgeAlarmSeconds"}
        else:
            assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold"), name


def _operations_sections() -> dict[str, str]:
    """docs/operations.md's sections by the anchor GitHub gives their heading (lower case, punctuation
    dropped, spaces to hyphens): each heading's text up to the next heading."""
    sections: dict[str, str] = {}
    anchor = ""
    for line in OPERATIONS.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^#{1,6}\s+(.*?)\s*$", line)
        if heading:
            anchor = re.sub(r"[^\w\- ]", "", heading.group(1).lower().replace("`", "")).replace(" ", "-")
            sections[anchor] = ""
        elif anchor:
            sections[anchor] += line + "\n"
    return sections


def test_every_alarm_links_a_runbook_entry_that_names_it(cfn: dict[str, Any]) -> None:
    sections = _operations_sections()
    for name, alarm in _alarms(cfn["Resources"]).items():
        link = re.search(r"Runbook: docs/operations\.md#([\w-]+)$", alarm["AlarmDescription"])
        assert link, f"{name}'s description names no runbook entry"
        assert link.group(1) in sections, f"{name} links #{link.group(1)}, which docs/operations.md lacks"
        entry = sections[link.group(1)]
        assert name in entry or link.group(1) == name.lower(), f"#{link.group(1)} does not name {name}"
        for part in ("**Means**", "**Confirm**", "**Repair**"):
            assert part in entry, f"#{link.group(1)} has no {part}"
        assert len(alarm["AlarmDescription"]) <= 1024, name  # CloudWatch's limit


def test_alarm_email_is_optional(cfn: dict[str, Any]) -> None:
    assert cfn["Parameters"]["AlarmEmail"]["Default"] == ""
    subscription = cfn["Resources"]["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Protocol"] == "email"
    assert cfn["Conditions"]["HasAlarmEmail"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}
    pattern = re.compile(cfn["Parameters"]["AlarmEmail"]["AllowedPattern"])
    assert pattern.fullmatch("") and pattern.fullmatch("ops@example.com") and not pattern.fullmatch("ops")


def test_dashboard_graphs_the_pipeline(cfn: dict[str, Any]) -> None:
    body = props(cfn["Resources"], "Dashboard")["DashboardBody"]["Fn::Sub"][0]
    for metric in (
        "ArticlesParsed",
        "ArticlesRejected",
        "EntitiesExtracted",
        "ParseLatency",
        "IndexWrites",
        "RecordsDeferred",
        "ParseErrors",
    ):
        assert f'"{metric}"' in body or f'\\"{metric}\\"' in body, metric
    for name in ("${IngestFunction}", "${IndexerFunction}", "${ApiFunction}", "${IngestDeadLetterQueueName}", "${Api}"):
        assert name in body, name
    # Valid JSON once its ${...} are substituted.
    json.loads(re.sub(r"\$\{[^}]+\}", "x", body))


def test_every_log_group_has_a_retention(cfn: dict[str, Any]) -> None:
    groups = of_type(cfn["Resources"], "AWS::Logs::LogGroup")
    assert set(groups) == {*LOG_GROUPS.values(), "ApiAccessLogGroup"}
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert cfn["Parameters"]["LogRetentionDays"]["Default"] == 30


# --- checkov ------------------------------------------------------------------------------------------------


def _checkov_suppressions(template: dict[str, Any]) -> list[tuple[str, str, str]]:
    found = []
    for name, resource in template["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            found.append((name, skip["id"], skip.get("comment", "")))
    return found


def test_every_checkov_suppression_says_why(templates: dict[str, dict[str, Any]]) -> None:
    suppressions = _checkov_suppressions(templates["sam"])
    assert suppressions
    for name, check, comment in suppressions:
        assert len(comment.split()) >= 8, f"{name} skips {check} without saying why"


@pytest.mark.parametrize("which", ["sam", "cfn"])
def test_checkov_reports_nothing(templates: dict[str, dict[str, Any]], tmp_path: Path, which: str) -> None:
    """checkov on template.yaml and on its translation (which has the functions' roles, mappings and the API
    stage as CloudFormation resources)."""
    if not CHECKOV.exists():
        pytest.skip(f"checkov is not installed at {CHECKOV.relative_to(REPO_ROOT)} (run infra/install-checkov.sh)")
    target = TEMPLATE if which == "sam" else tmp_path / "translated.json"
    if which == "cfn":
        target.write_text(json.dumps(templates["cfn"]), encoding="utf-8")
    result = subprocess.run(
        [str(CHECKOV), "--file", str(target), *CHECKOV_OPTIONS],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=300,
    )
    report = json.loads(result.stdout)
    summary = report["summary"]
    assert summary["failed"] == 0, json.dumps(report["results"]["failed_checks"], indent=1)[:5000]
    assert summary["parsing_errors"] == 0 and summary["passed"] > 0


# --- outputs ----------------------------------------------------------------------------------------------


def test_outputs(cfn: dict[str, Any]) -> None:
    outputs = {name: output["Value"] for name, output in cfn["Outputs"].items()}
    assert outputs["ApiUrl"] == {"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"}
    assert outputs["AlarmTopicArn"] == {"Ref": "AlarmTopic"}
    for name, value in {
        "ArticlesBucketName": {"Ref": "ArticlesBucket"},
        "IngestQueueUrl": {"Ref": "IngestQueue"},
        "IngestDeadLetterQueueUrl": {"Ref": "IngestDeadLetterQueue"},
        "IndexQueueUrl": {"Ref": "IndexQueue"},
        "IndexDeadLetterQueueUrl": {"Ref": "IndexDeadLetterQueue"},
        "IndexTableName": {"Ref": "IndexTable"},
        "IdempotencyTableName": {"Ref": "IdempotencyTable"},
        "IngestFunctionName": {"Ref": "IngestFunction"},
        "IndexerFunctionName": {"Ref": "IndexerFunction"},
        "ApiFunctionName": {"Ref": "ApiFunction"},
    }.items():
        assert outputs[name] == value, name
    assert "DashboardUrl" in outputs
