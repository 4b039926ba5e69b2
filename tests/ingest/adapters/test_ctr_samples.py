"""Criteo and Avazu CTR samples: one adapter per file format, one for their directory."""

from __future__ import annotations

import shutil
from datetime import datetime

from shopformer.ingest.adapters.avazu import Avazu


def test_directory_reads_both_formats(data, tmp_path, ingest) -> None:
    folder = shutil.copytree(data / "ctr_samples", tmp_path / "ctr_samples")
    result = ingest(folder, "ctr_samples")
    assert result.rejections == []
    samples = result.by("sample", "sample_id")
    assert len(samples) == 100 + 200
    assert {s["dataset"] for s in samples.values()} == {"avazu", "criteo"}


def test_criteo_file(data, ingest, source_line) -> None:
    path = data / "ctr_samples/criteo_sample.txt"
    samples = ingest(path, "criteo").by("sample", "sample_id")
    first = samples["criteo-1"]
    assert (first["label"], first["extra"]["I2"]) == ("0", "3")
    assert "I1" not in first["extra"]  # empty in the source
    assert first["extra"]["C1"] == "05db9164" and first["ts"] is None
    assert {s["label"] for s in samples.values()} == {"0", "1"}
    for sample in list(samples.values())[::17]:
        values = source_line(path, sample["_row"]).split(",")
        assert sample["label"] == values[0] and sample["extra"].get("C1", "") == values[14]


def test_avazu_file(data, ingest) -> None:
    path = data / "ctr_samples/avazu_sample.txt"
    samples = ingest(path, "avazu").by("sample", "sample_id")
    first = samples["avazu-1000009418151094273"]
    assert (first["label"], first["ts"]) == ("0", datetime(2014, 10, 21, 0))
    assert (first["extra"]["device_id"], first["extra"]["device_ip"]) == ("a99f214a", "ddd2926e")
    assert {"device_id", "device_ip"} <= set(Avazu.pii_columns)
    assert "id" not in first["extra"] and "hour" not in first["extra"]
    assert len(samples) == 100
