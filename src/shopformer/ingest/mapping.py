"""From the shop's own column names and codes to ours: a small TOML file or command-line flags.

```toml
kind = "event"              # event, item, review, turn, order, link, sample
encoding = "gb18030"        # optional; detected when absent
delimiter = ";"             # optional; ',' for .csv, '\\t' for .tsv
header = true               # false: give `names`
time_format = "%m/%d/%Y %H:%M"
timezone = "Asia/Shanghai"  # zone of naive times

[columns]                   # our field = their column
account = "uid"
ts = "time"

[constants]                 # our field = a fixed value for every row
channel = "app"

[values.type]               # their code = our value, per field
pv = "view"
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from shopformer.core.errors import ConfigError
from shopformer.schema.records import ORDER_LINE_FIELDS, record_spec
from shopformer.schema.validate import ParseOptions

_KEYS = {"kind", "encoding", "delimiter", "header", "names", "time_format", "timezone",
         "columns", "constants", "values", "format"}


@dataclass(frozen=True)
class ColumnMapping:
    kind: str
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None
    header: bool = True
    names: tuple[str, ...] = ()
    format: str | None = None
    parse: ParseOptions = field(default_factory=ParseOptions)

    def __post_init__(self) -> None:
        spec = record_spec(self.kind)
        known = [*spec.names, *(f for f in ORDER_LINE_FIELDS
                                 if self.kind == "order" and f not in spec.names)]
        for ours in (*self.columns, *self.constants, *self.values):
            if ours not in known:
                raise ConfigError(f"{self.kind} records have no field {ours!r}; "
                                  f"fields: {', '.join(known)}")
        if not self.header and not self.names:
            raise ConfigError("a file without a header row needs `names` for its columns")
        if self.format not in (None, "csv", "tsv", "jsonl", "parquet", "xlsx"):
            raise ConfigError(f"unknown format {self.format!r}; known: csv, tsv, jsonl, "
                              "parquet, xlsx")

    @classmethod
    def from_toml(cls, path: Path, kind: str | None = None) -> ColumnMapping:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(f"{path}: cannot read mapping: {error}") from None
        unknown = set(data) - _KEYS
        if unknown:
            raise ConfigError(f"{path}: unknown keys {sorted(unknown)}; known: {sorted(_KEYS)}")
        kind = kind or data.get("kind")
        if not kind:
            raise ConfigError(f"{path}: say which records the file holds, e.g. kind = \"event\"")
        return cls(
            kind=kind, columns=dict(data.get("columns", {})),
            constants={k: str(v) for k, v in data.get("constants", {}).items()},
            values={k: {str(a): str(b) for a, b in v.items()}
                    for k, v in data.get("values", {}).items()},
            encoding=data.get("encoding"), delimiter=data.get("delimiter"),
            header=bool(data.get("header", True)), names=tuple(data.get("names", ())),
            format=data.get("format"),
            parse=ParseOptions(data.get("time_format"), data.get("timezone")),
        )

    @classmethod
    def from_flags(cls, kind: str, maps: list[str], sets: list[str], **options: object
                   ) -> ColumnMapping:
        """`--map ours=theirs` and `--set field=value`, as typed on the command line."""
        return cls(kind=kind, columns=_pairs(maps, "--map"), constants=_pairs(sets, "--set"),
                   **options)  # type: ignore[arg-type]

    def merged(self, other: ColumnMapping) -> ColumnMapping:
        """Flags on top of a mapping file: the flags win."""
        return ColumnMapping(
            kind=other.kind, columns={**self.columns, **other.columns},
            constants={**self.constants, **other.constants}, values={**self.values, **other.values},
            encoding=other.encoding or self.encoding, delimiter=other.delimiter or self.delimiter,
            header=self.header and other.header, names=other.names or self.names,
            format=other.format or self.format,
            parse=ParseOptions(other.parse.time_format or self.parse.time_format,
                               other.parse.timezone or self.parse.timezone))

    def apply(self, table: pa.Table, file: str) -> pa.Table:
        """Rename their columns to our fields, add constants, translate codes."""
        missing = [theirs for theirs in self.columns.values() if theirs not in table.column_names]
        if missing:
            raise ConfigError(f"{file}: mapped column(s) {missing} not in the file; "
                              f"columns found: {', '.join(table.column_names)}")
        renamed = {theirs: ours for ours, theirs in self.columns.items()}
        clashing = [c for c in table.column_names if c in self.columns and c not in renamed]
        names = [renamed.get(c, f"source_{c}" if c in clashing else c) for c in table.column_names]
        table = table.rename_columns(names)
        for ours, value in self.constants.items():
            column = pa.array([value] * table.num_rows, pa.string())
            if ours in table.column_names:
                table = table.set_column(table.column_names.index(ours), ours, column)
            else:
                table = table.append_column(ours, column)
        for ours, codes in self.values.items():
            if ours in table.column_names:
                table = table.set_column(table.column_names.index(ours), ours,
                                         _translate(table.column(ours), codes))
        return table


def _translate(column: pa.ChunkedArray, codes: dict[str, str]) -> pa.Array:
    strings = pc.cast(column, pa.string())
    encoded = pc.dictionary_encode(strings.combine_chunks())
    mapped = [codes.get(v, v) for v in encoded.dictionary.to_pylist()]
    return pc.take(pa.array(mapped, pa.string()), encoded.indices)


def _pairs(items: list[str], flag: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{flag} takes field=value, got {item!r}")
        pairs[key.strip()] = value.strip()
    return pairs
