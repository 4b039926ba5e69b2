"""A shop's own export in our field names: one file per record kind, named after the kind.

`events.csv`, `items.jsonl`, `reviews.csv`, `turns.jsonl` (or `conversations.*`, `chats.*`,
`messages.*`),
`orders.csv`, `links.csv`, `samples.*` — any of csv, tsv, jsonl, parquet. This is what the
demo shop writes, and the simplest way for a shop to hand over data without a mapping.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from shopformer.ingest.adapters.base import ADAPTERS, DatasetAdapter
from shopformer.ingest.mapping import ColumnMapping
from shopformer.ingest.readers import BATCH_ROWS, FORMATS, read_mapped
from shopformer.ingest.source import RawBatch

KIND_OF_STEM = {"events": "event", "items": "item", "catalog": "item", "reviews": "review",
                "turns": "turn", "conversations": "turn", "chats": "turn", "messages": "turn",
                "orders": "order", "links": "link",
                "identity_links": "link", "samples": "sample"}
# Links last: identity is resolved once, after the records it ties together are in.
ORDER = ("item", "event", "order", "review", "turn", "sample", "link")


def _kind(path: Path) -> str | None:
    if path.suffix.lower() not in FORMATS:
        return None
    return KIND_OF_STEM.get(path.stem.lower())


@ADAPTERS.register("shop")
class ShopFilesAdapter(DatasetAdapter):
    name = "shop"
    description = "files named by record kind (events.csv, items.jsonl, …) in our field names"
    pii_columns: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def matches(cls, path: Path) -> bool:
        if path.is_dir():
            return any(_kind(child) for child in path.iterdir())
        return _kind(path) is not None

    def batches(self, path: Path, *, keep_going: bool = False,
                batch_rows: int = BATCH_ROWS) -> Iterator[RawBatch]:
        files = sorted(path.iterdir()) if path.is_dir() else [path]
        found = [(ORDER.index(kind), child, kind) for child in files if (kind := _kind(child))]
        for _, child, kind in sorted(found):
            yield from read_mapped(child, ColumnMapping(kind=kind), keep_going=keep_going,
                                   batch_rows=batch_rows)
