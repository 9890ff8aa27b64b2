"""`newsingest dlq show` and `newsingest dlq redrive`: what the dead-letter queues hold, grouped by
cause, and moving it back to the queue it came from.

`show` receives every message and makes it visible again at once (visibility timeout 0), so nothing
is consumed. `redrive` starts SQS's message-move task where the endpoint offers one, and otherwise
moves message by message: send to the source queue, then delete from the dead-letter queue. A
crash between the two leaves that one message in both queues; the pipeline absorbs the duplicate
(ingest announces an object version once, and the index applies an event twice to the same end).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from pydantic import ValidationError

from newsingest.events import INDEX_EVENT_ADAPTER
from newsingest.triggers import S3TestEvent, UnrecognisedTrigger, changes_in, parse_s3_message

REDRIVE_VISIBILITY_SECONDS = 120
"""How long a message taken for a one-by-one move stays hidden: far longer than sending and deleting
ten messages takes, short enough that a move interrupted by a crash is retried within minutes."""

PEEK_VISIBILITY_SECONDS = 60
"""How long `show` hides what it has read while it reads the rest, before making it visible again."""

PEEK_LIMIT = 1000
"""Messages `show` reads from one queue unless told otherwise (`--limit`)."""

EMPTY_RECEIVES = 3
"""Empty ReceiveMessage answers in a row after which a queue is taken as read: SQS samples its
servers, so one empty answer does not prove a small queue empty."""

MOVE_TASK_POLL_SECONDS = 2.0
"""How often a running message-move task's progress is asked for."""


@dataclass(frozen=True)
class QueuedMessage:
    """One message as ReceiveMessage gave it."""

    message_id: str
    receipt_handle: str
    body: str
    receive_count: int
    attributes: dict[str, Any] = field(default_factory=dict)
    """Its message attributes, as SendMessage takes them back."""


@dataclass(frozen=True)
class Cause:
    """What a dead letter is, as far as its body says: the kind of message and the object it is about."""

    kind: str
    key: str | None = None
    detail: str | None = None


def cause_of(body: str) -> Cause:
    """An S3 notification, one of the index queue's events, or unparseable (with why)."""
    try:
        payload = json.loads(body)
    except ValueError as exc:
        return Cause("unparseable", detail=f"not JSON: {exc}")
    try:
        message = parse_s3_message(payload)
    except UnrecognisedTrigger:
        pass
    else:
        if isinstance(message, S3TestEvent):
            return Cause("s3:TestEvent")
        changes = changes_in(message)
        if not changes:
            return Cause("S3 notification of no object change")
        change = changes[0]
        kind = f"S3 {change.kind.value}" + (" (replay)" if change.replay else "")
        more = f" and {len(changes) - 1} more" if len(changes) > 1 else ""
        return Cause(kind, key=change.source.key + more, detail=change.source.version_id)
    try:
        event = INDEX_EVENT_ADAPTER.validate_python(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        return Cause("unparseable", detail=f"neither an S3 notification nor an index event ({where}: {first['msg']})")
    source = getattr(event.data, "source", None)
    return Cause(str(event.type).removeprefix("newsingest."), key=source.key if source else event.subject)


class DeadLetterQueue(Protocol):
    """One dead-letter queue and the queue its messages came from (SQS)."""

    def receive(self, *, max_messages: int, visibility_seconds: int) -> list[QueuedMessage]: ...

    def release(self, messages: Sequence[QueuedMessage]) -> None:
        """Make received messages visible again at once."""
        ...

    def send_to_source(self, message: QueuedMessage) -> None: ...

    def delete(self, message: QueuedMessage) -> None: ...

    def start_move_task(self) -> str | None:
        """Start SQS's message-move task to the source queue; None where the endpoint has none."""
        ...

    def move_task_status(self) -> dict[str, Any] | None: ...

    def depth(self) -> int:
        """ApproximateNumberOfMessages."""
        ...


def peek(queue: DeadLetterQueue, *, limit: int = PEEK_LIMIT) -> list[QueuedMessage]:
    """Up to `limit` messages, read without consuming them: each is made visible again once all are read."""
    seen: dict[str, QueuedMessage] = {}
    taken: list[QueuedMessage] = []
    empty = 0
    try:
        while len(seen) < limit and empty < EMPTY_RECEIVES:
            batch = queue.receive(max_messages=min(10, limit - len(seen)), visibility_seconds=PEEK_VISIBILITY_SECONDS)
            taken.extend(batch)
            fresh = [message for message in batch if message.message_id not in seen]
            empty = 0 if fresh else empty + 1
            seen.update((message.message_id, message) for message in fresh)
    finally:
        queue.release(taken)
    return list(seen.values())


@dataclass(frozen=True)
class Group:
    queue: str
    cause: Cause
    messages: list[QueuedMessage]


def grouped(queue_name: str, messages: Sequence[QueuedMessage]) -> list[Group]:
    """Messages grouped by what they are and the object they are about, largest group first."""
    groups: dict[Cause, list[QueuedMessage]] = {}
    for message in messages:
        groups.setdefault(cause_of(message.body), []).append(message)
    return [
        Group(queue_name, cause, found)
        for cause, found in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0].kind, item[0].key or ""))
    ]


