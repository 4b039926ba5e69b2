"""Home Depot Product Search Relevance (Kaggle 2016, train.csv): graded query–product pairs.

`id,product_uid,product_title,search_term,relevance` → two kinds:
- `item` per product_uid, first occurrence per file: title = product_title (the only
  product text in this copy);
- `sample` per row of the data set "homedepot_relevance": sample_id = "hd-<id>", item_id =
  product_uid, query = search_term (real, misspelt customer queries), label = relevance as
  written (mean rater grade 1–3, e.g. "2.33").
The file is read as latin-1, as published. Some titles show mojibake such as "30å¡": the
export was UTF-8 "°" mis-saved through Mac Roman; it is kept as published, not repaired.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import numpy as np
import pyarrow as pa

from shopformer.ingest.adapters import files
from shopformer.ingest.adapters.base import ADAPTERS, DatasetAdapter
from shopformer.ingest.adapters.tables import constant, first_seen, prefixed
from shopformer.ingest.readers import BATCH_ROWS, read_csv
from shopformer.ingest.source import RawBatch

_COLUMNS = ("id", "product_uid", "product_title", "search_term", "relevance")


def _is_relevance_file(path: Path) -> bool:
    return files.has_header(path, *_COLUMNS, suffixes=(".csv",))


@ADAPTERS.register("homedepot")
class HomeDepot(DatasetAdapter):
    name = "homedepot"
    description = ("Home Depot search relevance: product titles as items, graded "
                   "query–product pairs as samples")
    pii_columns: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def matches(cls, path: Path) -> bool:
        return files.matches(path, _is_relevance_file)

    def batches(self, path: Path, *, keep_going: bool = False,
                batch_rows: int = BATCH_ROWS) -> Iterator[RawBatch]:
        for file in files.data_files(path, _is_relevance_file):
            seen: set[str] = set()
            for table, rows, rejections in read_csv(file, batch_rows, keep_going=keep_going,
                                                    encoding="latin-1"):
                items, item_rows = _new_items(table, rows, seen)
                yield RawBatch("item", items, item_rows, str(file))
                samples = pa.table({
                    "sample_id": prefixed("hd-", table.column("id")),
                    "dataset": constant("homedepot_relevance", table.num_rows),
                    "item_id": table.column("product_uid"),
                    "query": table.column("search_term"),
                    "label": table.column("relevance"),
                })
                yield RawBatch("sample", samples, rows, str(file), rejections=rejections)


def _new_items(table: pa.Table, rows: np.ndarray, seen: set[str]) -> tuple[pa.Table, np.ndarray]:
    first = first_seen(table.column("product_uid"), seen)
    lines = table.take(pa.array(first))
    items = pa.table({"item_id": lines.column("product_uid"),
                      "title": lines.column("product_title")})
    return items, rows[first]
