"""UCI Online Shoppers Purchasing Intention: one web-shop session per row, did it buy?

Each row is a session aggregate, not an event, so it becomes a `sample` of the data set
"uci_online_shoppers": sample_id = "uci-<row>" (the data has no id), label = Revenue
lower-cased ("true" / "false"), channel `web` (the sessions are on an online shop's web
site) and all 17 features (page counts and durations, BounceRates, ExitRates, PageValues,
SpecialDay, Month, OperatingSystems, Browser, Region, TrafficType, VisitorType, Weekend) in
`extra`. Both the comma file and its ';' copy are recognised; a directory holding both
reads only the comma one (a ';' file of exactly the size of a comma file is taken as its
copy), since the rows are the same.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pyarrow.compute as pc

from shopformer.ingest.adapters import files
from shopformer.ingest.adapters.base import ADAPTERS, DatasetAdapter
from shopformer.ingest.adapters.tables import constant, numbered
from shopformer.ingest.readers import BATCH_ROWS, read_csv
from shopformer.ingest.source import RawBatch

log = logging.getLogger(__name__)
_LEADING = ("Administrative", "Administrative_Duration", "Informational")


def _delimiter(path: Path) -> str | None:
    for delimiter in (",", ";"):
        if files.has_header(path, *_LEADING, delimiter=delimiter, suffixes=(".csv",)):
            return delimiter
    return None


def _is_sessions_file(path: Path) -> bool:
    return _delimiter(path) is not None


@ADAPTERS.register("online_shoppers")
class OnlineShoppers(DatasetAdapter):
    name = "online_shoppers"
    description = "UCI online shoppers purchasing intention: labelled web-session samples"
    pii_columns: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def matches(cls, path: Path) -> bool:
        return files.matches(path, _is_sessions_file)

    def batches(self, path: Path, *, keep_going: bool = False,
                batch_rows: int = BATCH_ROWS) -> Iterator[RawBatch]:
        found = files.data_files(path, _is_sessions_file)
        comma = {f.stat().st_size: f for f in found if _delimiter(f) == ","}
        for file in found:
            same = comma.get(file.stat().st_size)
            if same is not None and same != file:
                log.info("%s: skipped, a copy of %s with ';' for ','", file, same)
                continue
            delimiter = _delimiter(file) or ","
            for table, rows, rejections in read_csv(file, batch_rows, keep_going=keep_going,
                                                    delimiter=delimiter):
                n = table.num_rows
                revenue = pc.utf8_lower(table.column("Revenue"))
                samples = table.drop_columns(["Revenue"]) \
                    .append_column("label", revenue) \
                    .append_column("sample_id", numbered("uci-", rows)) \
                    .append_column("dataset", constant("uci_online_shoppers", n)) \
                    .append_column("channel", constant("web", n))
                yield RawBatch("sample", samples, rows, str(file), rejections=rejections)
