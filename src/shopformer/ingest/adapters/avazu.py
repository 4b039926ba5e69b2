"""Avazu mobile-ad click sample (DeepCTR's `avazu_sample.txt`): ad impressions, clicked or not.

`id,click,hour,…` → samples of the data set "avazu": sample_id = "avazu-<id>", label = click
(1/0), ts = hour (YYMMDDHH, read as UTC) and every other column (site, app, device, C1,
C14–C21, …) in `extra`. `device_id` and `device_ip` identify a device or a person's
connection, so they are listed in `pii_columns` for the pipeline to pseudonymize. A directory
of CTR files is read by the `ctr_samples` adapter; this one recognises single files.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from shopformer.ingest.adapters import files
from shopformer.ingest.adapters.base import ADAPTERS, DatasetAdapter
from shopformer.ingest.adapters.tables import constant, prefixed
from shopformer.ingest.readers import BATCH_ROWS, read_csv
from shopformer.ingest.source import RawBatch
from shopformer.schema.validate import ParseOptions

_OPTIONS = ParseOptions(time_format="%y%m%d%H")
_RENAMED = {"click": "label", "hour": "ts"}


def is_avazu_file(path: Path) -> bool:
    return files.has_header(path, "id", "click", "hour")


@ADAPTERS.register("avazu")
class Avazu(DatasetAdapter):
    name = "avazu"
    description = "Avazu CTR sample (click, hour, site/app/device features): samples"
    pii_columns: ClassVar[tuple[str, ...]] = ("device_id", "device_ip")

    @classmethod
    def matches(cls, path: Path) -> bool:
        return is_avazu_file(path)

    def batches(self, path: Path, *, keep_going: bool = False,
                batch_rows: int = BATCH_ROWS) -> Iterator[RawBatch]:
        for file in files.data_files(path, is_avazu_file):
            for table, rows, rejections in read_csv(file, batch_rows, keep_going=keep_going):
                impression = table.column("id")
                samples = table.drop_columns(["id"]) \
                    .rename_columns([_RENAMED.get(c, c) for c in table.column_names if c != "id"]) \
                    .append_column("sample_id", prefixed("avazu-", impression)) \
                    .append_column("dataset", constant("avazu", table.num_rows))
                yield RawBatch("sample", samples, rows, str(file), _OPTIONS, rejections)