@dataclass
class RedriveResult:
    queue: str
    moved: int = 0
    method: str = "none"
    """"move task" (SQS moved them), "one by one" (this tool did), or "none" (nothing to move)."""


def redrive(
    queue: DeadLetterQueue,
    name: str,
    *,
    out: TextIO | None = None,
    wait: bool = True,
    visibility_seconds: int = REDRIVE_VISIBILITY_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> RedriveResult:
    """Move a dead-letter queue's messages back to their source queue: SQS's move task where there is
    one (waiting for it to finish when `wait`), else one by one, each sent before it is deleted."""
    out = out or sys.stderr
    result = RedriveResult(name)
    if queue.depth() == 0:
        print(f"{name}: empty", file=out)
        return result
    handle = queue.start_move_task()
    if handle is not None:
        result.method = "move task"
        print(f"{name}: message-move task started ({handle})", file=out, flush=True)
        while wait:
            status = queue.move_task_status() or {}
            moved = int(status.get("ApproximateNumberOfMessagesMoved", 0))
            total = status.get("ApproximateNumberOfMessagesToMove")
            state = status.get("Status", "?")
            print(f"{name}: {state}, {moved} of {total if total is not None else '?'} moved", file=out, flush=True)
            result.moved = moved
            if state != "RUNNING":
                if state != "COMPLETED":
                    raise RuntimeError(f"the move task ended {state}: {status.get('FailureReason', 'no reason given')}")
                break
            sleep(MOVE_TASK_POLL_SECONDS)
        return result
    result.method = "one by one"
    print(f"{name}: this endpoint has no message-move task: moving messages one by one", file=out, flush=True)
    for message in _drain(queue, visibility_seconds):
        queue.send_to_source(message)
        queue.delete(message)  # a crash before this line leaves one duplicate, which the pipeline absorbs
        result.moved += 1
    print(f"{name}: {result.moved} moved back", file=out, flush=True)
    return result


def _drain(queue: DeadLetterQueue, visibility_seconds: int) -> Iterator[QueuedMessage]:
    empty = 0
    while empty < EMPTY_RECEIVES:
        batch = queue.receive(max_messages=10, visibility_seconds=visibility_seconds)
        empty = 0 if batch else empty + 1
        yield from batch


# -- the command ------------------------------------------------------------------------------

QUEUES = ("ingest", "index")


def add_parser(commands: Any) -> None:
    """Register `newsingest dlq show` and `newsingest dlq redrive`."""
    from newsingest.ops.backfill import add_stack_arguments

    parser = commands.add_parser(
        "dlq",
        help="what the dead-letter queues hold, and moving it back to be processed again",
        description=(
            "A message lands in a dead-letter queue after failing five times: on the ingest DLQ an S3 notification "
            "(an object that failed to ingest), on the index DLQ an event the indexer could not apply. `show` lists "
            "them grouped by cause without consuming them; once the cause is fixed, `redrive` moves them back to the "
            "queue they came from. Runbook: docs/operations.md."
        ),
    )
    actions = parser.add_subparsers(dest="dlq_command", required=True)
    show = actions.add_parser(
        "show",
        help="list each dead-letter queue's messages by cause (what the message is, its key), with receive counts",
        description=(
            "Reads every message of the ingest and index dead-letter queues and makes each visible again at once, "
            "so nothing is consumed (SQS still counts the read in ApproximateReceiveCount; the counts shown are "
            "the receives before this look). Groups them by what they are (an S3 notification of a created or "
            "removed object, an ArticleParsed/ArticleRejected/ArticleDeleted event, unparseable) and the key."
        ),
    )
    add_stack_arguments(show)
    show.add_argument("--queue", choices=QUEUES, help="one queue only (default both)")
    show.add_argument("--limit", type=int, default=PEEK_LIMIT, help=f"messages read per queue (default {PEEK_LIMIT})")
    show.add_argument("--json", action="store_true", help="print JSON for scripts instead of a table")
    show.set_defaults(run=show_command)
    move = actions.add_parser(
        "redrive",
        help="move the dead-letter queues' messages back to their source queues",
        description=(
            "Uses SQS's message-move task (StartMessageMoveTask) and waits for it to finish; where the endpoint has "
            "none (moto, `newsingest local up`) it moves messages one by one, each sent to the source queue before "
            "it is deleted from the dead-letter queue, so an interruption loses nothing and duplicates at most one "
            "message, which the pipeline absorbs. Fix what made them fail first, or they come back."
        ),
    )
    add_stack_arguments(move)
    move.add_argument("--queue", choices=QUEUES, help="one queue only (default both)")
    move.add_argument("--no-wait", action="store_true", help="start the move task and return without waiting")
    move.set_defaults(run=redrive_command)


def _queues(args: argparse.Namespace) -> list[tuple[str, Any]]:
    from newsingest.adapters.ops import SqsDeadLetterQueue
    from newsingest.adapters.stack import AwsTarget, resolve_stack

    target = AwsTarget(region=args.region, endpoint_url=args.endpoint_url)
    stack = resolve_stack(args.stack, target)
    sqs, probe = target.client("sqs"), target.client("sqs", attempts=1)
    pairs = {
        "ingest": (stack.ingest_dlq_url, stack.ingest_queue_url),
        "index": (stack.index_dlq_url, stack.index_queue_url),
    }
    names = [args.queue] if args.queue else list(QUEUES)
    return [(f"{name} DLQ", SqsDeadLetterQueue(sqs, *pairs[name], probe_client=probe)) for name in names]


def show_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Exit status 0 when the queues are empty, 1 when they hold messages, 2 on an error."""
    out = out or sys.stdout
    try:
        groups = [group for name, queue in _queues(args) for group in grouped(name, peek(queue, limit=args.limit))]
    except Exception as error:
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([_group_json(group) for group in groups], indent=2), file=out)
    elif not groups:
        print("The dead-letter queues are empty.", file=out)
    else:
        for group in groups:
            counts = Counter(message.receive_count - 1 for message in group.messages)
            receives = ", ".join(f"{n} × {count}" for count, n in sorted(counts.items()))
            where = f" {group.cause.key}" if group.cause.key else ""
            detail = f" ({group.cause.detail})" if group.cause.detail else ""
            print(
                f"{group.queue}: {len(group.messages)} × {group.cause.kind}{where}{detail}; receives: {receives}",
                file=out,
            )
    return 1 if groups else 0


def _group_json(group: Group) -> dict[str, Any]:
    return {
        "queue": group.queue,
        "kind": group.cause.kind,
        "key": group.cause.key,
        "detail": group.cause.detail,
        "count": len(group.messages),
        "messages": [
            {"message_id": message.message_id, "receive_count": message.receive_count - 1} for message in group.messages
        ],
    }


def redrive_command(args: argparse.Namespace) -> int:
    """Exit status 0 when everything was moved (or a task started with --no-wait), 2 on an error."""
    try:
        for name, queue in _queues(args):
            redrive(queue, name, wait=not args.no_wait)
    except Exception as error:
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        print("nothing was lost: run the same command again to move the rest", file=sys.stderr)
        return 2
    return 0
