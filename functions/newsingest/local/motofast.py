"""A faster moto for the local stack. DynamoDB Query: moto 5 sorts every item of a table to answer a
Query on its own key (351 ms a query at 20,000 items), so the indexer slowed as the index grew; this
looks the partition up and lets the rest of moto's Query run unchanged (GSIs untouched). S3
ListObjectVersions: moto deep-copies every version of every key of the bucket, bodies included, for
each call, so at 5,000 articles a few listings at once took 22 GB and `local up` was killed; here
the copies it makes to mark the latest versions leave the bodies out. SQS: for each message it
returns, ReceiveMessage computes every attribute of the queue (three times), each count a pass over
all its messages reading the clock through datetime twice per message, so a receive cost 208 ms
with 5,000 messages queued; here the retention period is read from the queue, the attributes are
computed once per request, and the clock is read as `time.time()`."""

from __future__ import annotations

import copy
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PATCHED_MOTO_VERSIONS = ("5.2.",)
"""The moto releases whose `Table.query` / `Table.all_items` this was written against."""

_query_partition = threading.local()
_originals: dict[str, Any] = {}
_listing = threading.local()
_s3_originals: dict[str, Any] = {}
_sqs_originals: dict[str, Any] = {}


def install() -> bool:
    """Patch moto's Table once; False (and nothing patched) on a moto this was not written for."""
    import moto
    from moto.dynamodb.models.table import Table

    if _originals:
        return True
    if not moto.__version__.startswith(PATCHED_MOTO_VERSIONS) or not (
        hasattr(Table, "all_items") and hasattr(Table, "query")
    ):
        return False
    scan_all = Table.all_items
    query = Table.query
    _originals.update(all_items=scan_all, query=query)

    def all_items(self: Any) -> list[Any]:
        table: Any = self
        hash_key = getattr(_query_partition, "hash_key", None)
        if hash_key is None or getattr(_query_partition, "table", None) != id(table):
            return scan_all(table)
        partition = table.items.get(hash_key)
        if partition is None:
            return []
        items = list(partition.values()) if table.range_key_attr else [partition]
        return sorted(items, key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)

    def partition_query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name is not None or hash_key is None:
            return query(self, hash_key, *args, **kwargs)
        _query_partition.table, _query_partition.hash_key = id(self), hash_key
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            _query_partition.table = _query_partition.hash_key = None

    setattr(Table, "all_items", all_items)  # noqa: B010 - mypy refuses assigning to a method
    setattr(Table, "query", partition_query)  # noqa: B010
    _install_listing()
    _install_queues()
    return True


def _install_listing() -> None:
    """While moto lists versions (on this thread), a key it deep-copies is copied without its body."""
    from moto.s3.models import FakeKey, S3Backend

    original = S3Backend.list_object_versions
    _s3_originals["list_object_versions"] = original

    def list_object_versions(self: Any, *args: Any, **kwargs: Any) -> Any:
        _listing.active = True
        try:
            return original(self, *args, **kwargs)
        finally:
            _listing.active = False

    def deep_copy(self: Any, memo: dict[int, Any]) -> Any:
        if getattr(_listing, "active", False):
            return _listed_copy(self)
        copied = object.__new__(type(self))  # what deepcopy does without this method
        memo[id(self)] = copied
        copied.__setstate__(copy.deepcopy(self.__getstate__(), memo))
        return copied

    setattr(S3Backend, "list_object_versions", list_object_versions)  # noqa: B010
    setattr(FakeKey, "__deepcopy__", deep_copy)  # noqa: B010


