"""`newsingest demo`: the whole service on an embedded moto AWS, in one process.

Creates the template's resources, uploads the bundled sample articles under `incoming/`, lets S3
deliver its real notifications to the ingest queue, hands SQS batches to the handlers as the
Lambda event source mapping would, then prints what was indexed and answers an entity query.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any, TextIO

from newsingest.limits import PARSED_PREFIX
from newsingest.local.esm import QueuePump
from newsingest.local.stack import LocalStack, create_stack

INGEST_BATCH_SIZE = 10
INDEX_BATCH_SIZE = 25
"""The template's event source mapping batch sizes."""

TOP_ENTITIES_SHOWN = 6

LOOKUP_DEMO_CHARS = 4
"""The demo looks up the top entity by the first letters of its last name, as a person would type."""

LOCAL_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "newsingest",
    "POWERTOOLS_METRICS_NAMESPACE": "NewsIngest",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}
"""Fake credentials (moto accepts any), and quiet Powertools: the demo prints its own summary."""


def sample_files() -> list[tuple[str, bytes]]:
    """The sample articles shipped in the package, as (file name, bytes)."""
    folder = resources.files("newsingest") / "samples"
    return sorted(
        (entry.name, entry.read_bytes())
        for entry in folder.iterdir()
        if entry.is_file() and not entry.name.startswith(("README", "."))
    )


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set variables for the block; restore the previous ones after."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    os.environ.pop("AWS_ENDPOINT_URL", None)  # would send boto3 past moto's in-process mock
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def reset_caches() -> None:
    """Settings and clients are cached per process, as in a Lambda container: a new stack
    (a new moto world) needs new ones."""
    from newsingest import singletons

    singletons.reset()


@dataclass
class Pipeline:
    """The local stack with both functions attached to their queues."""

    stack: LocalStack
    ingest: QueuePump
    index: QueuePump

    def run(self, out: TextIO | None = None) -> tuple[int, int]:
        """Pump both queues until both are empty; returns (ingest, index) messages handled."""
        handled = [0, 0]
        while True:
            progressed = False
            for slot, (label, pump) in enumerate((("ingest", self.ingest), ("index", self.index))):
                result = pump.run_once()
                if result is None:
                    continue
                progressed = True
                handled[slot] += result.received
                if out is not None:
                    failed = f", {result.failed} failed" if result.failed else ""
                    print(f"  {label:<6} batch of {result.received}{failed}", file=out, flush=True)
            if not progressed:
                return handled[0], handled[1]


def start_pipeline(
    s3: Any, sqs: Any, dynamodb: Any, *, set_env: Callable[[str, str], None] = os.environ.__setitem__
) -> Pipeline:
    """Create the stack and attach the handlers; call inside mock_aws() with LOCAL_ENVIRONMENT.

    The functions' variables are set with `set_env` (tests pass monkeypatch's, to undo them)."""
    stack = create_stack(s3, sqs, dynamodb)
    for name, value in (stack.ingest_environment() | stack.indexer_environment()).items():
        set_env(name, value)
    reset_caches()
    from newsingest.handlers import indexer, ingest

    return Pipeline(
        stack=stack,
        ingest=QueuePump(
            sqs,
            stack.ingest_queue_url,
            ingest.handler,
            function_name="IngestFunction",
            batch_size=INGEST_BATCH_SIZE,
        ),
        index=QueuePump(
            sqs,
            stack.index_queue_url,
            indexer.handler,
            function_name="IndexerFunction",
            batch_size=INDEX_BATCH_SIZE,
        ),
    )


def run_demo(out: TextIO = sys.stdout) -> int:
    """The main job, locally. Returns the process exit code."""
    from moto import mock_aws

    from newsingest.adapters.aws import client
    from newsingest.adapters.dynamodb import DynamoIndex
    from newsingest.indexing.names import lookup_form
    from newsingest.indexing.queries import entity_articles, entity_view, search_entities

    with environment(LOCAL_ENVIRONMENT), mock_aws():
        pipeline = start_pipeline(client("s3"), client("sqs"), client("dynamodb"))
        stack = pipeline.stack
        samples = sample_files()
        print(f"Local stack on moto: bucket {stack.bucket}, table {stack.table_name}", file=out)
        print(f"Uploading {len(samples)} sample articles to s3://{stack.bucket}/incoming/ ...", file=out)
        for name, data in samples:
            client("s3").put_object(Bucket=stack.bucket, Key=f"incoming/samples/{name}", Body=data)
        print("Delivering S3 notifications to the functions:", file=out)
        ingested, indexed = pipeline.run(out)
        print(f"Handled {ingested} ingest and {indexed} index messages.", file=out)
        for key, lines in _parsed_objects(client("s3"), stack.bucket):
            print(f"Parsed output: s3://{stack.bucket}/{key} ({lines} article(s), one JSON document a line)", file=out)
        print(file=out)

        index = DynamoIndex(client("dynamodb"), stack.table_name)
        counts: dict[str, tuple[str, int, int]] = {}
        for name, _ in samples:
            key = f"incoming/samples/{name}"
            records = index.get_records(stack.bucket, key)
            if not records:
                rejection = _rejection(index, stack.bucket, key)
                print(f"- {name}: not indexed ({rejection})", file=out)
                continue
            for record in records:
                article = index.get_article(record.article_id)
                if article is None:
                    continue
                print(f"- {name}: {article.title!r} ({article.language}, {article.word_count} words)", file=out)
                top = ", ".join(f"{e.name} [{e.type}]" for e in article.entities[:TOP_ENTITIES_SHOWN])
                print(f"    top entities: {top or '(none)'}", file=out)
                names = {entity.id: entity.name for entity in article.entities}
                speakers = sorted({names.get(speaker, speaker) for speaker in article.quoted})
                if speakers:
                    print(f"    quoted: {', '.join(speakers)}", file=out)
                for entity in article.entities:
                    stats = counts.get(entity.id, (entity.name, 0, 0))
                    counts[entity.id] = (entity.name, stats[1] + 1, stats[2] + entity.mention_count)
        if not counts:
            print("\nNothing was indexed.", file=out)
            return 1
        entity_id = max(counts, key=lambda eid: (counts[eid][1], counts[eid][2], eid))
        totals = entity_view(index, entity_id)
        page = entity_articles(index, entity_id, limit=10)
        print(f"\nQuery: which articles mention {counts[entity_id][0]} ({entity_id})?", file=out)
        if totals is not None:
            print(
                f"  {totals.article_count} article(s), {totals.mention_count} mention(s), "
                f"first seen {totals.first_seen}, last seen {totals.last_seen}",
                file=out,
            )
        for posting in page.items:
            print(f"  {posting.time}  {posting.title!r}  ({posting.mention_count} mentions)", file=out)
        typed = lookup_form(counts[entity_id][0]).split()[-1][:LOOKUP_DEMO_CHARS]
        print(f"\nLook-up: entities with a name or alias starting {typed!r}", file=out)
        for match in search_entities(index, typed, limit=5).items:
            print(f"  {match.name} ({match.id}): {match.article_count} article(s), matched {match.matched!r}", file=out)
    return 0


def _parsed_objects(s3: Any, bucket: str) -> list[tuple[str, int]]:
    """(key, line count) of each parsed-output object: one per ingest batch."""
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=PARSED_PREFIX).get("Contents", [])
    return [
        (item["Key"], s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().count(b"\n")) for item in listing
    ]


def _rejection(index: Any, bucket: str, key: str) -> str:
    rejection = index.get_rejection(bucket, key)
    if rejection is None:
        return "no event yet"
    return f"rejected: {rejection.reason}: {rejection.message}"
