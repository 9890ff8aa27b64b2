"""Dollars per million articles at AWS list prices, from the measured figures; next to Comprehend's.

    .venv/bin/python bench/cost.py [--measured pipeline.json] [--index-wcu 20.9] [--ingest-memory 576]

A cost model, not a measurement: it multiplies what the benches measured per article (CPU time of
each function, requests, payload sizes, write units, log bytes) by the list prices below. Memory
and batch sizes are read from `template.yaml`. `--measured` takes the JSON `bench/pipeline.py
--json` writes; without it the figures measured when this file was last updated are used, for
news-length articles (`MEASURED_NEWS_LENGTH`: the size Comprehend's price is quoted for) and for
the WCXB pages (`MEASURED`). The index's write units per article are a parameter (`--index-wcu`),
by default the mean `bench/index.py` printed for the same kind of article once the index knows
its entities (the steady state of a running index).

Lambda's billed duration is the CPU time scaled to the function's share of a vCPU (memory / 1,769
MB, at most one: the code is single-threaded) plus the time it waits for S3, SQS and DynamoDB,
which moto cannot measure: `LATENCY_SECONDS` are assumed typical in-region latencies. The CPU time
was measured on the bench machine; a Lambda vCPU is assumed to be as fast.

Not per article, so left out of the totals: free tiers, storage (printed per month kept), the
stack's fixed monthly costs (alarms, dashboard, SnapStart cache, custom metrics: docs/deploy.md,
"What it costs"), idle polling by the event source mappings (a few cents a month per queue), the API.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MILLION = 1_000_000
GB = 1024**3

PRICE_SOURCE = "us-east-1 list prices as of November 2026 per AWS pricing pages"
LAMBDA_GB_SECOND = 0.0000166667
"""Lambda x86_64, per GB-second of billed duration (1 ms granularity)."""
LAMBDA_REQUEST = 0.20 / MILLION
SQS_REQUEST = 0.40 / MILLION
"""SQS standard queue, per request; each 64 KB chunk of a request's payload is billed as one."""
S3_PUT = 0.005 / 1000
"""S3 Standard PUT, COPY, POST, LIST."""
S3_GET = 0.0004 / 1000
"""S3 Standard GET, SELECT and all other requests (HEAD included)."""
S3_STORAGE_GB_MONTH = 0.023
DYNAMODB_WRITE_UNIT = 0.625 / MILLION
"""DynamoDB on-demand write request unit, after the November 2024 on-demand price cut (was $1.25)."""
DYNAMODB_READ_UNIT = 0.125 / MILLION
"""DynamoDB on-demand read request unit, after the same cut (was $0.25)."""
DYNAMODB_STORAGE_GB_MONTH = 0.25
DYNAMODB_PITR_GB_MONTH = 0.20
"""Point-in-time recovery (continuous backups), on for the index table."""
CLOUDWATCH_LOGS_INGESTED_GB = 0.50
XRAY_TRACE_RECORDED = 5.00 / MILLION
COMPREHEND_UNIT = 0.0001
"""Amazon Comprehend DetectEntities, per unit of 100 characters, minimum 3 units per request."""
COMPREHEND_UNIT_CHARS = 100
COMPREHEND_MIN_UNITS = 3
COMPREHEND_ARTICLE_CHARS = 5000
"""The issue's reference article: 5,000 characters."""

SQS_MAX_RECEIVE = 10
"""ReceiveMessage and DeleteMessageBatch take at most ten messages: a batch of 25 takes three of each."""
LAMBDA_FULL_VCPU_MB = 1769
"""Lambda gives a function CPU in proportion to its memory: one full vCPU at 1,769 MB."""
LAMBDA_PLATFORM_LOG_BYTES = 300
"""START, END and REPORT lines Lambda writes per invocation (text format)."""
MEMORY_HEADROOM = 1.25
"""A memory size must hold the largest accepted object's peak RSS with 25% to spare (fragmentation,
pages larger than the bench's, a model or library update)."""
TARGET_PER_MILLION = 25.0
UNTRACED_WORK_MB = 16
"""The indexer's memory above its init when the measured figures give no traced peak (they were under 10 MB)."""
INGEST_MEMORY_SIZES = (512, 768, 1024, 1769, 2048)
INDEXER_MEMORY_SIZES = (128, 256, 512, 1024)
LAMBDA_MEMORY_SIZES = tuple(range(128, 10241, 64))
"""Every size Lambda accepts that the cheapest-size search considers (128 MB to 10 GB, here in 64 MB steps)."""

