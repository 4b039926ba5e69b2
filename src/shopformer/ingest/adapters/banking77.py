"""BANKING77 (PolyAI): English online-banking customer questions, each with one of 77 intents.

`text,category` → one-turn conversations: `conversation_id` = "banking77-<split>-<row>",
turn 0, role customer, `intent` = category. The split is the file name (`train`, `test`) and
stays in `extra` as `split`, so the published train/test protocol can be rebuilt. A directory
yields every `text,category` file in it (categories.json and LICENSE are not records).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pyarrow as pa

from shopformer.ingest.adapters import files
from shopformer.ingest.adapters.base import ADAPTERS, DatasetAdapter
from shopformer.ingest.adapters.tables import constant, numbered
from shopformer.ingest.readers import BATCH_ROWS, read_csv
from shopformer.ingest.source import RawBatch


def _is_intent_file(path: Path) -> bool:
    return files.has_header(path, "text", "category", suffixes=(".csv",)) \
        and len(files.header(path)) == 2


@ADAPTERS.register("banking77")
class Banking77(DatasetAdapter):
    name = "banking77"
    description = "BANKING77 customer questions with 77 intents: one-turn conversations"
    pii_columns: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def matches(cls, path: Path) -> bool:
        return files.matches(path, _is_intent_file)

    def batches(self, path: Path, *, keep_going: bool = False,
                batch_rows: int = BATCH_ROWS) -> Iterator[RawBatch]:
        for file in files.data_files(path, _is_intent_file):
            split = file.stem
            for table, rows, rejections in read_csv(file, batch_rows, keep_going=keep_going):
                n = table.num_rows
                turns = pa.table({
                    "conversation_id": numbered(f"banking77-{split}-", rows),
                    "turn": pa.repeat(pa.scalar(0, pa.int64()), n),
                    "role": constant("customer", n),
                    "text": table.column("text"),
                    "intent": table.column("category"),
                    "split": constant(split, n),
                })
                yield RawBatch("turn", turns, rows, str(file), rejections=rejections)
