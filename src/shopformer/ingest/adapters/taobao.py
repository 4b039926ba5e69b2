"""Taobao UserBehavior (Alibaba Tianchi): app events of random Taobao users, Nov–Dec 2017.

No header: `user_id,item_id,category_id,behavior_type,timestamp` → events on `app`
(Taobao's traffic is overwhelmingly its mobile app; the data does not say): account =
user_id, type = behavior_type (pv and buy are the validator's aliases of view and purchase;
cart and fav are ours too), ts = Unix seconds, `category_id` in `extra`. Files are
recognised by their first rows, since the slices carry different names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from shopformer.ingest.adapters import files
from shopformer.ingest.adapters.base import ADAPTERS, DatasetAdapter
from shopformer.ingest.adapters.tables import constant
from shopformer.ingest.readers import BATCH_ROWS, read_csv
from shopformer.ingest.source import RawBatch

_COLUMNS = ["account", "item_id", "category_id", "type", "ts"]
_EVENT_LINE = re.compile(r"^\d+,\d+,\d+,(pv|cart|fav|buy),\d+$")


def _is_behavior_file(path: Path) -> bool:
    if not path.is_file() or path.suffix.lower() not in (".csv", ".txt"):
        return False
    lines = files.first_lines(path, 3)
    return bool(lines) and all(_EVENT_LINE.match(line) for line in lines)


@ADAPTERS.register("taobao")
class Taobao(DatasetAdapter):
    name = "taobao"
    description = "Taobao UserBehavior (pv/cart/fav/buy with Unix times): app events"
    pii_columns: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def matches(cls, path: Path) -> bool:
        return files.matches(path, _is_behavior_file)

    def batches(self, path: Path, *, keep_going: bool = False,
                batch_rows: int = BATCH_ROWS) -> Iterator[RawBatch]:
        for file in files.data_files(path, _is_behavior_file):
            for table, rows, rejections in read_csv(file, batch_rows, keep_going=keep_going,
                                                    names=_COLUMNS, quoting=False):
                events = table.append_column("channel", constant("app", table.num_rows))
                yield RawBatch("event", events, rows, str(file), rejections=rejections)
