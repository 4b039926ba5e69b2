"""Streaming readers for CSV/TSV, JSONL, Parquet and Excel (`excel.py`): every value arrives
as it was written.

Readers only split files into rows and columns; deciding what a value means is the
validator's job. Rows that cannot even be split (wrong number of fields, broken JSON) become
rejections with their row number, or stop the read when no rejects file was asked for.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from shopformer.core.errors import InputError, Location
from shopformer.ingest.encoding import check_encoding, detect_encoding
from shopformer.ingest.excel import read_xlsx
from shopformer.ingest.header_names import columns_to_read
from shopformer.ingest.mapping import ColumnMapping
from shopformer.ingest.source import Chunk, RawBatch, checked_header, string_table
from shopformer.schema.validate import Rejection

BATCH_ROWS = 100_000
FORMATS = {".csv": "csv", ".tsv": "tsv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl",
           ".json": "jsonl", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx"}


def file_format(path: Path, declared: str | None = None) -> str:
    if declared:
        return declared
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise InputError(f"cannot tell the format from '{path.suffix}'; known: "
                         f"{', '.join(sorted(FORMATS))} (or set format in the mapping)",
                         Location(str(path))) from None


def read_mapped(path: Path, mapping: ColumnMapping, *, keep_going: bool,
                batch_rows: int = BATCH_ROWS) -> Iterator[RawBatch]:
    """Read any supported file and rename its columns to our fields: as `mapping` says,
    and a column the shop commonly names so ("user_id", "用户ID") for a field the file
    lacks (`header_names.py`; each batch says which)."""
    chunks = read_chunks(path, file_format(path, mapping.format), keep_going=keep_going,
                         encoding=mapping.encoding, delimiter=mapping.delimiter,
                         names=mapping.names or None, batch_rows=batch_rows)
    if mapping.kind == "turn":  # a conversation per record, its messages in a list
        from shopformer.ingest.nested_chats import one_row_per_message

        chunks = (one_row_per_message(chunk, str(path)) for chunk in chunks)
    read_as: dict[str, str] = {}
    maybe: dict[str, str] = {}
    reading: bool | None = None  # decided on the first chunk, for the whole file
    lines: list[Chunk] = []  # an orders export with a row per line item (order_lines.py)
    for table, rows, rejections in chunks:
        found, readable = columns_to_read(mapping.kind, table.column_names, mapping.columns,
                                          mapping.constants)
        reading = readable if reading is None else reading
        for ours, theirs in found.items():  # a JSONL chunk may bring keys the first lacked
            if ours not in read_as and ours not in maybe:
                (read_as if reading else maybe)[ours] = theirs
        present = {ours: theirs for ours, theirs in read_as.items()
                   if theirs in table.column_names}
        applied = replace(mapping, columns={**mapping.columns, **present}) if present \
            else mapping
        table = applied.apply(table, str(path))
        if mapping.kind == "order" and "item_id" in table.column_names:
            lines.append((table, rows, rejections))
            continue
        yield RawBatch(mapping.kind, table, rows, str(path), mapping.parse, rejections,
                       dict(read_as), dict(maybe))
    if lines:
        from shopformer.ingest.order_lines import order_and_line_batches

        yield from order_and_line_batches(lines, str(path), mapping.parse, read_as, maybe)




def read_chunks(path: Path, fmt: str, *, keep_going: bool = False,
                encoding: str | None = None, delimiter: str | None = None,
                names: list[str] | None = None, batch_rows: int = BATCH_ROWS
                ) -> Iterator[Chunk]:
    """Any supported file (`file_format`) in chunks of string columns (Parquet: typed)."""
    if fmt == "parquet":
        return read_parquet(path, batch_rows)
    if fmt == "xlsx":
        _require_content(path)
        return read_xlsx(path, batch_rows)
    if fmt == "jsonl":
        return read_jsonl(path, batch_rows, keep_going=keep_going, encoding=encoding)
    return read_csv(path, batch_rows, keep_going=keep_going, encoding=encoding,
                    delimiter=delimiter or ("\t" if fmt == "tsv" else ","), names=names)


def read_whole(path: Path) -> tuple[pa.Table, np.ndarray]:
    """A whole file of a supported format as one table, with each row's 1-based number: for
    what is read at once rather than ingested (an ad impression log to train on)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", Location(str(path)))
    tables, rows = [], []
    for table, numbers, _ in read_chunks(path, file_format(path)):
        tables.append(table)
        rows.append(numbers)
    if not tables or not sum(t.num_rows for t in tables):
        raise InputError("the file holds no rows", Location(str(path)))
    return (pa.concat_tables(tables, promote_options="default"),
            np.concatenate(rows).astype(np.int64))


