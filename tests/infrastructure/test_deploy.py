"""The stack deploys: template.yaml, translated by the SAM translator, is created as a stack on moto's
CloudFormation, and what it created is read back through the services' own APIs (Lambda, SQS, DynamoDB,
CloudWatch, S3, SNS, API Gateway).

moto's CloudFormation ignores some properties (tracing, table encryption, the bucket's public access block
and lifecycle rules): test_template.py asserts those on the translated template. It has no provider for some
resource types of the translated template (alarms, Lambda aliases, queue and bucket policies, SNS
subscriptions, HTTP APIs and their stages), and its Lambda version provider has no `Version` attribute.
Without providers the stack would not even create: the event source mapping targets the alias. The small
providers below fill the gap by calling moto's own backends, as CloudFormation calls the services, so the
assertions read real moto state. The HTTP API stage has no moto backend at all: its provider checks that the
API exists and keeps the stage's settings for the test.
"""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import boto3
import pytest
from moto import mock_aws
from moto.apigatewayv2.models import apigatewayv2_backends
from moto.awslambda.models import lambda_backends
from moto.cloudformation import parsing
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.common_models import CloudFormationModel
from moto.s3.models import s3_backends
from moto.sns.models import sns_backends
from moto.sqs.models import sqs_backends

from newsingest.indexing.items import GSI1_PROJECTED_ATTRIBUTES

REGION = "us-east-1"
STACK = "newsingest"
CODE_BUCKET = "newsingest-code"
# Deployment parameters the test passes (the rest keep their defaults): the optional e-mail and the opt-in
# reconcile schedule (with its fixes), to create the conditional resources too.
PARAMETERS = {"AlarmEmail": "ops@example.com", "ReconcileSchedule": "rate(1 day)", "ReconcileFix": "true"}
FUNCTIONS = {
    "IngestFunction": ("newsingest.handlers.ingest.handler", 576, 60),
    "IndexerFunction": ("newsingest.handlers.indexer.handler", 256, 30),
    "ApiFunction": ("newsingest.handlers.api.handler", 512, 10),
    "ReconcileFunction": ("newsingest.handlers.reconcile.handler", 2048, 900),
}


# --- providers moto's CloudFormation lacks ------------------------------------------------------------------


class _Provider:
    """A created resource: its physical id (what Ref returns) and its GetAtt attributes."""

    ATTRIBUTES: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, physical_id: str, attributes: dict[str, Any] | None = None) -> None:
        self._physical_id = physical_id
        self._attributes = attributes or {}

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    @property
    def physical_resource_id(self) -> str:
        return self._physical_id

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self._attributes[attribute_name]


class AlarmProvider(_Provider, CloudFormationModel):
    @staticmethod
    def cloudformation_name_type() -> str:
        return "AlarmName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::Alarm"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> AlarmProvider:
        p = cloudformation_json["Properties"]
        cloudwatch_backends[account_id][region_name].put_metric_alarm(
            name=resource_name,
            namespace=p["Namespace"],
            metric_name=p["MetricName"],
            comparison_operator=p["ComparisonOperator"],
            evaluation_periods=int(p["EvaluationPeriods"]),
            period=int(p["Period"]),
            threshold=float(p["Threshold"]),
            statistic=p["Statistic"],
            description=p.get("AlarmDescription", ""),
            dimensions=p.get("Dimensions", []),
            alarm_actions=p.get("AlarmActions", []),
            ok_actions=p.get("OKActions", []),
            treat_missing_data=p.get("TreatMissingData"),
        )
        return cls(resource_name)


class VersionProvider(_Provider, CloudFormationModel):
    """Replaces moto's AWS::Lambda::Version provider, which has no `Version` attribute."""

    ATTRIBUTES = frozenset({"Version"})

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Version"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> VersionProvider:
        function_name = cloudformation_json["Properties"]["FunctionName"]
        published = lambda_backends[account_id][region_name].publish_version(function_name, description="")
        assert published is not None
        return cls(published.function_arn, {"Version": str(published.version)})


