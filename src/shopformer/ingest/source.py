"""What a reader hands to the pipeline: rows named in our fields, and where they came from."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from shopformer.schema.validate import ParseOptions, Rejection


@dataclass
class RawBatch:
    """Rows of one record kind, columns already named as our fields (others go to `extra`)."""

    kind: str
    table: pa.Table
    rows: np.ndarray  # 1-based data row number in `file` of each table row
    file: str
    options: ParseOptions = field(default_factory=ParseOptions)
    rejections: list[Rejection] = field(default_factory=list)  # rows the reader could not parse
    # our field → the file's column read as it by its common name (header_names.py)
    read_as: dict[str, str] = field(default_factory=dict)
    # the same for columns only suggested: their rows are keyed by content (header_names.py)
    maybe: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.rows) != self.table.num_rows:
            raise ValueError(f"{self.file}: {len(self.rows)} row numbers for "
                             f"{self.table.num_rows} rows")
