"""The AWS side of `newsingest reindex`: the index's article, object and rejection items, only the attributes
re-indexing needs, read with one parallel Scan. A Scan reads (and bills) every item of the table,
whatever its filter keeps: half a read unit per 4 KB, eventually consistent (docs/operations.md#re-indexing)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from newsingest.adapters.dynamodb import from_attribute_values
from newsingest.adapters.ops import SCAN_SEGMENTS
from newsingest.ops.reindex import IndexedObject, MadeArticle, RejectedObject, ScanResult
from newsingest.provenance import made_by

_ATTRIBUTES = (
    "kind",
    "article_id",
    "extractor_version",
    "entity_model",
    "alias_table_version",
    "sources",
    "bucket",
    "key",
    "event_time",
    "record_count",
    "deleted",
)


class IndexVersionScan:
    """Article items (what made them, their sources) and source items (each object's latest state)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _segment(self, segment: int) -> tuple[list[dict[str, Any]], float]:
        names = {f"#a{index}": name for index, name in enumerate(_ATTRIBUTES)}
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "Segment": segment,
            "TotalSegments": SCAN_SEGMENTS,
            "FilterExpression": "#a0 IN (:article, :source, :rejection)",
            "ProjectionExpression": ", ".join(names),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {
                ":article": {"S": "article"},
                ":source": {"S": "source"},
                ":rejection": {"S": "rejection"},
            },
            "ReturnConsumedCapacity": "TOTAL",
        }
        items: list[dict[str, Any]] = []
        units = 0.0
        while True:
            response = self._client.scan(**kwargs)
            items.extend(from_attribute_values(item) for item in response.get("Items", []))
            units += float(response.get("ConsumedCapacity", {}).get("CapacityUnits", 0) or 0)
            if "LastEvaluatedKey" not in response:
                return items, units
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def scan(self) -> ScanResult:
        with ThreadPoolExecutor(max_workers=SCAN_SEGMENTS) as pool:
            segments = list(pool.map(self._segment, range(SCAN_SEGMENTS)))
        articles: list[MadeArticle] = []
        objects: list[IndexedObject] = []
        rejections: list[RejectedObject] = []
        for items, _ in segments:
            for item in items:
                if item.get("kind") == "article":
                    articles.append(
                        MadeArticle(
                            article_id=str(item["article_id"]),
                            made_by=made_by(
                                str(item.get("extractor_version") or ""),
                                item.get("entity_model"),
                                item.get("alias_table_version"),
                            ),
                            sources=frozenset(item.get("sources") or []),
                        )
                    )
                elif item.get("kind") == "rejection":
                    rejections.append(
                        RejectedObject(
                            bucket=item.get("bucket"),
                            key=str(item["key"]),
                            extractor_version=item.get("extractor_version"),
                        )
                    )
                elif not item.get("deleted"):
                    objects.append(
                        IndexedObject(
                            bucket=item.get("bucket"),
                            key=str(item["key"]),
                            event_time=datetime.fromisoformat(str(item["event_time"])),
                            record_count=int(item.get("record_count", 1)),
                        )
                    )
        return ScanResult(
            articles=articles,
            objects=objects,
            read_units=sum(units for _, units in segments),
            rejections=rejections,
        )