def read_csv(path: Path, batch_rows: int = BATCH_ROWS, *, keep_going: bool = False,
             encoding: str | None = None, delimiter: str = ",", names: list[str] | None = None,
             quoting: bool = True) -> Iterator[Chunk]:
    """Stream a delimited text file as string columns, with 1-based data row numbers."""
    _require_content(path)
    encoding = encoding or detect_encoding(path)
    bad_lines: list[str] = []

    def on_bad_line(row: pcsv.InvalidRow) -> str:
        bad_lines.append(row.text)
        return "error"  # stop the fast path; the exact path below takes over

    column_names = list(names) if names else _header(path, encoding, delimiter, quoting)
    read_options = pcsv.ReadOptions(encoding=encoding, block_size=1 << 22,
                                    column_names=column_names, skip_rows=0 if names else 1)
    parse_options = pcsv.ParseOptions(delimiter=delimiter, quote_char='"' if quoting else False,
                                      newlines_in_values=quoting, invalid_row_handler=on_bad_line)
    convert = pcsv.ConvertOptions(column_types={n: pa.string() for n in column_names},
                                  strings_can_be_null=False, quoted_strings_can_be_null=False)
    offset = 0
    try:
        reader = pcsv.open_csv(path, read_options, parse_options, convert)
        for batch in reader:
            for start in range(0, batch.num_rows, batch_rows):
                part = pa.Table.from_batches([batch.slice(start, batch_rows)])
                rows = np.arange(offset + 1, offset + part.num_rows + 1)
                offset += part.num_rows
                yield part, rows, []
    except pa.ArrowInvalid as error:
        if not bad_lines:
            raise InputError(f"cannot parse: {error}", Location(str(path))) from None
        if not keep_going:
            raise _bad_line(path, encoding, bad_lines[0], len(column_names)).to_error() from None
    except UnicodeDecodeError:
        check_encoding(path, encoding)
        raise
    if bad_lines:  # exact row numbers matter more than speed once a file has broken rows
        yield from _read_csv_exactly(path, batch_rows, encoding, delimiter, column_names,
                                     skip=offset, has_header=not names, quoting=quoting)


def _read_csv_exactly(path: Path, batch_rows: int, encoding: str, delimiter: str,
                      names: list[str], *, skip: int, has_header: bool, quoting: bool
                      ) -> Iterator[Chunk]:
    """The slow, exact path: Python's csv module, row by row, from data row `skip + 1` on."""
    records: list[list[str]] = []
    rows: list[int] = []
    rejections: list[Rejection] = []
    with path.open(encoding=_python_codec(encoding), newline="") as handle:
        quoting_mode = csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE
        reader = csv.reader(handle, delimiter=delimiter, quoting=quoting_mode)
        if has_header:
            next(reader, None)
        for number, fields in enumerate(reader, start=1):
            if number <= skip or not fields:
                continue
            if len(fields) != len(names):
                reason = (f"expected {len(names)} fields, found {len(fields)}: "
                          "the row is cut or has stray delimiters")
                rejections.append(Rejection(str(path), number, None, reason,
                                            {"_line": delimiter.join(fields)}))
                continue
            records.append(fields)
            rows.append(number)
            if len(records) >= batch_rows:
                yield string_table(names, records), np.array(rows), rejections
                records, rows, rejections = [], [], []
    if records or rejections:
        yield string_table(names, records), np.array(rows, dtype=np.int64), rejections


