"""The `Store` interface every backend implements, and `open_store(url)` to pick one.

Records arrive validated and already pseudonymized; the store's jobs are to keep each record
exactly once (append is idempotent by record key), to give them back in batches or per
person, and to forget a person completely when asked.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from shopformer.core.errors import ConfigError
from shopformer.schema.records import record_spec
from shopformer.schema.validate import arrow_schema


@dataclass(frozen=True)
class AppendResult:
    inserted: int = 0
    duplicates: int = 0
    updated: int = 0  # items and orders: a known one whose fields changed
    erased: int = 0  # rows of persons who asked to be forgotten, not stored again

    def __add__(self, other: AppendResult) -> AppendResult:
        return AppendResult(self.inserted + other.inserted, self.duplicates + other.duplicates,
                            self.updated + other.updated, self.erased + other.erased)


@dataclass(frozen=True)
class KindStats:
    rows: int
    first_ts: datetime | None = None
    last_ts: datetime | None = None
    by_channel: dict[str, int] = field(default_factory=dict)
    by_type: dict[str, int] = field(default_factory=dict)


class Store(ABC):
    """Append-only, deduplicated record storage with per-person access and erasure."""

    @abstractmethod
    def append(self, kind: str, table: pa.Table) -> AppendResult:
        """Store rows of one record kind (columns as `schema.validate.arrow_schema`); rows whose
        key is already stored are counted as duplicates and left alone (items and orders:
        updated, an order's empty fields keeping what was stored)."""

    def append_parts(self, kind: str, tables: list[pa.Table]) -> list[AppendResult]:
        """`append` for several batches at once, a result for each: a backend may store
        them in one transaction (the server commits concurrent requests together)."""
        return [self.append(kind, table) for table in tables]

    @abstractmethod
    def read_batches(self, kind: str, *, columns: list[str] | None = None,
                     batch_rows: int = 65_536, order_by: list[str] | None = None,
                     since: datetime | None = None) -> Iterator[pa.RecordBatch]:
        """Stream every stored row of a kind, in batches; with `since`, only the rows whose
        `ts` is later (a time without a zone is UTC, as stored; a kind without `ts` refuses
        it)."""

    @abstractmethod
    def meta(self, key: str) -> str | None:
        """A setting the store keeps about itself (the privacy rules its rows follow)."""

    @abstractmethod
    def set_meta(self, key: str, value: str) -> None: ...

    @abstractmethod
    def extra_names(self, kind: str) -> set[str]:
        """Every column name kept in the `extra` of a kind's stored rows."""

    @abstractmethod
    def rows_with_extra(self, kind: str, names: list[str]) -> pa.Table:
        """(key, extra) of the stored rows whose `extra` holds any of `names`."""

    @abstractmethod
    def replace_extras(self, kind: str, rows: pa.Table) -> int:
        """Give stored rows (key, extra) a new `extra`; rows keyed by their content are
        keyed anew. Returns how many rows changed."""

    @abstractmethod
    def read_keys(self, kind: str, keys: list[str]) -> pa.Table:
        """The stored rows of a kind whose key is one of `keys` (every column)."""

    def read_table(self, kind: str, columns: list[str] | None = None,
                   order_by: list[str] | None = None, since: datetime | None = None
                   ) -> pa.Table:
        """Every stored row of a kind as one table, typed even when there are none; in
        `order_by` order when given (else in whatever order the store reads fastest);
        with `since`, only rows whose `ts` is later."""
        batches = list(self.read_batches(kind, columns=columns, order_by=order_by,
                                         since=since))
        if batches:
            return pa.Table.from_batches(batches)
        schema = arrow_schema(record_spec(kind))
        names = columns or schema.names
        return pa.table({name: pa.array([], schema.field(name).type if name in schema.names
                                         else pa.string()) for name in names})

    @abstractmethod
    def count(self, kind: str) -> int: ...

    @abstractmethod
    def person_timeline(self, person_id: str) -> pa.Table:
        """All of one person's events across channels, in time order."""

    @abstractmethod
    def person_accounts(self, person_id: str) -> list[tuple[str, str]]:
        """The (channel, account) pairs that make up a person."""

    @abstractmethod
    def person_of(self, channel: str, account: str) -> str: ...

    @abstractmethod
    def links(self) -> pa.Table:
        """Every identity link: channel_a, account_a, channel_b, account_b."""

    @abstractmethod
    def persons_map(self) -> pa.Table:
        """Every linked account's person: channel, account, person_id (accounts in no link
        are their own person, `schema.identity.default_person_id`)."""

    @abstractmethod
    def replace_persons(self, mapping: pa.Table) -> int:
        """Make `mapping` (channel, account, person_id) the linked accounts' persons; every
        stored row follows. Returns how many accounts changed person."""

    @abstractmethod
    def erase_person(self, person_id: str) -> dict[str, int]:
        """Delete every row of a person and keep them from coming back; rows deleted per kind."""

    @abstractmethod
    def erased_accounts(self) -> pa.Table:
        """channel, account of every erased person's accounts (kept out of later ingests)."""

    @abstractmethod
    def stats(self) -> dict[str, KindStats]: ...

    @abstractmethod
    def persons_count(self) -> int:
        """How many distinct persons have any stored record."""

    @abstractmethod
    def record_run(self, run: dict) -> None:
        """Keep the summary of one ingest run (no raw data in it)."""

    @abstractmethod
    def runs(self) -> list[dict]: ...

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(url: str | Path) -> Store:
    """`duckdb:///path/shop.duckdb` (or a plain path) for the embedded store."""
    text = str(url)
    if text.startswith("duckdb://"):
        text = text.removeprefix("duckdb://")
    elif "://" in text:
        scheme = text.split("://", 1)[0]
        raise ConfigError(f"unknown store scheme {scheme!r}; known: duckdb "
                          "(PostgreSQL arrives with the scale-out work)")
    from shopformer.storage.duckdb_store import DuckDBStore

    return DuckDBStore(Path(text))
