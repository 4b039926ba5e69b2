"""Columnar validation of one batch of input rows against a record spec.

Whole columns are checked at once (pyarrow), so the bulk path stays fast; every bad row
comes back as a `Rejection` naming its file, row, field and what was expected, and nothing
is ever dropped without one. Columns the spec does not know are kept, as JSON, in `extra`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shopformer.core.errors import InputError, Location
from shopformer.schema.records import FieldSpec, FieldType, RecordSpec
from shopformer.schema.times import TIMESTAMP, parse_times

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
ARROW_TYPES = {
    FieldType.STRING: pa.string(), FieldType.TIMESTAMP: TIMESTAMP, FieldType.FLOAT: pa.float64(),
    FieldType.INT: pa.int64(), FieldType.JSON: pa.string(),
    FieldType.STRING_LIST: pa.list_(pa.string()),
}


@dataclass(frozen=True)
class ParseOptions:
    """How to read values that the data itself cannot explain."""

    time_format: str | None = None  # strptime layout, e.g. "%m/%d/%Y %H:%M"
    timezone: str | None = None  # zone of naive times, e.g. "Asia/Shanghai"; UTC if unset


@dataclass(frozen=True)
class Rejection:
    file: str | None
    row: int | None
    field: str | None
    reason: str
    raw: dict = field(default_factory=dict)

    @property
    def location(self) -> Location:
        return Location(self.file, self.row, self.field)

    def to_error(self) -> InputError:
        return InputError(self.reason, self.location)


@dataclass
class ValidatedBatch:
    table: pa.Table  # the spec's columns in order, typed, plus `extra`
    rows: np.ndarray  # source row number of each kept row
    rejections: list[Rejection]


def arrow_schema(spec: RecordSpec) -> pa.Schema:
    fields = [(f.name, ARROW_TYPES[f.type]) for f in spec.fields]
    return pa.schema([*fields, ("extra", pa.string())])


def validate_batch(spec: RecordSpec, table: pa.Table, rows: np.ndarray, file: str | None = None,
                   options: ParseOptions = ParseOptions()) -> ValidatedBatch:
    """Check and type every field; return the good rows and a rejection for each bad one."""
    missing = [name for name in spec.required if name not in table.column_names]
    if missing:
        raise InputError(
            f"missing required column(s) {', '.join(missing)} for {spec.kind} records; "
            f"columns found: {', '.join(table.column_names) or 'none'} "
            "(map your own column names with --map or a mapping file"
            + ("; a file from one channel names it with --set channel=web (or app, mini, "
               "store …)" if "channel" in missing else "") + ")",
            Location(file, None, missing[0]))
    bad_field = np.full(table.num_rows, "", dtype=object)
    reasons = np.full(table.num_rows, "", dtype=object)
    columns: dict[str, pa.Array] = {}
    for spec_field in spec.fields:
        raw = table.column(spec_field.name) if spec_field.name in table.column_names else None
        values, bad, why = _coerce(spec_field, raw, table.num_rows, options)
        _mark(bad_field, reasons, bad, spec_field.name, why)
        columns[spec_field.name] = values
    _check_conditional(spec, columns, bad_field, reasons)
    columns["extra"] = _extras(spec, table)
    typed = pa.table(columns, schema=arrow_schema(spec))
    good = bad_field == ""
    rejections = [
        Rejection(file, int(rows[i]), bad_field[i], reasons[i], _raw_row(table, i))
        for i in np.flatnonzero(~good)
    ]
    return ValidatedBatch(typed.filter(pa.array(good)), rows[good], rejections)


def _mark(bad_field: np.ndarray, reasons: np.ndarray, bad: np.ndarray, name: str,
          why: object) -> None:
    """Keep the first problem of each row; `why(i)` explains row i."""
    for i in np.flatnonzero(bad & (bad_field == "")):
        bad_field[i] = name
        reasons[i] = why(i)  # type: ignore[operator]


def _coerce(spec: FieldSpec, raw: pa.ChunkedArray | None, n: int, options: ParseOptions):
    if raw is None:
        return pa.nulls(n, ARROW_TYPES[spec.type]), np.zeros(n, bool), str
    raw = raw.combine_chunks()
    if spec.type is FieldType.TIMESTAMP:
        values, bad = parse_times(raw, options.time_format, options.timezone)
        hint = f"'{options.time_format}'" if options.time_format else \
            "ISO 8601 like 2024-05-01T12:00:00Z or a Unix epoch"
        why = _explain(raw, f"expected a time as {hint}")
    elif spec.type in (FieldType.FLOAT, FieldType.INT):
        values, bad, why = _numbers(spec, raw)
    elif spec.type is FieldType.JSON:
        values, bad, why = _json(raw)
    elif spec.type is FieldType.STRING_LIST:
        values, bad, why = _string_lists(spec, raw)
    else:
        values, bad, why = _strings(spec, raw)
    if spec.required:
        absent = ~pc.is_valid(values).to_numpy(zero_copy_only=False) & ~bad
        if absent.any():
            bad = bad | absent
            first_why = why
            why = lambda i, a=absent, w=first_why: "required field is empty" if a[i] else w(i)  # noqa: E731
    return values, bad, why


def _explain(raw: pa.Array, expected: str):
    return lambda i: f"{expected}, got {_show(raw[i].as_py())}"


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…'"


def _clean_strings(raw: pa.Array) -> pa.Array:
    strings = raw if pa.types.is_string(raw.type) else pc.cast(raw, pa.string())
    strings = pc.utf8_trim_whitespace(strings)
    return pc.if_else(pc.equal(strings, ""), pa.scalar(None, pa.string()), strings)


def _strings(spec: FieldSpec, raw: pa.Array):
    strings = _clean_strings(raw)
    if spec.allowed is None and not spec.aliases:
        return strings, np.zeros(len(strings), bool), str
    encoded = pc.dictionary_encode(strings)
    mapped = [_normalize_name(v, spec) for v in encoded.dictionary.to_pylist()]
    values = pc.take(pa.array(mapped, pa.string()), encoded.indices)
    bad = (pc.is_valid(strings).to_numpy(zero_copy_only=False)
           & ~pc.is_valid(values).to_numpy(zero_copy_only=False))
    if spec.allowed is not None:
        expected = "expected one of " + ", ".join(sorted(spec.allowed))
    else:
        expected = "expected a short lowercase name (letters, digits, '-' or '_')"
    return values, bad, _explain(strings, expected)


def _normalize_name(value: str, spec: FieldSpec) -> str | None:
    name = value.strip().lower()
    name = spec.aliases.get(name, spec.aliases.get(name.replace(" ", "_"), name))
    if spec.allowed is not None:
        return name if name in spec.allowed else None
    return name if _NAME.match(name) else None


def _numbers(spec: FieldSpec, raw: pa.Array):
    target = pa.float64() if spec.type is FieldType.FLOAT else pa.int64()
    if pa.types.is_integer(raw.type) or pa.types.is_floating(raw.type):
        bad = np.zeros(len(raw), bool)
        if pa.types.is_floating(raw.type) and pa.types.is_integer(target):
            data = raw.to_numpy(zero_copy_only=False)
            bad = ~np.isnan(data) & (np.mod(np.nan_to_num(data), 1) != 0)
        values = pc.cast(raw, target, safe=False)
    else:
        strings = _clean_strings(raw)
        try:
            values, bad = pc.cast(strings, target), np.zeros(len(raw), bool)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            values, bad = _numbers_each(strings, target)
    kind = "a number" if spec.type is FieldType.FLOAT else "a whole number"
    out_of_range = np.zeros(len(raw), bool)
    data = values.to_numpy(zero_copy_only=False)
    if spec.minimum is not None:
        out_of_range |= np.nan_to_num(data.astype(float), nan=spec.minimum) < spec.minimum
    if spec.maximum is not None:
        out_of_range |= np.nan_to_num(data.astype(float), nan=spec.maximum) > spec.maximum
    bounds = _bounds(spec)

    def why(i: int) -> str:
        if bad[i]:
            return f"expected {kind}, got {_show(raw[i].as_py())}"
        return f"expected {kind} {bounds}, got {_show(raw[i].as_py())}"

    return values, bad | out_of_range, why


def _bounds(spec: FieldSpec) -> str:
    if spec.minimum is not None and spec.maximum is not None:
        return f"between {spec.minimum:g} and {spec.maximum:g}"
    if spec.minimum is not None:
        return f">= {spec.minimum:g}"
    return f"<= {spec.maximum:g}"


def _numbers_each(strings: pa.Array, target: pa.DataType) -> tuple[pa.Array, np.ndarray]:
    parse = float if pa.types.is_floating(target) else _whole
    out: list[float | int | None] = []
    bad = np.zeros(len(strings), bool)
    for i, text in enumerate(strings.to_pylist()):
        try:
            out.append(None if text is None else parse(text.replace(",", "")))
        except ValueError:
            out.append(None)
            bad[i] = True
    return pa.array(out, target), bad


def _whole(text: str) -> int:
    number = float(text)
    if not number.is_integer():
        raise ValueError(text)
    return int(number)


def _json(raw: pa.Array):
    strings = _clean_strings(raw)
    out: list[str | None] = []
    bad = np.zeros(len(strings), bool)
    for i, text in enumerate(strings.to_pylist()):
        try:
            out.append(None if text is None else json.dumps(json.loads(text), ensure_ascii=False))
        except json.JSONDecodeError:
            out.append(None)
            bad[i] = True
    return pa.array(out, pa.string()), bad, _explain(strings, "expected a JSON object")


def _string_lists(spec: FieldSpec, raw: pa.Array):
    if pa.types.is_list(raw.type):
        raw = pc.binary_join(pc.cast(raw, pa.list_(pa.string())), "|")
    strings = _clean_strings(raw)
    out: list[list[str] | None] = []
    bad = np.zeros(len(strings), bool)
    for i, text in enumerate(strings.to_pylist()):
        parts = _split_list(text) if text is not None else None
        names = None if parts is None else [_normalize_name(p, spec) for p in parts if p.strip()]
        if names is not None and None in names:
            bad[i] = True
            names = None
        out.append(names)
    why = _explain(strings, "expected names separated by '|' or ',' (or a JSON list)")
    return pa.array(out, pa.list_(pa.string())), bad, why


def _split_list(text: str) -> list[str]:
    if text.startswith("["):
        try:
            return [str(v) for v in json.loads(text)]
        except json.JSONDecodeError:
            pass
    return re.split(r"[|,;]", text)


def _check_conditional(spec: RecordSpec, columns: dict[str, pa.Array], bad_field: np.ndarray,
                       reasons: np.ndarray) -> None:
    """A search needs a query; every other event needs the item it was about."""
    if spec.kind != "event":
        return
    is_search = pc.fill_null(pc.equal(columns["type"], "search"), False).to_numpy(
        zero_copy_only=False)
    no_item = ~pc.is_valid(columns["item_id"]).to_numpy(zero_copy_only=False)
    no_query = ~pc.is_valid(columns["query"]).to_numpy(zero_copy_only=False)
    typed = pc.is_valid(columns["type"]).to_numpy(zero_copy_only=False)
    _mark(bad_field, reasons, typed & ~is_search & no_item, "item_id",
          lambda i: "required for every event type except search")
    _mark(bad_field, reasons, is_search & no_query, "query",
          lambda i: "a search event needs the query text")


def _extras(spec: RecordSpec, table: pa.Table) -> pa.Array:
    known = set(spec.names)
    names = [n for n in table.column_names if n not in known and n != "extra"]
    if not names and "extra" not in table.column_names:
        return pa.nulls(table.num_rows, pa.string())
    if "extra" in table.column_names or not all(_flat(table.column(n).type) for n in names):
        return _extras_each(names, table)
    # Each present member is written as ", member"; missing ones as "". (pyarrow's own
    # null skipping in binary_join_element_wise drops rows where every value is null.)
    pieces = [pc.fill_null(pc.binary_join_element_wise(", ", member, ""), "")
              for member in (_json_member(n, table.column(n).combine_chunks()) for n in names)]
    joined = pc.binary_join_element_wise(*pieces, "") if len(pieces) > 1 else pieces[0]
    wrapped = pc.binary_join_element_wise("{", pc.utf8_slice_codeunits(joined, 2), "}", "")
    return pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), wrapped)


def _flat(kind: pa.DataType) -> bool:
    return (pa.types.is_string(kind) or pa.types.is_integer(kind) or pa.types.is_floating(kind)
            or pa.types.is_boolean(kind) or pa.types.is_null(kind))


_JSON_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))


def _json_member(name: str, values: pa.Array) -> pa.Array:
    """`"name": value` for each row, null where the value is missing; built column-wise
    because extras ride along with every row of the bulk path."""
    key = json.dumps(name, ensure_ascii=False) + ": "
    if pa.types.is_string(values.type):
        text = values
        for raw, escaped in _JSON_ESCAPES:
            text = pc.replace_substring(text, raw, escaped)
        if pc.any(pc.match_substring_regex(text, "[\x00-\x1f]")).as_py():
            text = pa.array([None if v is None else json.dumps(v, ensure_ascii=False)[1:-1]
                             for v in values.to_pylist()], pa.string())
        text = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), text)
        member = pc.binary_join_element_wise(key + '"', text, '"', "")
    elif pa.types.is_floating(values.type):
        finite = pc.is_finite(values)
        member = pc.binary_join_element_wise(key, pc.cast(pc.if_else(finite, values, None),
                                                          pa.string()), "")
    else:
        text = pc.cast(values, pa.string())
        member = pc.binary_join_element_wise(key, text, "")
    return member


def _extras_each(names: list[str], table: pa.Table) -> pa.Array:
    """Nested values or a given `extra` column: the slow, general path."""
    given = table.column("extra").to_pylist() if "extra" in table.column_names else None
    columns = [table.column(n).to_pylist() for n in names]
    out: list[str | None] = []
    for i in range(table.num_rows):
        row = {n: col[i] for n, col in zip(names, columns, strict=True) if col[i] not in (None, "")}
        if given is not None and given[i]:
            row = {**_as_dict(given[i]), **row}
        out.append(json.dumps(row, ensure_ascii=False, default=str) if row else None)
    return pa.array(out, pa.string())


def _as_dict(value: object) -> dict:
    if isinstance(value, dict):
        return value
    try:
        loaded = json.loads(str(value))
    except json.JSONDecodeError:
        return {"extra": value}
    return loaded if isinstance(loaded, dict) else {"extra": loaded}


def _raw_row(table: pa.Table, i: int) -> dict:
    return {name: table.column(name)[i].as_py() for name in table.column_names}
