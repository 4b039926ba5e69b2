"""ATEC 2018 (Ant Financial) question pairs: Chinese Alipay customer questions, same or not.

Tab-separated, no header: `id, question1, question2, label` (1 = same meaning). Each pair
becomes a two-turn conversation "atec-<id>": turn 0 = question1, turn 1 = question2, both
role customer and both carrying `pair_label` in `extra`.

Why turns and not one `sample` with the pair in `extra`: both questions are real customer
questions, and as turn `text` they are first-class customer text (scrubbed as such, read by
the text encoder and by intent / FAQ tasks); a sample would bury question2 in the `extra`
JSON. The pair stays one unit (same `conversation_id`, label on both turns), so FAQ
matching rebuilds (question1, question2, label) by grouping on it. Caveat: turn 1 is not
a reply to turn 0; the two were paired by the organisers. A stray byte-order mark before the
first question is dropped. The one line with quotes (pair 14756) is quoted CSV-style and is
read as CSV: the question comes out as “"没有""花呗"”, the user's own quote marks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shopformer.ingest.adapters import files
from shopformer.ingest.adapters.base import ADAPTERS, DatasetAdapter
from shopformer.ingest.adapters.tables import constant, prefixed, without_bom
from shopformer.ingest.readers import BATCH_ROWS, read_csv
from shopformer.ingest.source import RawBatch

_COLUMNS = ["id", "question1", "question2", "pair_label"]
_PAIR_LINE = re.compile(r"^\d+\t[^\t]*\t[^\t]*\t[01]$")


def _is_pairs_file(path: Path) -> bool:
    if not path.is_file() or path.suffix.lower() not in (".tsv", ".csv", ".txt"):
        return False
    lines = files.first_lines(path, 3)
    return bool(lines) and all(_PAIR_LINE.match(line) for line in lines)


@ADAPTERS.register("atec")
class Atec(DatasetAdapter):
    name = "atec"
    description = ("ATEC 2018 Alipay question pairs (same meaning or not): two-turn "
                   "conversations labelled with pair_label")
    pii_columns: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def matches(cls, path: Path) -> bool:
        return files.matches(path, _is_pairs_file)

    def batches(self, path: Path, *, keep_going: bool = False,
                batch_rows: int = BATCH_ROWS) -> Iterator[RawBatch]:
        for file in files.data_files(path, _is_pairs_file):
            for table, rows, rejections in read_csv(file, batch_rows, keep_going=keep_going,
                                                    delimiter="\t", names=_COLUMNS):
                turns, turn_rows = _turns(table, rows)
                yield RawBatch("turn", turns, turn_rows, str(file), rejections=rejections)


def _turns(pairs: pa.Table, rows: np.ndarray) -> tuple[pa.Table, np.ndarray]:
    """Two turns per pair, interleaved so a conversation's turns sit together."""
    n = pairs.num_rows
    order = np.arange(2 * n).reshape(2, n).T.ravel()  # 0, n, 1, n+1, …
    text = pa.concat_arrays([without_bom(pairs.column("question1")).combine_chunks(),
                             without_bom(pairs.column("question2")).combine_chunks()])

    def twice(values: pa.ChunkedArray | pa.Array) -> pa.Array:
        column = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
        return pc.take(pa.concat_arrays([column, column]), order)

    turns = pa.table({
        "conversation_id": twice(prefixed("atec-", pc.utf8_trim_whitespace(pairs["id"]))),
        "turn": pa.array(np.tile([0, 1], n), pa.int64()),
        "role": constant("customer", 2 * n),
        "text": pc.take(text, order),
        "pair_label": twice(pairs.column("pair_label")),
    })
    return turns, np.repeat(rows, 2)
