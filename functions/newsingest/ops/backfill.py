"""`newsingest backfill`: feed objects already in the bucket to the pipeline as new uploads would
be, by sending the ingest queue S3's notification for each object's current version.

The run lists the prefix in key order and records the last key sent in a checkpoint file after each
batch, so a run stopped for any reason resumes after it (at most one batch, ten messages, is sent
again: ingest processes a replay once per run). Sending is paced to `--rate`; progress, the rate
and an ETA go to stderr. Why a replayed message can never put an old version over a newer one:
docs/decisions.md#operations; millions of objects: docs/operations.md#backfilling-millions-of-objects.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import textwrap
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol, TextIO

from newsingest.limits import INCOMING_PREFIX
from newsingest.ops.messages import StoredObject, new_run_id, object_created_message

SEND_BATCH = 10
"""SendMessageBatch's most entries per request."""

DEFAULT_RATE = 20.0
"""Messages a second unless told otherwise: half of what ten ingest functions at once
(IngestMaxConcurrency's default) get through on news-length articles (250 ms each at 576 MB:
docs/benchmarks.md's cost of news-length articles, from bench/pipeline.py), leaving the other half
to live uploads, so the ingest queue does not grow and the queue-age alarm stays quiet."""

PROGRESS_EVERY_SECONDS = 5.0
"""How often a progress line is printed: often enough to see it move, rarely enough to read."""

STATE_DIRECTORY = Path("~/.cache/newsingest/backfill")
"""Where checkpoints live unless `--state-file` says otherwise: one file per stack, bucket, prefix and --since."""


class ObjectLister(Protocol):
    """A bucket's current objects under a prefix, in key order (S3's ListObjectVersions)."""

    def current_objects(self, prefix: str, *, start_after: str | None) -> Iterator[StoredObject]: ...


class MessageSender(Protocol):
    """Sends message bodies to the ingest queue, or raises (SQS's SendMessageBatch)."""

    def send(self, bodies: Sequence[str]) -> None: ...


@dataclass
class Checkpoint:
    """What a run has sent, saved after each batch: the key to resume after and the run's id."""

    run_id: str
    bucket: str
    prefix: str
    since: str | None
    last_key: str | None = None
    sent: int = 0
    complete: bool = False
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def save(self, path: Path) -> None:
        """Written whole to a temporary file, then renamed over the old one: never half a checkpoint."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(path.suffix + ".tmp")
        partial.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        partial.replace(path)

    @classmethod
    def load(cls, path: Path) -> Checkpoint | None:
        if not path.exists():
            return None
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def default_state_file(stack: str, bucket: str, prefix: str, since: date | None) -> Path:
    """One checkpoint per stack, bucket, prefix and --since: another selection starts afresh."""
    selection = hashlib.sha256(f"{bucket}\n{prefix}\n{since or ''}".encode()).hexdigest()[:12]
    safe_stack = "".join(c if c.isalnum() or c in "-_" else "_" for c in stack)
    return STATE_DIRECTORY.expanduser() / f"{safe_stack}-{selection}.json"


class Pacer:
    """Keeps a sender at `rate` messages a second on average: after n messages, waits until n / rate
    seconds have passed since the start."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("the rate must be positive")
        self._rate = rate
        self._clock = clock
        self._sleep = sleep
        self._start = clock()
        self._count = 0

    def wait_for(self, messages: int) -> None:
        """Block until `messages` more may be sent."""
        due = self._start + self._count / self._rate
        delay = due - self._clock()
        if delay > 0:
            self._sleep(delay)
        self._count += messages


@dataclass
class Progress:
    """Progress lines: sent, of how many (when counted), the rate and an ETA."""

    out: TextIO
    total: int | None
    clock: Callable[[], float] = time.monotonic
    every: float = PROGRESS_EVERY_SECONDS
    sent: int = 0
    _started: float = field(init=False)
    _last: float = field(init=False)

    def __post_init__(self) -> None:
        self._started = self._last = self.clock()

    def add(self, count: int, *, final: bool = False) -> None:
        self.sent += count
        now = self.clock()
        if final or now - self._last >= self.every:
            self._last = now
            print(self.line(now), file=self.out, flush=True)

    def line(self, now: float) -> str:
        elapsed = max(now - self._started, 1e-9)
        rate = self.sent / elapsed
        if self.total is None:
            return f"backfill: {self.sent:,} sent, {rate:,.1f}/s (not counted: no ETA)"
        left = max(self.total - self.sent, 0)
        eta = _duration(left / rate) if rate > 0 else "?"
        percent = 100.0 * self.sent / self.total if self.total else 100.0
        return f"backfill: {self.sent:,}/{self.total:,} sent ({percent:.0f}%), {rate:,.1f}/s, ETA {eta}"


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