LATENCY_SECONDS = {
    "s3.GetObject": 0.030,
    "s3.PutObject": 0.040,
    "sqs": 0.010,
    "dynamodb": 0.006,
}
"""Assumed wall time a function waits per request (not measured: moto answers in-process). S3: time
to first byte plus ~360 KB at LAN speed for a GET of the mean page; SQS and DynamoDB: single-digit
to ten milliseconds in-region."""

MEASURED_DIR = Path(__file__).resolve().parent / "data" / "measured"
MEASURED: dict[str, Any] = json.loads((MEASURED_DIR / "pipeline-wcxb.json").read_text(encoding="utf-8"))
"""What `bench/pipeline.py --json` wrote for the WCXB pages when this file was last updated (or pass --measured);
its `source` says which run."""

MEASURED_NEWS_LENGTH: dict[str, Any] = json.loads(
    (MEASURED_DIR / "pipeline-news-length.json").read_text(encoding="utf-8")
)
"""The same for news-length articles (4,000-6,000 characters of text: the size Comprehend's price is quoted for)."""

INDEX_WCU_DEFAULT = 20.9
"""`bench/index.py --limit 60` as quoted in docs/benchmarks.md: mean write units per article whose entities the index
already knows (the steady state of a running index). The pipeline's own figure is higher: its table starts
empty, so every entity is new."""

INDEX_WCU_NEWS_LENGTH = 15.4
"""The same with `--text-chars 4000:6000`."""


@dataclass(frozen=True)
class Function:
    """What the model needs of one Lambda function."""

    name: str
    memory_mb: int
    batch_size: int
    cpu_seconds: float
    wait_seconds: float

    def duration(self, memory_mb: int | None = None) -> float:
        """Billed seconds per article at `memory_mb` (the configured size by default)."""
        memory = memory_mb or self.memory_mb
        return self.cpu_seconds * max(1.0, LAMBDA_FULL_VCPU_MB / memory) + self.wait_seconds

    def compute(self, memory_mb: int | None = None) -> float:
        """Dollars per article of GB-seconds."""
        memory = memory_mb or self.memory_mb
        return memory / 1024 * self.duration(memory) * LAMBDA_GB_SECOND

    def requests(self) -> float:
        return LAMBDA_REQUEST / self.batch_size


def template_functions(template: Path = REPO / "template.yaml") -> dict[str, tuple[int, int, int]]:
    """(MemorySize, SQS BatchSize, MaximumBatchingWindowInSeconds) of each function in the SAM template."""
    from samtranslator.yaml_helper import yaml_parse  # the dev lock's aws-sam-translator

    resources: dict[str, Any] = yaml_parse(template.read_text(encoding="utf-8"))["Resources"]
    sizes: dict[str, tuple[int, int, int]] = {}
    for name, resource in resources.items():
        properties = resource.get("Properties", {})
        if resource.get("Type") != "AWS::Serverless::Function" or "MemorySize" not in properties:
            continue
        batches = [
            (int(event["Properties"]["BatchSize"]), int(event["Properties"].get("MaximumBatchingWindowInSeconds", 0)))
            for event in properties.get("Events", {}).values()
            if event.get("Type") == "SQS" and "BatchSize" in event.get("Properties", {})
        ]
        batch, window = batches[0] if batches else (1, 0)
        sizes[name] = (int(properties["MemorySize"]), batch, window)
    return sizes


def wait_seconds(requests: dict[str, float], function: str) -> float:
    total = 0.0
    for key, count in requests.items():
        stage, _, operation = key.partition(":")
        if stage != function:
            continue
        latency = LATENCY_SECONDS.get(operation, LATENCY_SECONDS.get(operation.split(".")[0], 0.0))
        total += count * latency
    return total


def comprehend_per_article(chars: float) -> float:
    return max(COMPREHEND_MIN_UNITS, math.ceil(chars / COMPREHEND_UNIT_CHARS)) * COMPREHEND_UNIT