class AliasProvider(_Provider, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Alias"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> AliasProvider:
        p = cloudformation_json["Properties"]
        alias = lambda_backends[account_id][region_name].create_alias(
            name=p["Name"],
            function_name=p["FunctionName"],
            function_version=p["FunctionVersion"],
            description=p.get("Description", ""),
            routing_config=p.get("RoutingConfig", {}),
        )
        return cls(alias.arn)


class QueuePolicyProvider(_Provider, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SQS::QueuePolicy"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> QueuePolicyProvider:
        p = cloudformation_json["Properties"]
        for queue_url in p["Queues"]:
            sqs_backends[account_id][region_name].set_queue_attributes(
                queue_url.rsplit("/", 1)[-1], {"Policy": json.dumps(p["PolicyDocument"])}
            )
        return cls(resource_name)


class BucketPolicyProvider(_Provider, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> BucketPolicyProvider:
        p = cloudformation_json["Properties"]
        s3_backends[account_id]["aws"].put_bucket_policy(p["Bucket"], json.dumps(p["PolicyDocument"]).encode())
        return cls(resource_name)


class SubscriptionProvider(_Provider, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::Subscription"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> SubscriptionProvider:
        p = cloudformation_json["Properties"]
        subscription = sns_backends[account_id][region_name].subscribe(p["TopicArn"], p["Endpoint"], p["Protocol"])
        return cls(subscription.arn)


class HttpApiProvider(_Provider, CloudFormationModel):
    """An HTTP API from its OpenAPI body (as API Gateway's import does)."""

    ATTRIBUTES = frozenset({"ApiEndpoint"})

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Api"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> HttpApiProvider:
        p = cloudformation_json["Properties"]
        backend = apigatewayv2_backends[account_id][region_name]
        api = backend.create_api(
            api_key_selection_expression="$request.header.x-api-key",
            cors_configuration="",
            description=p.get("Description", ""),
            disable_schema_validation="",
            disable_execute_api_endpoint="",
            name=str(p["Body"]["info"]["title"]),
            protocol_type="HTTP",
            route_selection_expression="$request.method $request.path",
            tags={},
            version="",
        )
        api.import_api(json.dumps(p["Body"]), fail_on_warnings=bool(p.get("FailOnWarnings")))
        return cls(api.api_id, {"ApiEndpoint": f"https://{api.api_id}.execute-api.{region_name}.amazonaws.com"})


class HttpApiStageProvider(_Provider, CloudFormationModel):
    """moto has no API Gateway v2 stages: checks the API exists and keeps the stage's settings."""

    created: ClassVar[dict[str, dict[str, Any]]] = {}

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Stage"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> HttpApiStageProvider:
        p = cloudformation_json["Properties"]
        apigatewayv2_backends[account_id][region_name].get_api(p["ApiId"])  # raises if it does not exist
        cls.created[p["StageName"]] = p
        return cls(p["StageName"])


def _register_providers() -> None:
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
    model_map = parsing.get_model_map()
    for provider in (
        AlarmProvider,
        VersionProvider,
        AliasProvider,
        QueuePolicyProvider,
        BucketPolicyProvider,
        SubscriptionProvider,
        HttpApiProvider,
        HttpApiStageProvider,
    ):
        assert model_map[provider.cloudformation_type()] is provider


# --- the stack ----------------------------------------------------------------------------------------------


def _code_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("newsingest/__init__.py", "")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def stack(templates: dict[str, dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The stack created on moto: {"resources": logical id -> physical id, "outputs": ..., "clients": ...}."""
    cfn = json.loads(json.dumps(templates["cfn"]))
    with pytest.MonkeyPatch.context() as env, mock_aws():
        env.delenv("AWS_ENDPOINT_URL", raising=False)
        env.delenv("AWS_PROFILE", raising=False)
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
        }.items():
            env.setenv(name, value)
        _register_providers()
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=CODE_BUCKET)
        s3.put_object(Bucket=CODE_BUCKET, Key="function.zip", Body=_code_zip())
        for resource in cfn["Resources"].values():
            if resource["Type"] == "AWS::Lambda::Function":  # `sam deploy` uploads the built artifacts
                resource["Properties"]["Code"] = {"S3Bucket": CODE_BUCKET, "S3Key": "function.zip"}
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        with _no_unsupported_resources():
            cloudformation.create_stack(
                StackName=STACK,
                TemplateBody=json.dumps(cfn),
                Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in PARAMETERS.items()],
                Capabilities=["CAPABILITY_IAM"],
            )
        [description] = cloudformation.describe_stacks(StackName=STACK)["Stacks"]
        summaries = cloudformation.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
        yield {
            "status": description["StackStatus"],
            "cfn": cfn,
            "resources": {s["LogicalResourceId"]: s["PhysicalResourceId"] for s in summaries},
            "outputs": {o["OutputKey"]: o["OutputValue"] for o in description.get("Outputs", [])},
            "clients": {
                name: boto3.client(name, region_name=REGION)
                for name in ("lambda", "sqs", "dynamodb", "cloudwatch", "s3", "sns", "logs", "iam", "apigatewayv2")
            },
        }


@contextmanager
def _no_unsupported_resources() -> Iterator[None]:
    """Fails if moto skipped a resource type it cannot create (it only warns)."""
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        yield
    skipped = [str(r.message) for r in records if "not supported by moto" in str(r.message)]
    assert not skipped, skipped


def test_every_resource_is_created(stack: dict[str, Any]) -> None:
    assert stack["status"] == "CREATE_COMPLETE"
    conditional = {
        name for name, r in stack["cfn"]["Resources"].items() if r.get("Condition") and name not in stack["resources"]
    }
    assert set(stack["cfn"]["Resources"]) - conditional == set(stack["resources"])
    assert "AlarmEmailSubscription" in stack["resources"], "AlarmEmail was given: the subscription must exist"


def test_functions(stack: dict[str, Any]) -> None:
    aws_lambda = stack["clients"]["lambda"]
    for logical_id, (handler, memory, timeout) in FUNCTIONS.items():
        configuration = aws_lambda.get_function(FunctionName=stack["resources"][logical_id])["Configuration"]
        assert configuration["Handler"] == handler
        assert configuration["Runtime"] == "python3.13"
        assert (configuration["MemorySize"], configuration["Timeout"]) == (memory, timeout)
        role = configuration["Role"].rsplit("/", 1)[-1]
        assert role == stack["resources"][f"{logical_id}Role"], logical_id
        variables = configuration["Environment"]["Variables"]
        assert variables["POWERTOOLS_SERVICE_NAME"] == "newsingest"
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "NewsIngest"
    ingest = aws_lambda.get_function(FunctionName=stack["resources"]["IngestFunction"])["Configuration"]
    variables = ingest["Environment"]["Variables"]
    assert variables["PARSED_BUCKET"] == stack["resources"]["ArticlesBucket"]
    assert variables["INDEX_QUEUE_URL"] == stack["resources"]["IndexQueue"]
    assert variables["IDEMPOTENCY_TABLE_NAME"] == stack["resources"]["IdempotencyTable"]
    for logical_id in ("IndexerFunction", "ApiFunction"):
        configuration = aws_lambda.get_function(FunctionName=stack["resources"][logical_id])["Configuration"]
        assert configuration["Environment"]["Variables"]["TABLE_NAME"] == stack["resources"]["IndexTable"]


def test_ingest_is_published_behind_an_alias_and_its_queue_invokes_the_alias(stack: dict[str, Any]) -> None:
    aws_lambda = stack["clients"]["lambda"]
    name = stack["resources"]["IngestFunction"]
    alias = aws_lambda.get_alias(FunctionName=name, Name="live")
    assert alias["FunctionVersion"] not in {"$LATEST", ""}
    queue = stack["resources"]["IngestQueue"].rsplit("/", 1)[-1]
    [mapping] = [
        m for m in aws_lambda.list_event_source_mappings()["EventSourceMappings"] if m["EventSourceArn"].endswith(queue)
    ]
    # AWS keeps the alias ARN; moto records the version the alias resolved to. Either way: not $LATEST.
    published = f"{alias['AliasArn'].rsplit(':', 1)[0]}:{alias['FunctionVersion']}"
    assert mapping["FunctionArn"] in {alias["AliasArn"], published}


def test_event_source_mappings(stack: dict[str, Any]) -> None:
    aws_lambda, sqs = stack["clients"]["lambda"], stack["clients"]["sqs"]
    expected = {
        "IngestFunction": ("IngestQueue", 10, 5, "10"),
        "IndexerFunction": ("IndexQueue", 25, 5, "5"),
    }
    for function, (queue, batch_size, window, concurrency) in expected.items():
        queue_arn = sqs.get_queue_attributes(QueueUrl=stack["resources"][queue], AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        mappings = aws_lambda.list_event_source_mappings(EventSourceArn=queue_arn)["EventSourceMappings"]
        assert len(mappings) == 1, (function, mappings)
        [mapping] = mappings
        assert stack["resources"][function] in mapping["FunctionArn"]
        assert mapping["BatchSize"] == batch_size
        assert mapping.get("MaximumBatchingWindowInSeconds") == window
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert str(mapping["ScalingConfig"]["MaximumConcurrency"]) == concurrency


def test_queues_redrive_to_dead_letter_queues_with_their_retention(stack: dict[str, Any]) -> None:
    sqs = stack["clients"]["sqs"]
    for queue, dlq, visibility in (
        ("IngestQueue", "IngestDeadLetterQueue", "365"),
        ("IndexQueue", "IndexDeadLetterQueue", "185"),
    ):
        attributes = sqs.get_queue_attributes(QueueUrl=stack["resources"][queue], AttributeNames=["All"])["Attributes"]
        dlq_attributes = sqs.get_queue_attributes(QueueUrl=stack["resources"][dlq], AttributeNames=["All"])[
            "Attributes"
        ]
        redrive = json.loads(attributes["RedrivePolicy"])
        assert redrive["deadLetterTargetArn"] == dlq_attributes["QueueArn"]
        assert int(redrive["maxReceiveCount"]) == 5
        assert attributes["VisibilityTimeout"] == visibility
        assert dlq_attributes["MessageRetentionPeriod"] == str(14 * 24 * 3600)  # DeadLetterRetentionDays default
        for queue_attributes in (attributes, dlq_attributes):
            assert queue_attributes["SqsManagedSseEnabled"] == "true"
    policy = json.loads(
        sqs.get_queue_attributes(QueueUrl=stack["resources"]["IngestQueue"], AttributeNames=["Policy"])["Attributes"][
            "Policy"
        ]
    )
    [statement] = policy["Statement"]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"].endswith(stack["resources"]["ArticlesBucket"])


def test_index_table_and_its_index(stack: dict[str, Any]) -> None:
    table = stack["clients"]["dynamodb"].describe_table(TableName=stack["resources"]["IndexTable"])["Table"]
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {"pk": "HASH", "sk": "RANGE"}
    [gsi] = table["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "gsi1"
    assert {k["AttributeName"]: k["KeyType"] for k in gsi["KeySchema"]} == {"gsi1pk": "HASH", "gsi1sk": "RANGE"}
    assert gsi["Projection"] == {
        "ProjectionType": "INCLUDE",
        "NonKeyAttributes": list(GSI1_PROJECTED_ATTRIBUTES),
    }
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_bucket_is_encrypted_and_tls_only(stack: dict[str, Any]) -> None:
    s3, bucket = stack["clients"]["s3"], stack["resources"]["ArticlesBucket"]
    assert bucket == stack["outputs"]["ArticlesBucketName"]
    [rule] = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert any(
        s["Effect"] == "Deny" and s["Condition"]["Bool"]["aws:SecureTransport"] == "false" for s in policy["Statement"]
    )


def test_alarms(stack: dict[str, Any]) -> None:
    alarms = {alarm["AlarmName"]: alarm for alarm in stack["clients"]["cloudwatch"].describe_alarms()["MetricAlarms"]}
    topic = stack["resources"]["AlarmTopic"]
    resources = stack["resources"]

    def alarm(logical_id: str) -> dict[str, Any]:
        found: dict[str, Any] = alarms[resources[logical_id]]
        assert found["AlarmActions"] == [topic] and found["OKActions"] == [topic], logical_id
        assert found["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert found["TreatMissingData"] == "notBreaching"
        return found

    def dimension(found: dict[str, Any]) -> str:
        [single] = found["Dimensions"]
        return str(single["Value"])

    queues = ("IngestDeadLetterQueue", "IndexDeadLetterQueue", "IngestQueue", "IndexQueue")
    queue_names = {name: resources[name].rsplit("/", 1)[-1] for name in queues}
    for logical_id, queue in (
        ("IngestDeadLetterQueueAlarm", "IngestDeadLetterQueue"),
        ("IndexDeadLetterQueueAlarm", "IndexDeadLetterQueue"),
    ):
        found = alarm(logical_id)
        assert (found["Namespace"], found["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
        assert found["Threshold"] == 1 and dimension(found) == queue_names[queue]
    for logical_id, queue in (("IngestQueueAgeAlarm", "IngestQueue"), ("IndexQueueAgeAlarm", "IndexQueue")):
        found = alarm(logical_id)
        assert (found["Namespace"], found["MetricName"]) == ("AWS/SQS", "ApproximateAgeOfOldestMessage")
        assert found["Threshold"] == 900 and dimension(found) == queue_names[queue]
    for function in FUNCTIONS:
        prefix = function.removesuffix("Function")
        for metric in ("Errors", "Throttles"):
            found = alarm(f"{prefix}{metric}Alarm")
            assert (found["Namespace"], found["MetricName"], found["Statistic"]) == ("AWS/Lambda", metric, "Sum")
            assert found["Threshold"] == 1 and dimension(found) == resources[function]
    subscriptions = stack["clients"]["sns"].list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("email", PARAMETERS["AlarmEmail"])]


def test_dashboard_and_log_groups(stack: dict[str, Any]) -> None:
    dashboard = stack["clients"]["cloudwatch"].get_dashboard(DashboardName=stack["resources"]["Dashboard"])
    body = json.loads(dashboard["DashboardBody"])
    assert len(body["widgets"]) >= 9
    text = json.dumps(body)
    for name in ("IngestFunction", "IndexerFunction", "ApiFunction"):
        assert stack["resources"][name] in text
    groups = {g["logGroupName"]: g for g in stack["clients"]["logs"].describe_log_groups()["logGroups"]}
    for logical_id in ("IngestLogGroup", "IndexerLogGroup", "ApiLogGroup", "ApiAccessLogGroup"):
        assert groups[stack["resources"][logical_id]]["retentionInDays"] == 30  # LogRetentionDays default


def test_http_api_routes_and_stage(stack: dict[str, Any]) -> None:
    api_id = stack["resources"]["Api"]
    routes = stack["clients"]["apigatewayv2"].get_routes(ApiId=api_id)["Items"]
    assert {route["RouteKey"] for route in routes} == {
        "GET /v1/articles",
        "GET /v1/articles/{id}",
        "GET /v1/articles/{id}/parsed",
        "GET /v1/stories/{id}",
        "GET /v1/entities",
        "GET /v1/entities/{id}",
        "GET /v1/entities/{id}/articles",
        "GET /v1/entities/{id}/timeline",
        "GET /v1/entities/{id}/quotes",
        "GET /v1/openapi.json",
    }
    stage = HttpApiStageProvider.created["$default"]
    assert stage["AutoDeploy"] is True or str(stage["AutoDeploy"]).lower() == "true"
    assert stage["AccessLogSettings"]["DestinationArn"].startswith("arn:aws:logs:")
    assert stack["outputs"]["ApiUrl"] == f"https://{api_id}.execute-api.{REGION}.amazonaws.com/"
