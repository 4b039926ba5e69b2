"""Fixtures for the adapter tests: slices of the real public data sets, validated end to end.

The data sets live in `shared/data` beside the repository (not in it); tests that need them
are skipped, saying so, when that directory is absent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from shopformer.ingest.adapters import find_adapter
from shopformer.ingest.readers import BATCH_ROWS
from shopformer.ingest.source import RawBatch
from shopformer.schema.records import record_spec
from shopformer.schema.validate import Rejection, validate_batch

_HERE = Path(__file__).resolve()
REPO = next((p for p in _HERE.parents if (p / "pyproject.toml").is_file()), _HERE.parents[3])
DATA = REPO.parent / "shared" / "data"


@dataclass
class Ingested:
    """What one adapter run produced, after validation, per record kind."""

    adapter: str
    batches: list[RawBatch] = field(default_factory=list)
    tables: dict[str, list[pa.Table]] = field(default_factory=dict)
    row_numbers: dict[str, list[np.ndarray]] = field(default_factory=dict)
    files: dict[str, list[str]] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)

    def records(self, kind: str) -> list[dict]:
        """Validated records of `kind`, each with its source `_row`, `_file` and parsed extra."""
        out = []
        for table, rows, file in zip(self.tables[kind], self.row_numbers[kind],
                                     self.files[kind], strict=True):
            for record, row in zip(table.to_pylist(), rows, strict=True):
                record["extra"] = json.loads(record["extra"]) if record["extra"] else {}
                out.append({**record, "_row": int(row), "_file": Path(file).name})
        return out

    def by(self, kind: str, key: str) -> dict[str, dict]:
        return {record[key]: record for record in self.records(kind)}


@pytest.fixture
def data() -> Path:
    if not DATA.is_dir():
        pytest.skip(f"public data sets not found at {DATA} (expected shared/data beside the repo)")
    return DATA


@pytest.fixture
def sliced(data: Path, tmp_path: Path) -> Callable[..., Path]:
    """Copy chosen lines (0-based, header included) of a real file, byte for byte, under the
    same file name into tmp_path/<data set directory>/."""

    def make(relative: str, *spans: range) -> Path:
        source = data / relative
        lines = re.split(rb"(?<=\n)", source.read_bytes())
        folder = tmp_path / source.parent.name
        folder.mkdir(exist_ok=True)
        target = folder / source.name
        target.write_bytes(b"".join(b"".join(lines[span.start:span.stop]) for span in spans))
        return target

    return make


@pytest.fixture
def ingest() -> Callable[..., Ingested]:
    """Find the adapter for `path`, check it is `expected`, read and validate every batch."""

    def run(path: Path, expected: str, *, keep_going: bool = False,
            batch_rows: int = BATCH_ROWS) -> Ingested:
        adapter = find_adapter(path)
        assert adapter.name == expected
        result = Ingested(adapter.name)
        for batch in adapter.batches(path, keep_going=keep_going, batch_rows=batch_rows):
            checked = validate_batch(record_spec(batch.kind), batch.table, batch.rows,
                                     batch.file, batch.options)
            result.batches.append(batch)
            result.tables.setdefault(batch.kind, []).append(checked.table)
            result.row_numbers.setdefault(batch.kind, []).append(checked.rows)
            result.files.setdefault(batch.kind, []).append(batch.file)
            result.rejections += batch.rejections + checked.rejections
        return result

    return run


@pytest.fixture
def source_line() -> Callable[..., str]:
    """The text of data row `row` (1-based, as adapters number rows) of a file."""

    def line(path: Path, row: int, *, header: bool = True, encoding: str = "utf-8") -> str:
        lines = path.read_bytes().decode(encoding).split("\n")
        return lines[row if header else row - 1].rstrip("\r").lstrip("\ufeff")

    return line