@dataclass(frozen=True)
class MeasuredSet:
    """One pipeline run's figures and the index write units of the same kind of article."""

    name: str
    measured: dict[str, Any]
    index_wcu: float


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--measured", type=Path, default=None, help="JSON written by bench/pipeline.py --json")
    parser.add_argument("--index-wcu", type=float, default=None, help="index write units per article (with --measured)")
    parser.add_argument("--ingest-memory", type=int, default=None, help="MB (default: the template's)")
    parser.add_argument("--indexer-memory", type=int, default=None, help="MB (default: the template's)")
    args = parser.parse_args(argv)

    if args.measured:
        measured = json.loads(args.measured.read_text(encoding="utf-8"))
        sets = [MeasuredSet(str(args.measured), measured, args.index_wcu or INDEX_WCU_DEFAULT)]
    else:
        sets = [
            MeasuredSet("news-length articles (4,000-6,000 characters)", MEASURED_NEWS_LENGTH, INDEX_WCU_NEWS_LENGTH),
            MeasuredSet("WCXB pages", MEASURED, INDEX_WCU_DEFAULT),
        ]
    template = template_functions()
    print(f"Prices: {PRICE_SOURCE}.")
    totals = []
    for measured_set in sets:
        ingest, indexer, total = print_cost(measured_set, template, args)
        totals.append((measured_set, total))
    if len(totals) > 1:
        print(
            "\n| measured set | mean text (characters) | $ per million, all in | Comprehend on the same text | ratio |"
        )
        print("|---|---:|---:|---:|---:|")
        for measured_set, total in totals:
            chars = measured_set.measured["sizes"]["text_chars"]
            comprehend = comprehend_per_article(chars)
            print(
                f"| {measured_set.name} | {chars:,.0f} | {total * MILLION:,.2f} | {comprehend * MILLION:,.0f} | "
                f"{comprehend / total:.0f}x |"
            )
    print_memory_choice(ingest, indexer, sets[-1].measured)
    return 0


def print_cost(
    measured_set: MeasuredSet, template: dict[str, tuple[int, int, int]], args: argparse.Namespace
) -> tuple[Function, Function, float]:
    """Print one measured set's cost table and verdict; its functions and total per article."""
    measured, index_wcu = measured_set.measured, measured_set.index_wcu
    window = template["IngestFunction"][2]
    requests: dict[str, float] = measured["requests_per_article"]
    parsed_share = measured["distinct_articles"] / measured["articles"]
    ingest = Function(
        "ingest",
        args.ingest_memory or template["IngestFunction"][0],
        template["IngestFunction"][1],
        measured["cpu_ms_per_article"]["ingest"] / 1000,
        wait_seconds(requests, "ingest"),
    )
    indexer = Function(
        "index",
        args.indexer_memory or template["IndexerFunction"][0],
        template["IndexerFunction"][1],
        measured["cpu_ms_per_article"]["index"] / 1000,
        wait_seconds(requests, "index"),
    )
    sizes = measured["sizes"]
    rows = cost_rows(ingest, indexer, measured, index_wcu)
    total = sum(cost for _, cost in rows)
    fill_rate = ingest.batch_size / window if window else math.inf
    trickle = sum(
        cost
        for _, cost in cost_rows(replace(ingest, batch_size=1), replace(indexer, batch_size=1), measured, index_wcu)
    )

    print(f"\n### {measured_set.name}\n")
    print(f"Measured figures: {measured.get('source', measured_set.name)}.")
    print(
        f"Mean article of the measured set: {sizes['original_bytes'] / 1024:.0f} KB of HTML, "
        f"{sizes['text_chars']:,.0f} characters of text.\n"
    )
    print("| per million articles | $ |")
    print("|---|---:|")
    for label, cost in rows:
        print(f"| {label} | {cost * MILLION:,.2f} |")
    print(f"| **total** | **{total * MILLION:,.2f}** |")
    comprehend_reference = comprehend_per_article(COMPREHEND_ARTICLE_CHARS)
    comprehend_measured = comprehend_per_article(sizes["text_chars"])
    print(
        f"| Amazon Comprehend DetectEntities alone, {COMPREHEND_ARTICLE_CHARS:,}-character article "
        f"| {comprehend_reference * MILLION:,.0f} |"
    )
    print(
        f"| Amazon Comprehend DetectEntities alone, the measured mean text ({sizes['text_chars']:,.0f} characters) "
        f"| {comprehend_measured * MILLION:,.0f} |"
    )
    verdict = "meets" if total * MILLION <= TARGET_PER_MILLION else "misses"
    rest = total - index_wcu * DYNAMODB_WRITE_UNIT
    index_budget = max(0.0, TARGET_PER_MILLION / MILLION - rest) / DYNAMODB_WRITE_UNIT
    print(
        f"\nThe total {verdict} the ${TARGET_PER_MILLION:.0f} target: {comprehend_measured / total:.0f}x cheaper than "
        f"Comprehend on the same text. Everything but the index's write units costs ${rest * MILLION:,.2f}, which "
        f"leaves the index {index_budget:.1f} write units per article within the target. Full batches assume a "
        f"backlog (a bulk upload) or uploads arriving at least {fill_rate:g} a second (the ingest queue's {window} s "
        f"batching window fills a batch of {ingest.batch_size} then); slower, each invocation gets one message, and "
        f"the total is ${trickle * MILLION:,.2f} (more invocations, parsed-output PUTs, receives, deletes, platform "
        f"log lines and traces)."
    )

    stored = measured.get("stored_bytes_per_article", {})
    kept = {
        "S3 originals": sizes["original_bytes"] / GB * S3_STORAGE_GB_MONTH,
        "S3 parsed JSON": parsed_share * sizes["parsed_bytes"] / GB * S3_STORAGE_GB_MONTH,
        "DynamoDB index (+ PITR)": stored.get("index", 0.0) / GB * (DYNAMODB_STORAGE_GB_MONTH + DYNAMODB_PITR_GB_MONTH),
    }
    print(
        "\nStorage, per million articles per month kept: "
        + ", ".join(f"{name} ${cost * MILLION:,.2f}" for name, cost in kept.items())
        + "."
    )
    return ingest, indexer, total