def _python_codec(encoding: str) -> str:
    """Python's 'utf-8' keeps a byte-order mark as text; 'utf-8-sig' drops it."""
    return "utf-8-sig" if encoding.replace("_", "-").lower() in ("utf-8", "utf8") else encoding


def _require_content(path: Path) -> None:
    if not path.exists():
        raise InputError("no such file", Location(str(path)))
    if path.stat().st_size == 0:
        raise InputError("the file is empty (not even a header row)", Location(str(path)))


def _header(path: Path, encoding: str, delimiter: str, quoting: bool) -> list[str]:
    try:
        with path.open(encoding=_python_codec(encoding), newline="") as handle:
            quoting_mode = csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE
            names = next(csv.reader(handle, delimiter=delimiter, quoting=quoting_mode), None)
    except UnicodeDecodeError:
        check_encoding(path, encoding)
        raise
    if not names:
        raise InputError("the file is empty (not even a header row)", Location(str(path)))
    return checked_header([name.removeprefix("ï»¿").lstrip("\ufeff").strip()
                           for name in names], str(path))


def _bad_line(path: Path, encoding: str, text: str, expected: int) -> Rejection:
    """Find the row of a line the CSV parser refused (rare, so a re-scan is fine)."""
    row = None
    with path.open(encoding=_python_codec(encoding), errors="replace", newline="") as handle:
        for number, line in enumerate(handle):
            if line.rstrip("\r\n") == text:
                row = number  # the header is line 0, so this is the 1-based data row
                break
    found = text.count(",") + 1 if text else 0
    reason = (f"expected {expected} fields, found about {found}: "
              "the row is cut or has stray delimiters")
    return Rejection(str(path), row, None, reason, {"_line": text})


def read_jsonl(path: Path, batch_rows: int = BATCH_ROWS, *, keep_going: bool = False,
               encoding: str | None = None) -> Iterator[Chunk]:
    """One JSON object per line; nested values stay JSON text for the validator."""
    _require_content(path)
    encoding = encoding or detect_encoding(path)
    records: list[dict] = []
    rows: list[int] = []
    rejections: list[Rejection] = []
    with path.open(encoding=_python_codec(encoding)) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            record = _json_line(path, number, line, rejections, keep_going)
            if record is not None:
                records.append(record)
                rows.append(number)
            if len(records) >= batch_rows:
                yield records_table(records), np.array(rows), rejections
                records, rows, rejections = [], [], []
    if records or rejections:
        yield records_table(records), np.array(rows, dtype=np.int64), rejections


def _json_line(path: Path, number: int, line: str, rejections: list[Rejection],
               keep_going: bool) -> dict | None:
    try:
        record = json.loads(line)
        if not isinstance(record, dict):
            raise ValueError("expected a JSON object per line")
        return text_values(record)
    except ValueError as error:
        rejection = Rejection(str(path), number, None, f"not a JSON object: {error}",
                              {"_line": line.rstrip("\n")})
        if not keep_going:
            raise rejection.to_error() from None
        rejections.append(rejection)
        return None


def text_values(record: dict) -> dict:
    """A JSON object's values as text, as a CSV gives them: nested ones stay JSON text for
    the validator."""
    return {k: (v if v is None or isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                if isinstance(v, dict | list) else str(v)) for k, v in record.items()}


def records_table(records: list[dict]) -> pa.Table:
    """JSON-like records as a table of text columns (the validator types them)."""
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    return pa.table({n: pa.array([r.get(n) for r in records], pa.string()) for n in names})


def read_parquet(path: Path, batch_rows: int = BATCH_ROWS) -> Iterator[Chunk]:
    """Parquet keeps its types; the validator accepts typed columns as they are."""
    _require_content(path)
    try:
        parquet = pq.ParquetFile(path)
    except pa.ArrowInvalid as error:
        raise InputError(f"not a Parquet file: {error}", Location(str(path))) from None
    offset = 0
    for batch in parquet.iter_batches(batch_size=batch_rows):
        rows = np.arange(offset + 1, offset + batch.num_rows + 1)
        offset += batch.num_rows
        yield pa.Table.from_batches([batch]), rows, []
