"""Column building blocks the adapters share: whole-column operations, never a loop per row.

Adapters rename, combine and derive columns; deciding whether a value is valid stays with the
validator, except for checks only the data set can know (a cut-short row, a derived time that
cannot be computed), which become rejections here with their source row.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shopformer.schema.validate import Rejection

EPOCH_2000_US = 946_684_800_000_000  # 2000-01-01T00:00:00Z in microseconds since 1970


def constant(value: str, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, pa.string()), n)


def prefixed(prefix: str, values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """`prefix` + each value, e.g. order ids that say which data set they came from."""
    return pc.binary_join_element_wise(prefix, pc.cast(values, pa.string()), "")


def numbered(prefix: str, rows: np.ndarray) -> pa.Array:
    """Ids made of the source row number, for data sets without an id column."""
    return prefixed(prefix, pa.array(rows, pa.int64()))


def without_bom(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Drop stray byte-order marks that some exports leave at the start of a text."""
    return pc.utf8_ltrim(values, characters="\ufeff")


def is_blank(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    trimmed = pc.utf8_trim_whitespace(pc.cast(values, pa.string()))
    blank = pc.or_kleene(pc.is_null(trimmed), pc.equal(trimmed, ""))
    return pc.fill_null(blank, True).to_numpy(zero_copy_only=False)


def numbers(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(float values with NaN for blanks, mask of values that are not numbers at all)."""
    strings = pc.utf8_trim_whitespace(pc.cast(values, pa.string()))
    strings = pc.if_else(pc.equal(strings, ""), pa.scalar(None, pa.string()), strings)
    try:
        parsed = pc.cast(strings, pa.float64())
    except pa.ArrowInvalid:  # rare: find the culprits one distinct value at a time
        encoded = pc.dictionary_encode(strings).combine_chunks()
        table = pa.array([_float_or_none(v) for v in encoded.dictionary.to_pylist()], pa.float64())
        parsed = pc.take(table, encoded.indices)
    out = parsed.to_numpy(zero_copy_only=False).astype(float)
    given = pc.is_valid(strings).to_numpy(zero_copy_only=False)
    return out, given & np.isnan(out)


def _float_or_none(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def first_seen(ids: pa.Array | pa.ChunkedArray, seen: set[str]) -> np.ndarray:
    """Indices of each id's first row here that is not in `seen` yet; adds those to `seen`."""
    encoded = pc.dictionary_encode(pc.cast(ids, pa.string())).combine_chunks()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    names = encoded.dictionary.to_pylist()
    _, first = np.unique(codes, return_index=True)  # codes follow first appearance
    fresh = np.array([i for i in first if names[codes[i]] not in seen], np.int64)
    seen.update(names[codes[i]] for i in fresh)
    return fresh


def reject(table: pa.Table, rows: np.ndarray, bad: np.ndarray, file: str, field: str,
           reason: Callable[[int], str], keep_going: bool
           ) -> tuple[pa.Table, np.ndarray, list[Rejection]]:
    """Take the `bad` rows out as rejections (or stop at the first one without `keep_going`)."""
    if not bad.any():
        return table, rows, []
    rejections = [Rejection(file, int(rows[i]), field, reason(i), table.slice(i, 1).to_pylist()[0])
                  for i in np.flatnonzero(bad)]
    if not keep_going:
        raise rejections[0].to_error()
    keep = pa.array(~bad)
    return table.filter(keep), rows[~bad], rejections