def cost_rows(
    ingest: Function, indexer: Function, measured: dict[str, Any], index_wcu: float
) -> list[tuple[str, float]]:
    """(label, dollars per article) of every per-article cost."""
    requests: dict[str, float] = measured["requests_per_article"]
    parsed_puts = 1 / ingest.batch_size  # one NDJSON object per invocation (bench/pipeline.py counts them)
    functions = (ingest, indexer)
    esm_requests = sum(
        2 * math.ceil(function.batch_size / SQS_MAX_RECEIVE) / function.batch_size for function in functions
    )
    sqs_units = 1.0 + measured["sqs_units_per_article"].get("ingest:sqs.SendMessageBatch", 1.0) + esm_requests
    ingest_wcu = measured["write_units_per_article"].get("ingest", 2.0)
    read_units = measured["read_units_per_article"].get("index", 0.0)
    invocations = sum(1 / function.batch_size for function in functions)
    log_bytes = measured["log_bytes_per_article"] + LAMBDA_PLATFORM_LOG_BYTES * invocations
    s3_reads = requests.get("ingest:s3.GetObject", 1.0) + requests.get("ingest:s3.HeadObject", 0.0)
    return [
        (f"Lambda ingest: {ingest.duration() * 1000:.0f} ms at {ingest.memory_mb} MB per article "
         f"({ingest.cpu_seconds * 1000:.0f} ms CPU, {ingest.wait_seconds * 1000:.0f} ms waiting for AWS)",
         ingest.compute()),
        (f"Lambda ingest: invocations (batches of {ingest.batch_size})", ingest.requests()),
        (f"Lambda indexer: {indexer.duration() * 1000:.0f} ms at {indexer.memory_mb} MB per article "
         f"({indexer.cpu_seconds * 1000:.0f} ms CPU, {indexer.wait_seconds * 1000:.0f} ms waiting for AWS)",
         indexer.compute()),
        (f"Lambda indexer: invocations (batches of {indexer.batch_size})", indexer.requests()),
        (f"SQS: {sqs_units:.2f} requests (S3 notification, event send, receives and deletes)", sqs_units * SQS_REQUEST),
        ("S3: PUT of the original (the upload itself)", S3_PUT),
        (f"S3: {s3_reads:.0f} GET of the original", s3_reads * S3_GET),
        (f"S3: PUT of the batch's parsed NDJSON (one per invocation of {ingest.batch_size})", parsed_puts * S3_PUT),
        (f"DynamoDB: idempotency, {ingest_wcu:.1f} write units", ingest_wcu * DYNAMODB_WRITE_UNIT),
        (f"DynamoDB: index, {index_wcu:.1f} write units (--index-wcu)", index_wcu * DYNAMODB_WRITE_UNIT),
        (f"DynamoDB: index, {read_units:.1f} read units", read_units * DYNAMODB_READ_UNIT),
        (f"CloudWatch Logs: {log_bytes:,.0f} bytes ingested (INFO logs, EMF metrics, platform lines)",
         log_bytes / GB * CLOUDWATCH_LOGS_INGESTED_GB),
        (f"X-Ray: {invocations:.2f} traces (one per invocation: at low rates the 1-per-second reservoir takes all)",
         invocations * XRAY_TRACE_RECORDED),
    ]  # fmt: skip


