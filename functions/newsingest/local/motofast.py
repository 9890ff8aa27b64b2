"""A faster moto DynamoDB Query for the local stack: moto 5 sorts every item of a table to answer
a Query on its own key (351 ms a query at 20,000 items), so the indexer slowed as the index grew;
this looks the partition up and lets the rest of moto's Query run unchanged (GSIs untouched)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PATCHED_MOTO_VERSIONS = ("5.2.",)
"""The moto releases whose `Table.query` / `Table.all_items` this was written against."""

_query_partition = threading.local()
_originals: dict[str, Any] = {}


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
    return True


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
