"""A faster moto for the local stack. DynamoDB Query: moto 5 sorts every item of a table to answer a
Query on its own key (351 ms a query at 20,000 items), so the indexer slowed as the index grew; this
looks the partition up and lets the rest of moto's Query run unchanged (GSIs untouched). S3
ListObjectVersions: moto deep-copies every version of every key of the bucket, bodies included, for
each call, so at 5,000 articles a few listings at once took 22 GB and `local up` was killed; here
the copies it makes to mark the latest versions leave the bodies out."""

from __future__ import annotations

import copy
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PATCHED_MOTO_VERSIONS = ("5.2.",)
"""The moto releases whose `Table.query` / `Table.all_items` this was written against."""

_query_partition = threading.local()
_originals: dict[str, Any] = {}
_listing = threading.local()
_s3_originals: dict[str, Any] = {}


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