def cheapest_size(function: Function, needed_mb: float) -> int:
    """The memory size, at least `needed_mb`, at which `function` costs least per article."""
    return min((memory for memory in LAMBDA_MEMORY_SIZES if memory >= needed_mb), key=function.compute)


def print_memory_choice(ingest: Function, indexer: Function, measured: dict[str, Any]) -> None:
    """Cost per million articles of each function at several memory sizes, and which fit."""
    rss = measured["rss_mb"]
    traced = measured.get("traced_peak_mb", {})
    needs = {
        "ingest": rss["ingest"].get("largest", rss["ingest"].get("work", 0.0)) * MEMORY_HEADROOM,
        "index": (rss["index"]["init"] + traced.get("index", UNTRACED_WORK_MB)) * MEMORY_HEADROOM,
    }
    print("\n| function | memory MB | vCPU share | ms per article | $ per million (compute + invocations) | fits |")
    print("|---|---:|---:|---:|---:|---|")
    for function, sizes in ((ingest, INGEST_MEMORY_SIZES), (indexer, INDEXER_MEMORY_SIZES)):
        for memory in sizes:
            cost = (function.compute(memory) + function.requests()) * MILLION
            fits = "yes" if memory >= needs[function.name] else f"no (needs {needs[function.name]:.0f} MB)"
            marker = " (template)" if memory == function.memory_mb else ""
            print(
                f"| {function.name} | {memory}{marker} | {min(1.0, memory / LAMBDA_FULL_VCPU_MB):.2f} | "
                f"{function.duration(memory) * 1000:.0f} | {cost:.2f} | {fits} |"
            )
    at_1024, at_full = ingest.compute(1024), ingest.compute(LAMBDA_FULL_VCPU_MB)
    cheapest = {function.name: cheapest_size(function, needs[function.name]) for function in (ingest, indexer)}
    print(
        f"\nIngest is CPU-bound ({ingest.cpu_seconds * 1000:.0f} ms CPU, {ingest.wait_seconds * 1000:.0f} ms waiting "
        f"per article). Up to {LAMBDA_FULL_VCPU_MB} MB a CPU-second costs the same whatever the memory (the vCPU "
        f"share grows with it), so only the waiting, billed at the configured memory, differs: 1024 MB costs "
        f"${at_1024 * MILLION:.2f} per million and {LAMBDA_FULL_VCPU_MB} MB ${at_full * MILLION:.2f} "
        f"({(at_full / at_1024 - 1):+.0%}), for {ingest.duration(1024) / ingest.duration(LAMBDA_FULL_VCPU_MB):.2f}x "
        f"the latency at 1024 MB. Above {LAMBDA_FULL_VCPU_MB} MB the second vCPU idles (one thread). So the "
        f"smallest size holding the largest accepted page ({rss['ingest'].get('largest', 0.0):.0f} MB peak RSS) "
        f"with {MEMORY_HEADROOM - 1:.0%} headroom is the cheapest: {cheapest['ingest']} MB, "
        f"${ingest.compute(cheapest['ingest']) * MILLION:.2f} per million. The indexer mostly waits on DynamoDB: "
        f"the smallest size that holds it ({rss['index']['init']:.0f} MB after init) is the cheapest, "
        f"{cheapest['index']} MB."
    )


if __name__ == "__main__":
    raise SystemExit(main())
