"""A directory of click-through-rate samples (DeepCTR's `examples/`: Criteo and Avazu).

Single files are recognised by the `criteo` and `avazu` adapters; a directory holding either
is this adapter's, so exactly one adapter claims it. It reads each file with the adapter of
its format, in name order.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from shopformer.ingest.adapters import files
from shopformer.ingest.adapters.avazu import Avazu, is_avazu_file
from shopformer.ingest.adapters.base import ADAPTERS, DatasetAdapter
from shopformer.ingest.adapters.criteo import Criteo, is_criteo_file
from shopformer.ingest.readers import BATCH_ROWS
from shopformer.ingest.source import RawBatch


def _is_ctr_file(path: Path) -> bool:
    return is_criteo_file(path) or is_avazu_file(path)


@ADAPTERS.register("ctr_samples")
class CtrSamples(DatasetAdapter):
    name = "ctr_samples"
    description = "A directory of Criteo and/or Avazu CTR samples: samples per file"
    pii_columns: ClassVar[tuple[str, ...]] = Avazu.pii_columns + Criteo.pii_columns

    @classmethod
    def matches(cls, path: Path) -> bool:
        return path.is_dir() and files.matches(path, _is_ctr_file)

    def batches(self, path: Path, *, keep_going: bool = False,
                batch_rows: int = BATCH_ROWS) -> Iterator[RawBatch]:
        for file in files.data_files(path, _is_ctr_file):
            adapter = Criteo() if is_criteo_file(file) else Avazu()
            yield from adapter.batches(file, keep_going=keep_going, batch_rows=batch_rows)
