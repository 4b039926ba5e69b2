"""DIGINETICA item views (CIKM Cup 2016; the SR-GNN sample): session-based browsing.

`session_id;user_id;item_id;timeframe;eventdate`. Every row is a product view on the web shop.
Most visitors are anonymous (`user_id` = "NA"); they become the account "session-<id>" so that
a session is never merged with another person's. Per the CIKM Cup description `timeframe` is
milliseconds since the session's first event, so `ts = eventdate 00:00 UTC + timeframe ms`
keeps the order within a session (the start time of day is not in the data). The source's
`user_id`, `timeframe` and `eventdate` stay in `extra`; `user_id` is an account id, so it is
listed in `pii_columns` and pseudonymized like `account`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shopformer.ingest.adapters import files
from shopformer.ingest.adapters.base import ADAPTERS, DatasetAdapter
from shopformer.ingest.adapters.tables import constant, numbers, prefixed, reject
from shopformer.ingest.readers import BATCH_ROWS, read_csv
from shopformer.ingest.source import RawBatch

_COLUMNS = ("session_id", "user_id", "item_id", "timeframe", "eventdate")


def _is_views_file(path: Path) -> bool:
    return files.has_header(path, *_COLUMNS, delimiter=";")


@ADAPTERS.register("diginetica")
class Diginetica(DatasetAdapter):
    name = "diginetica"
    description = "DIGINETICA (CIKM Cup 2016) item views by session: view events on web"
    pii_columns: ClassVar[tuple[str, ...]] = ("user_id",)

    @classmethod
    def matches(cls, path: Path) -> bool:
        return files.matches(path, _is_views_file)

    def batches(self, path: Path, *, keep_going: bool = False,
                batch_rows: int = BATCH_ROWS) -> Iterator[RawBatch]:
        for file in files.data_files(path, _is_views_file):
            for table, rows, rejections in read_csv(file, batch_rows, keep_going=keep_going,
                                                    delimiter=";"):
                ts, bad = _times(table)
                table = table.append_column("ts", ts)
                table, rows, cut = reject(
                    table, rows, bad, str(file), "ts",
                    lambda i, t=table: "expected eventdate as YYYY-MM-DD and timeframe in ms, "
                                       f"got {t['eventdate'][i]} and {t['timeframe'][i]}",
                    keep_going)
                yield RawBatch("event", _events(table), rows, str(file),
                               rejections=rejections + cut)


def _times(table: pa.Table) -> tuple[pa.Array, np.ndarray]:
    days = pc.strptime(table.column("eventdate"), format="%Y-%m-%d", unit="us",
                       error_is_null=True)
    day_us = pc.cast(days, pa.int64()).to_numpy(zero_copy_only=False).astype(float)
    offset_ms, _ = numbers(table.column("timeframe"))
    micros = day_us + offset_ms * 1000.0
    bad = np.isnan(micros)
    ts = pa.array(np.where(bad, 0, micros).astype(np.int64), pa.timestamp("us"), mask=bad)
    return ts, bad


def _events(table: pa.Table) -> pa.Table:
    n = table.num_rows
    user = table.column("user_id")
    anonymous = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(user), "NA"), True)
    account = pc.if_else(anonymous, prefixed("session-", table.column("session_id")), user)
    return table.append_column("account", account) \
        .append_column("channel", constant("web", n)) \
        .append_column("type", constant("view", n))