def selected(objects: Iterable[StoredObject], since: date | None) -> Iterator[StoredObject]:
    """The objects whose current version was written on or after `since` (UTC)."""
    floor = datetime(since.year, since.month, since.day, tzinfo=UTC) if since else None
    for obj in objects:
        written = obj.last_modified if obj.last_modified.tzinfo else obj.last_modified.replace(tzinfo=UTC)
        if floor is None or written >= floor:
            yield obj


@dataclass(frozen=True)
class BackfillResult:
    sent: int
    resumed_after: str | None
    already_complete: bool = False


def run_backfill(
    lister: ObjectLister,
    sender: MessageSender,
    *,
    bucket: str,
    prefix: str,
    since: date | None,
    state_file: Path,
    rate: float,
    restart: bool = False,
    count_first: bool = True,
    region: str = "us-east-1",
    out: TextIO | None = None,
    pacer: Pacer | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> BackfillResult:
    """Send the notification of every selected object after the checkpoint, in key order, paced,
    saving the checkpoint after each batch; a finished run is marked complete and sends nothing again."""
    out = out or sys.stderr
    checkpoint = None if restart else Checkpoint.load(state_file)
    if checkpoint is not None and (checkpoint.bucket, checkpoint.prefix) != (bucket, prefix):
        checkpoint = None  # another selection's file passed with --state-file: start afresh
    if checkpoint is not None and checkpoint.complete:
        print(
            f"backfill: already complete ({checkpoint.sent:,} sent by run {checkpoint.run_id}); "
            f"--restart sends everything again",
            file=out,
        )
        return BackfillResult(sent=0, resumed_after=checkpoint.last_key, already_complete=True)
    if checkpoint is None:
        checkpoint = Checkpoint(
            run_id=new_run_id("backfill"), bucket=bucket, prefix=prefix, since=since.isoformat() if since else None
        )
        checkpoint.save(state_file)
    resumed_after = checkpoint.last_key
    if resumed_after:
        print(
            f"backfill: resuming run {checkpoint.run_id} after {resumed_after!r} ({checkpoint.sent:,} sent)", file=out
        )
    total = None
    if count_first:
        print(f"backfill: counting objects under s3://{bucket}/{prefix} ...", file=out, flush=True)
        total = sum(1 for _ in selected(lister.current_objects(prefix, start_after=resumed_after), since))
        print(f"backfill: {total:,} object(s) to send", file=out, flush=True)
    progress = Progress(out, total, clock=clock)
    pacer = pacer or Pacer(rate, clock=clock)
    batch_size = max(1, min(SEND_BATCH, int(rate)))
    batch: list[StoredObject] = []

    def flush() -> None:
        pacer.wait_for(len(batch))
        sender.send([object_created_message(bucket, obj, run_id=checkpoint.run_id, region=region) for obj in batch])
        checkpoint.last_key = batch[-1].key
        checkpoint.sent += len(batch)
        checkpoint.save(state_file)
        progress.add(len(batch))
        batch.clear()

    for obj in selected(lister.current_objects(prefix, start_after=resumed_after), since):
        batch.append(obj)
        if len(batch) == batch_size:
            flush()
    if batch:
        flush()
    checkpoint.complete = True
    checkpoint.save(state_file)
    progress.add(0, final=True)
    print(
        f"backfill: done, {progress.sent:,} sent this run ({checkpoint.sent:,} in all by run {checkpoint.run_id})",
        file=out,
    )
    return BackfillResult(sent=progress.sent, resumed_after=resumed_after)


# -- the command ------------------------------------------------------------------------------


def _rate(text: str) -> float:
    value = text.removesuffix("/s")
    try:
        rate = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a rate: {text!r} (e.g. 50 or 50/s)") from None
    if rate <= 0:
        raise argparse.ArgumentTypeError("the rate must be positive")
    return rate


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (YYYY-MM-DD)") from None


HELP_WIDTH = 100
"""Where the long help's description wraps (argparse's raw formatter keeps the examples as written)."""


def wrapped(text: str) -> str:
    """A description wrapped for a terminal, for parsers whose epilog is kept as written."""
    return textwrap.fill(text, HELP_WIDTH)


def add_stack_arguments(parser: argparse.ArgumentParser) -> None:
    """--stack, --region and --endpoint-url, as every operator command takes them."""
    parser.add_argument(
        "--stack", required=True, help="the stack's name (CloudFormation), or a local stack's (newsingest)"
    )
    parser.add_argument("--region", help="AWS region (default: your AWS configuration's)")
    parser.add_argument(
        "--endpoint-url",
        help="an AWS endpoint other than AWS's, e.g. `newsingest local up`'s moto: http://127.0.0.1:4566",
    )


def add_parser(commands: Any) -> None:
    """Register `newsingest backfill`."""
    parser = commands.add_parser(
        "backfill",
        help="feed objects already in the bucket to the pipeline, as new uploads would be",
        description=wrapped(
            "Sends the stack's ingest queue the S3 notification of every object under the prefix (its current "
            "version), so that objects uploaded before the stack was wired to the bucket, or whose notifications "
            "were lost, are parsed and indexed as new uploads are. Safe while uploads go on: a real upload during "
            "the backfill always wins over the backfill's message for an older version. Resumable: the last key "
            "sent is saved after each batch of ten, and running the same command again continues after it "
            "(a finished backfill sends nothing again; --restart starts over). For millions of objects see "
            "docs/operations.md (S3 Inventory and Batch Operations)."
        ),
        epilog=(
            "examples:\n"
            "  newsingest backfill --stack newsingest --rate 20\n"
            "  newsingest backfill --stack newsingest --since 2026-11-01 --prefix incoming/2026/\n"
            "  newsingest backfill --stack newsingest --endpoint-url http://127.0.0.1:4566   # newsingest local up"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_stack_arguments(parser)
    parser.add_argument(
        "--prefix", default=INCOMING_PREFIX, help=f"only keys starting with this (default {INCOMING_PREFIX})"
    )
    parser.add_argument("--since", type=_day, help="only objects written on or after this day, YYYY-MM-DD (UTC)")
    parser.add_argument(
        "--rate",
        type=_rate,
        default=DEFAULT_RATE,
        help=f"messages per second, e.g. 20 or 20/s (default {DEFAULT_RATE:g})",
    )
    parser.add_argument("--restart", action="store_true", help="ignore the checkpoint and send everything again")
    parser.add_argument(
        "--state-file", type=Path, help=f"the checkpoint file (default: one per selection under {STATE_DIRECTORY})"
    )
    parser.add_argument(
        "--no-count", action="store_true", help="skip listing everything once to count it first (no ETA then)"
    )
    parser.set_defaults(run=command)


def command(args: argparse.Namespace) -> int:
    """`newsingest backfill`: 0 when everything selected was sent, 2 on an error (the checkpoint keeps
    what was sent; the same command resumes)."""
    from newsingest.adapters.ops import S3Listing, SqsSender
    from newsingest.adapters.stack import AwsTarget, StackNotFound, resolve_stack

    target = AwsTarget(region=args.region, endpoint_url=args.endpoint_url)
    if not args.prefix.startswith(INCOMING_PREFIX):
        print(
            f"warning: the stack's notifications cover {INCOMING_PREFIX} only, and its ingest function may read "
            f"nothing else: objects under {args.prefix} will be rejected or fail",
            file=sys.stderr,
        )
    try:
        stack = resolve_stack(args.stack, target)
        state_file = args.state_file or default_state_file(args.stack, stack.bucket, args.prefix, args.since)
        run_backfill(
            S3Listing(target.client("s3"), stack.bucket),
            SqsSender(target.client("sqs"), stack.ingest_queue_url),
            bucket=stack.bucket,
            prefix=args.prefix,
            since=args.since,
            state_file=state_file,
            rate=args.rate,
            restart=args.restart,
            count_first=not args.no_count,
            region=target.region_name,
        )
    except StackNotFound as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # AWS refused or went away: the checkpoint keeps what was sent
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        print("the checkpoint keeps what was sent: run the same command again to resume", file=sys.stderr)
        return 2
    return 0
