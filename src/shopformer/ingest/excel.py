"""Excel workbooks (.xlsx), the form shop back-ends most often export: the first sheet,
its first row the header, every value passed on as text the validator then reads.

Cells arrive typed, so they are written as the shop would have typed them: a whole number
without ".0" (an id 10001 stayed "10001", not "10001.0"), a date-time as ISO 8601 (read
in the workspace's time zone when naive, as CSV times are), an empty cell as empty. Read
streaming (openpyxl's read-only mode), so a large export does not sit in memory whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from zipfile import BadZipFile

import numpy as np

from shopformer.core.errors import InputError, Location
from shopformer.ingest.source import Chunk, checked_header, string_table


def read_xlsx(path: Path, batch_rows: int) -> Iterator[Chunk]:
    """Stream the first sheet as string columns, with 1-based data row numbers (the row
    under the header is 1, as in a CSV; fully empty rows are skipped)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as error:
        raise InputError(f"not an Excel workbook (.xlsx): {error}", Location(str(path))
                         ) from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        names = _header(next(rows, None), path)
        records: list[list[str]] = []
        numbers: list[int] = []
        for number, cells in enumerate(rows, start=1):
            values = [_text(c) for c in cells[:len(names)]]
            if not any(values):
                continue
            records.append(values + [""] * (len(names) - len(values)))
            numbers.append(number)
            if len(records) >= batch_rows:
                yield string_table(names, records), np.array(numbers), []
                records, numbers = [], []
        if records:
            yield string_table(names, records), np.array(numbers), []
    finally:
        workbook.close()


def _header(cells: tuple | None, path: Path) -> list[str]:
    names = [_text(c).strip() for c in cells or ()]
    while names and not names[-1]:  # trailing empty cells of a formatted row
        names.pop()
    if not names:
        raise InputError("the first sheet is empty (not even a header row)", Location(str(path)))
    return checked_header(names, str(path))


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)

