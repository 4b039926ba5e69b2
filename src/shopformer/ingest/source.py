"""What a reader hands to the pipeline: rows named in our fields, and where they came from."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from shopformer.core.errors import InputError, Location
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
    note: str = ""  # what the reader made of the file, for the summary
    # fields that hold pseudonyms already (an order's customer taken from the store): they
    # are not pseudonymized again
    pseudonymized: frozenset[str] = frozenset()
    # rows whose key is stored already leave the stored row as it is (counted as
    # duplicates): the items an orders export names, which the catalog describes better
    new_keys_only: bool = False

    def __post_init__(self) -> None:
        if len(self.rows) != self.table.num_rows:
            raise ValueError(f"{self.file}: {len(self.rows)} row numbers for "
                             f"{self.table.num_rows} rows")


# a reader's piece of a file: string columns, each row's 1-based number, rows it could not read
Chunk = tuple[pa.Table, np.ndarray, list[Rejection]]


def string_table(names: list[str], records: list[list[str]]) -> pa.Table:
    """Rows of text values (as a CSV or an Excel sheet gives them) as string columns."""
    return pa.table({name: pa.array([r[i] for r in records], pa.string())
                     for i, name in enumerate(names)})


def checked_header(names: list[str], file: str) -> list[str]:
    """A header row's names, refused unless each is there and used once."""
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates or "" in names:
        raise InputError(f"the header row needs unique, non-empty names; got {names}",
                         Location(file, 0))
    return names