def _install_queues() -> None:
    """SQS as moto answers it, without the passes over every message per message received."""
    from moto.sqs import models
    from moto.sqs.exceptions import InvalidAttributeName
    from moto.sqs.models import Queue, SQSBackend

    _sqs_originals.update({name: getattr(models, name) for name in _SQS_CLOCKS})
    _sqs_originals.update({name: getattr(SQSBackend, name) for name in _SQS_METHODS})
    _sqs_originals.update({name: Queue.__dict__[name] for name in _QUEUE_COUNTS})
    datetime_clock = _sqs_originals["unix_time"]

    def unix_time(dt: Any = None) -> float:
        return time.time() if dt is None else float(datetime_clock(dt))

    def unix_time_millis(dt: Any = None) -> float:
        return unix_time(dt) * 1000.0

    def get_queue_attributes(self: Any, queue_name: str, attribute_names: list[str]) -> dict[str, Any]:
        """moto's, with the queue's attributes computed once, not three times per name asked for."""
        queue = self.get_queue(queue_name)
        if not attribute_names:
            return {}
        valid_names = ["All", *queue.BASE_ATTRIBUTES, *queue.FIFO_ATTRIBUTES, *queue.KMS_ATTRIBUTES]
        invalid_name = next((name for name in attribute_names if name not in valid_names), None)
        if invalid_name or invalid_name == "":
            raise InvalidAttributeName(invalid_name)
        attributes: dict[str, Any] = queue.attributes
        if "All" in attribute_names:
            return attributes
        return {name: attributes[name] for name in attribute_names if attributes.get(name) is not None}

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        """moto's, reading the retention period from the queue instead of computing every attribute."""
        retention_period = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention_period + message.sent_timestamp / 1000 > unix_time())

    def messages(self: Any) -> list[Any]:
        """moto's visible, undelayed messages, with the clock read once, not twice per message."""
        now = time.time() * 1000.0
        return [message for message in self._messages if now > message.visible_at and now >= message.delayed_until]

    def delayed(self: Any) -> int:
        now = time.time() * 1000.0
        return sum(1 for message in self._messages if now < message.delayed_until)

    def not_visible(self: Any) -> int:
        now = time.time() * 1000.0
        return sum(1 for message in self._messages if not now > message.visible_at)

    setattr(models, "unix_time", unix_time)  # noqa: B010 - moto's module imports it, unexported
    setattr(models, "unix_time_millis", unix_time_millis)  # noqa: B010
    for name, count in (("messages", messages), (_DELAYED, delayed), (_NOT_VISIBLE, not_visible)):
        setattr(Queue, name, property(count))
    setattr(SQSBackend, "get_queue_attributes", get_queue_attributes)  # noqa: B010
    setattr(  # noqa: B010
        SQSBackend, "is_message_valid_based_on_retention_period", is_message_valid_based_on_retention_period
    )


_SQS_CLOCKS = ("unix_time", "unix_time_millis")
_SQS_METHODS = ("get_queue_attributes", "is_message_valid_based_on_retention_period")
_DELAYED = "approximate_number_of_messages_delayed"
_NOT_VISIBLE = "approximate_number_of_messages_not_visible"
_QUEUE_COUNTS = ("messages", _DELAYED, _NOT_VISIBLE)


@contextmanager
def moto_own_queues() -> Iterator[None]:
    """moto's own SQS for the block, installed or not (to compare the two in tests)."""
    from moto.sqs import models
    from moto.sqs.models import Queue, SQSBackend

    owners = {
        **dict.fromkeys(_SQS_CLOCKS, models),
        **dict.fromkeys(_SQS_METHODS, SQSBackend),
        **dict.fromkeys(_QUEUE_COUNTS, Queue),
    }
    patched = {name: owner.__dict__[name] if owner is Queue else getattr(owner, name) for name, owner in owners.items()}
    for name, original in _sqs_originals.items():
        setattr(owners[name], name, original)
    try:
        yield
    finally:
        for name, function in patched.items():
            setattr(owners[name], name, function)


def _listed_copy(key: Any) -> Any:
    """A stored key's copy for a listing: its attributes, an empty body of its own (disposing of the
    copy closes its buffer, which must not be the stored key's), its ETag computed first."""
    key.etag  # noqa: B018 - computed from the body and kept, as moto's listing would compute it
    copied = object.__new__(type(key))
    copied.__dict__.update(key.__dict__)
    copied._value_buffer = tempfile.SpooledTemporaryFile()  # noqa: SIM115 - the copy closes it when disposed of
    copied.multipart = None
    copied.lock = threading.Lock()
    copied.disposed = True  # no "not disposed of in time" warning when it is collected
    return copied


@contextmanager
def moto_own_listing() -> Iterator[None]:
    """moto's own ListObjectVersions for the block (to compare the two in tests)."""
    from moto.s3.models import FakeKey, S3Backend

    patched = (S3Backend.list_object_versions, FakeKey.__dict__.get("__deepcopy__"))
    setattr(S3Backend, "list_object_versions", _s3_originals["list_object_versions"])  # noqa: B010
    if patched[1] is not None:
        delattr(FakeKey, "__deepcopy__")
    try:
        yield
    finally:
        setattr(S3Backend, "list_object_versions", patched[0])  # noqa: B010
        if patched[1] is not None:
            setattr(FakeKey, "__deepcopy__", patched[1])  # noqa: B010


@contextmanager
def moto_own_query() -> Iterator[None]:
    """moto's own Query for the block, installed or not (to compare the two in tests)."""
    from moto.dynamodb.models.table import Table

    patched = {name: getattr(Table, name) for name in _originals}
    for name, original in _originals.items():
        setattr(Table, name, original)
    try:
        yield
    finally:
        for name, function in patched.items():
            setattr(Table, name, function)
