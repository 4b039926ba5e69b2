"""Criteo display-ad sample (DeepCTR's `criteo_sample.txt`): ad impressions, clicked or not.

`label,I1..I13,C1..C26` → samples of the data set "criteo": sample_id = "criteo-<row>" (the
data has no id), label = clicked (1/0), the 13 counts and 26 hashed categories in `extra`.
The impressions carry no time, user or channel. A directory of CTR files is read by the
`ctr_samples` adapter; this one recognises single files.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from shopformer.ingest.adapters import files
from shopformer.ingest.adapters.base import ADAPTERS, DatasetAdapter
from shopformer.ingest.adapters.tables import constant, numbered
from shopformer.ingest.readers import BATCH_ROWS, read_csv
from shopformer.ingest.source import RawBatch


def is_criteo_file(path: Path) -> bool:
    return files.has_header(path, "label", "I1", "I2", "I3")


@ADAPTERS.register("criteo")
class Criteo(DatasetAdapter):
    name = "criteo"
    description = "Criteo CTR sample (label, 13 dense, 26 hashed features): samples"
    pii_columns: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def matches(cls, path: Path) -> bool:
        return is_criteo_file(path)

    def batches(self, path: Path, *, keep_going: bool = False,
                batch_rows: int = BATCH_ROWS) -> Iterator[RawBatch]:
        for file in files.data_files(path, is_criteo_file):
            for table, rows, rejections in read_csv(file, batch_rows, keep_going=keep_going):
                samples = table.append_column("sample_id", numbered("criteo-", rows)) \
                    .append_column("dataset", constant("criteo", table.num_rows))
                yield RawBatch("sample", samples, rows, str(file), rejections=rejections)
