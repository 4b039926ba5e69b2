"""The embedded default: one DuckDB file in the workspace, nothing to install or start.

Each append is one transaction, so a crash (even SIGKILL) leaves whole batches or nothing;
record keys make re-running an interrupted ingest add exactly what was missing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from shopformer.core.errors import StoreError
from shopformer.schema.identity import PERSON_ID_CHARS
from shopformer.schema.records import RECORDS, FieldType, RecordSpec, record_spec
from shopformer.schema.validate import arrow_schema
from shopformer.storage.base import AppendResult, KindStats, Store

SCHEMA_VERSION = "1"
_SQL_TYPES = {FieldType.STRING: "VARCHAR", FieldType.TIMESTAMP: "TIMESTAMP",
              FieldType.FLOAT: "DOUBLE", FieldType.INT: "BIGINT", FieldType.JSON: "VARCHAR",
              FieldType.STRING_LIST: "VARCHAR[]"}
PERSON_TABLES = [spec for spec in RECORDS.values() if spec.has_person]


def default_person_sql(channel: str, account: str) -> str:
    """SQL twin of `schema.identity.default_person_id`."""
    return (f"'p_' || left(sha256(coalesce({channel}, '') || ':' || {account}), "
            f"{PERSON_ID_CHARS})")


def _key_sql(spec: RecordSpec) -> str:
    """The record key: given, built from its parts, or derived from the whole row's content."""
    if spec.key_from and all(spec.field(name).required for name in spec.key_from):
        return " || ':' || ".join(f"CAST(b.{name} AS VARCHAR)" for name in spec.key_from)
    if spec.kind == "link":
        a, b = "b.channel_a || ':' || b.account_a", "b.channel_b || ':' || b.account_b"
        return f"'l_' || left(sha256(least({a}, {b}) || '|' || greatest({a}, {b})), 24)"
    # Empty strings never reach the store (the validator turns them into NULL), so '' can
    # stand for NULL here; the unit separator keeps neighbouring fields apart.
    derived = _derived_key_sql(spec)
    if spec.key_from:  # built from its parts when the row has them all (NULL otherwise)
        given = " || ':' || ".join(f"CAST(b.{name} AS VARCHAR)" for name in spec.key_from)
        return f"coalesce({given}, {derived})"
    return f"coalesce(b.{spec.key}, {derived})"


def _derived_key_sql(spec: RecordSpec, extra: str = "b.extra") -> str:
    """The key a row without one of its own takes: a digest of its content, `extra`
    included."""
    parts = [f"coalesce(CAST(b.{f.name} AS VARCHAR), '')" for f in spec.fields
             if f.name != spec.key and f.in_derived_key] + [f"coalesce({extra}, '')"]
    return f"'{spec.kind[0]}_' || left(md5(concat_ws(chr(31), {', '.join(parts)})), 24)"


def _columns(spec: RecordSpec) -> list[str]:
    names = [*list(spec.names), "extra"]
    if spec.key not in names:
        names.insert(0, spec.key)
    if spec.has_person:
        names.append("person_id")
    return names


# kinds whose known keys are updated rather than left alone: the catalog (an item's fields
# as the latest export gives them) and orders, whose status moves on after they are first
# stored (shipped, delivered, refunded, found to be fraud); an order's later export may say
# less, so its empty fields keep what was stored (True: merge)
UPSERTED = {"item": False, "order": True}


class DuckDBStore(Store):
    """`Store` on a DuckDB file (see storage.base.Store for the contract)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._write_lock = threading.RLock()
        try:
            self._con = duckdb.connect(str(path))
        except duckdb.IOException as error:
            raise StoreError(f"cannot open {path}: {error} (is another shopformer process "
                             "using this workspace? The store takes one writer: while "
                             "`shopformer serve` runs, send events, orders, items and "
                             "reviews to its POST /v1/events, /v1/orders, /v1/items and "
                             "/v1/reviews, or stop it to ingest files)") from None
        self._create()

    # --- schema -----------------------------------------------------------------------
    def _create(self) -> None:
        con = self._con
        con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        found = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        if found and found[0][0] != SCHEMA_VERSION:
            raise StoreError(f"{self.path}: store schema {found[0][0]}, this Shopformer reads "
                             f"{SCHEMA_VERSION}; upgrade Shopformer or re-ingest")
        con.begin()
        for spec in RECORDS.values():
            con.execute(self._table_ddl(spec))
            for field in spec.fields:  # a field added since the store was made: a new column
                con.execute(f"ALTER TABLE {spec.table} ADD COLUMN IF NOT EXISTS {field.name} "
                            f"{_SQL_TYPES[field.type]}")
        con.execute("CREATE TABLE IF NOT EXISTS persons (channel VARCHAR, account VARCHAR, "
                    "person_id VARCHAR NOT NULL, PRIMARY KEY (channel, account))")
        con.execute("CREATE TABLE IF NOT EXISTS erased (channel VARCHAR, account VARCHAR, "
                    "erased_at TIMESTAMP DEFAULT now(), PRIMARY KEY (channel, account))")
        con.execute("CREATE TABLE IF NOT EXISTS ingest_runs (run_id VARCHAR PRIMARY KEY, "
                    "summary VARCHAR)")
        con.execute("INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
                    [SCHEMA_VERSION]).fetchall()
        con.commit()

    @staticmethod
    def _table_ddl(spec: RecordSpec) -> str:
        """Items are upserted, so their key is a primary key. Append-only kinds are
        deduplicated by an anti-join inside the writer's transaction instead: on the bulk
        path that is twice as fast as maintaining a unique index, and DuckDB's file lock
        (plus `_write_lock` within the process) makes this the only writer."""
        unique = " PRIMARY KEY" if spec.kind == "item" else ""
        columns = [f"{spec.key} VARCHAR"] if spec.key not in spec.names else []
        for field in spec.fields:
            sql_type = _SQL_TYPES[field.type]
            key = unique if field.name == spec.key else ""
            columns.append(f"{field.name} {sql_type}{key}")
        columns.append("extra VARCHAR")
        if spec.has_person:
            columns.append("person_id VARCHAR")
        return f"CREATE TABLE IF NOT EXISTS {spec.table} ({', '.join(columns)})"

    # --- writing ----------------------------------------------------------------------
    def append(self, kind: str, table: pa.Table) -> AppendResult:
        return self.append_parts(kind, [table])[0]

    def append_parts(self, kind: str, tables: list[pa.Table]) -> list[AppendResult]:
        """One transaction and one duplicate check for all the parts (earlier parts win a
        key they share with later ones); items are upserted one part at a time."""
        spec = record_spec(kind)
        schema = arrow_schema(spec)
        parts = [t.select(list(schema.names)).cast(schema) for t in tables]
        with self._write_lock:
            if kind in UPSERTED:
                return [self._in_transaction(_positioned(part),
                                             lambda n=part.num_rows: self._upsert(spec, n))
                        for part in parts]
            sizes = np.array([part.num_rows for part in parts], np.int64)
            erased_at, inserted_at = self._in_transaction(
                _positioned(pa.concat_tables(parts)), lambda: self._insert_new(spec))
        part_of = np.repeat(np.arange(len(sizes)), sizes)
        erased = np.bincount(part_of[erased_at], minlength=len(sizes))
        inserted = np.bincount(part_of[inserted_at], minlength=len(sizes))
        return [AppendResult(int(i), int(n - i - e), 0, int(e))
                for n, i, e in zip(sizes, inserted, erased, strict=True)]

    def _in_transaction(self, batch: pa.Table, write):
        """`write()` in one transaction, with `batch` registered as `_batch`."""
        con = self._con
        con.register("_batch", batch)
        try:
            con.begin()
            result = write()
            con.commit()
            return result
        except BaseException:
            con.rollback()
            raise
        finally:
            con.unregister("_batch")

    def _upsert(self, spec: RecordSpec, rows: int) -> AppendResult:
        con = self._con
        con.execute(f"CREATE OR REPLACE TEMP TABLE _staged AS {self._staging_sql(spec)}")
        erased = 0
        condition = self._erased_condition(spec)
        if condition and con.execute("SELECT count(*) FROM erased").fetchall()[0][0]:
            kept_out = f"EXISTS (SELECT 1 FROM erased e WHERE {condition})"
            erased = con.execute(f"SELECT count(*) FROM _staged s WHERE {kept_out}"
                                 ).fetchall()[0][0]
            con.execute(f"CREATE OR REPLACE TEMP TABLE _staged AS SELECT * FROM _staged s "
                        f"WHERE NOT {kept_out}")
        inserted, updated = self._upsert_rows(spec, merge=UPSERTED[spec.kind])
        con.execute("DROP TABLE _staged")
        return AppendResult(inserted, rows - inserted - updated - erased, updated, erased)

    def _staging_sql(self, spec: RecordSpec) -> str:
        fields = ", ".join(f"b.{name}" for name in spec.names if name != spec.key)
        select = [f"{_key_sql(spec)} AS {spec.key}", fields, "b.extra", "b._pos"]
        join = ""
        if spec.has_person:
            default = default_person_sql("b.channel", "b.account")
            select.append(f"CASE WHEN b.account IS NULL THEN NULL "
                          f"ELSE coalesce(p.person_id, {default}) END AS person_id")
            join = ("LEFT JOIN persons p ON p.channel IS NOT DISTINCT FROM b.channel "
                    "AND p.account = b.account")
        return f"SELECT {', '.join(select)} FROM _batch b {join}"

    def _insert_new(self, spec: RecordSpec) -> tuple[np.ndarray, np.ndarray]:
        """Key, person, erased filter, in-batch and stored duplicates, in one pass over the
        stored keys. Returns the batch positions (`_pos`) of the rows kept out because
        their person was erased, and of the rows inserted."""
        con = self._con
        staged = f"({self._staging_sql(spec)}) s"
        erased_filter, erased = "", np.zeros(0, np.int64)
        condition = self._erased_condition(spec)
        if condition and con.execute("SELECT count(*) FROM erased").fetchall()[0][0]:
            erased_filter = f"WHERE NOT EXISTS (SELECT 1 FROM erased e WHERE {condition})"
            erased = _positions(con.execute(
                f"SELECT _pos FROM {staged} WHERE EXISTS "
                f"(SELECT 1 FROM erased e WHERE {condition})").fetchall())
        columns = ", ".join(_columns(spec))
        stored = f"NOT EXISTS (SELECT 1 FROM {spec.table} t WHERE t.{spec.key} = s.{spec.key})"
        where = f"{erased_filter} AND {stored}" if erased_filter else f"WHERE {stored}"
        con.execute(f"CREATE OR REPLACE TEMP TABLE _new AS SELECT {columns}, _pos "
                    f"FROM {staged} {where} "
                    f"QUALIFY row_number() OVER (PARTITION BY {spec.key} ORDER BY _pos) = 1")
        con.execute(f"INSERT INTO {spec.table} ({columns}) SELECT {columns} FROM _new")
        inserted = _positions(con.execute("SELECT _pos FROM _new").fetchall())
        con.execute("DROP TABLE _new")
        return erased, inserted

    @staticmethod
    def _erased_condition(spec: RecordSpec) -> str | None:
        if spec.has_person:
            return "e.channel IS NOT DISTINCT FROM s.channel AND e.account = s.account"
        if spec.kind == "link":
            return ("(e.channel = s.channel_a AND e.account = s.account_a) OR "
                    "(e.channel = s.channel_b AND e.account = s.account_b)")
        return None

    def _upsert_rows(self, spec: RecordSpec, merge: bool) -> tuple[int, int]:
        """Insert new keys, update known ones whose fields changed: (inserted, updated).
        `merge`: a field the new row leaves empty keeps its stored value, and `extra` keeps
        the stored keys the new row lacks (an order's later export may say less)."""
        con, key, table = self._con, spec.key, spec.table
        con.execute(f"CREATE OR REPLACE TEMP TABLE _latest AS SELECT * FROM _staged "
                    f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY _pos DESC) = 1")
        fields = [n for n in _columns(spec) if n not in (key, "extra")]
        if merge:
            # `extra` changed when the new row gives a key a value the stored row lacks
            # (compared key by key: a merge patch moves the keys it writes to the end)
            extra_changed = (
                "(s.extra IS NOT NULL AND (t.extra IS NULL OR EXISTS (SELECT 1 FROM "
                "json_each(s.extra) e WHERE json_extract(t.extra, '$.' || "
                "to_json(e.key)::VARCHAR) IS DISTINCT FROM e.value)))")
            changed = " OR ".join(
                [f"(s.{n} IS NOT NULL AND s.{n} IS DISTINCT FROM t.{n})" for n in fields]
                + [extra_changed])
        else:
            changed = " OR ".join(f"s.{n} IS DISTINCT FROM t.{n}" for n in [*fields, "extra"])
        known = f"FROM _latest s JOIN {table} t USING ({key})"
        updated = con.execute(f"SELECT count(*) {known} WHERE {changed}").fetchall()[0][0]
        stored = con.execute(f"SELECT count(*) {known}").fetchall()[0][0]
        total = con.execute("SELECT count(*) FROM _latest").fetchall()[0][0]
        columns = ", ".join(_columns(spec))
        if merge:  # orders have no unique index (`_table_ddl`): update, then add the new
            assignments = ", ".join([f"{n} = coalesce(s.{n}, t.{n})" for n in fields]
                                    + [f"extra = ({_merged_extra('s', 't')})::VARCHAR"])
            con.execute(f"UPDATE {table} AS t SET {assignments} FROM _latest AS s "
                        f"WHERE t.{key} = s.{key} AND ({changed})").fetchall()
            con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _latest s "
                        f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.{key} = s.{key})"
                        ).fetchall()
        else:
            assignments = ", ".join(f"{n} = excluded.{n}" for n in [*fields, "extra"])
            con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _latest "
                        f"ON CONFLICT ({key}) DO UPDATE SET {assignments}").fetchall()
        con.execute("DROP TABLE _latest")
        return total - stored, updated

    # --- identity ---------------------------------------------------------------------
    def links(self) -> pa.Table:
        return self._con.sql("SELECT channel_a, account_a, channel_b, account_b FROM links "
                             "ORDER BY link_id").to_arrow_table()

    def replace_persons(self, mapping: pa.Table) -> int:
        with self._write_lock:
            return self._replace_persons_locked(mapping)

    def _replace_persons_locked(self, mapping: pa.Table) -> int:
        con = self._con
        con.register("_mapping", mapping.select(["channel", "account", "person_id"]))
        try:
            con.begin()
            con.execute("CREATE OR REPLACE TEMP TABLE _changed AS "
                        "SELECT coalesce(n.channel, o.channel) AS channel, "
                        "coalesce(n.account, o.account) AS account, n.person_id "
                        "FROM _mapping n FULL OUTER JOIN persons o "
                        "ON n.channel IS NOT DISTINCT FROM o.channel AND n.account = o.account "
                        "WHERE n.person_id IS DISTINCT FROM o.person_id")
            changed = con.execute("SELECT count(*) FROM _changed").fetchall()[0][0]
            if changed:
                con.execute("DELETE FROM persons")
                con.execute("INSERT INTO persons SELECT channel, account, person_id FROM _mapping")
                default = default_person_sql("t.channel", "t.account")
                for spec in PERSON_TABLES:
                    con.execute(
                        f"UPDATE {spec.table} t SET person_id = coalesce(c.person_id, {default}) "
                        "FROM _changed c WHERE t.channel IS NOT DISTINCT FROM c.channel "
                        "AND t.account = c.account").fetchall()
            con.execute("DROP TABLE _changed")
            con.commit()
        except BaseException:
            con.rollback()
            raise
        finally:
            con.unregister("_mapping")
        return changed

    def erased_accounts(self) -> pa.Table:
        return self._con.sql("SELECT channel, account FROM erased "
                             "ORDER BY channel, account").to_arrow_table()

    def persons_map(self) -> pa.Table:
        return self._con.sql("SELECT channel, account, person_id FROM persons "
                                 "ORDER BY channel, account").to_arrow_table()

    def person_of(self, channel: str, account: str) -> str:
        found = self._con.execute(
            "SELECT person_id FROM persons WHERE channel = ? AND account = ?", [channel, account]
        ).fetchall()
        if found:
            return found[0][0]
        return self._con.execute(f"SELECT {default_person_sql('?', '?')}",
                                 [channel, account]).fetchall()[0][0]

    def person_accounts(self, person_id: str) -> list[tuple[str, str]]:
        parts = ["SELECT channel, account FROM persons WHERE person_id = $1"]
        parts += [f"SELECT DISTINCT channel, account FROM {spec.table} WHERE person_id = $1"
                  for spec in PERSON_TABLES]
        query = " UNION ".join(parts) + " ORDER BY channel, account"
        return [tuple(row) for row in self._con.execute(query, [person_id]).fetchall()]

    def person_timeline(self, person_id: str) -> pa.Table:
        return self._con.sql("SELECT * FROM events WHERE person_id = $1 ORDER BY ts, event_id",
                             params=[person_id]).to_arrow_table()

    def erase_person(self, person_id: str) -> dict[str, int]:
        with self._write_lock:
            return self._erase_locked(person_id)

    def _erase_locked(self, person_id: str) -> dict[str, int]:
        accounts = self.person_accounts(person_id)
        con = self._con
        deleted: dict[str, int] = {}
        try:
            con.begin()
            for spec in PERSON_TABLES:
                deleted[spec.kind] = con.execute(
                    f"DELETE FROM {spec.table} WHERE person_id = ?", [person_id]).fetchall()[0][0]
            links = 0
            for channel, account in accounts:
                links += con.execute(
                    "DELETE FROM links WHERE (channel_a = $1 AND account_a = $2) "
                    "OR (channel_b = $1 AND account_b = $2)", [channel, account]).fetchall()[0][0]
                con.execute("INSERT INTO erased (channel, account) VALUES (?, ?) "
                            "ON CONFLICT DO NOTHING", [channel, account]).fetchall()
            deleted["link"] = links
            con.execute("DELETE FROM persons WHERE person_id = ?", [person_id]).fetchall()
            con.commit()
        except BaseException:
            con.rollback()
            raise
        con.execute("CHECKPOINT").fetchall()  # the deleted rows leave the write-ahead log now
        return deleted

    # --- reading ----------------------------------------------------------------------
    def read_batches(self, kind: str, *, columns: list[str] | None = None,
                     batch_rows: int = 65_536, order_by: list[str] | None = None,
                     since: datetime | None = None) -> Iterator[pa.RecordBatch]:
        spec = record_spec(kind)
        known = set(_columns(spec))
        for name in [*(columns or []), *(order_by or []), *(["ts"] if since else [])]:
            if name not in known:
                raise StoreError(f"{kind} records have no column {name!r}")
        if since is not None and since.tzinfo is not None:  # stored as UTC, without a zone
            since = since.astimezone(UTC).replace(tzinfo=None)
        # the spec's order, also in a store whose later fields were added as new columns
        select = ", ".join(columns or _columns(spec))
        where = " WHERE ts > $since" if since is not None else ""
        order = f" ORDER BY {', '.join(order_by)}" if order_by else ""
        cursor = self._con.cursor()
        try:
            reader = cursor.sql(f"SELECT {select} FROM {spec.table}{where}{order}",
                                params={"since": since} if since is not None else None
                                ).to_arrow_reader(batch_rows)
            yield from reader
        finally:
            cursor.close()

    def read_keys(self, kind: str, keys: list[str]) -> pa.Table:
        spec = record_spec(kind)
        cursor = self._con.cursor()
        try:
            return cursor.sql(f"SELECT {', '.join(_columns(spec))} FROM {spec.table} "
                              f"WHERE {spec.key} IN (SELECT unnest($keys))",
                              params={"keys": list(keys)}).to_arrow_table()
        finally:
            cursor.close()

    def meta(self, key: str) -> str | None:
        found = self._con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
        return found[0][0] if found else None

    def set_meta(self, key: str, value: str) -> None:
        with self._write_lock:
            self._con.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                              "SET value = excluded.value", [key, value]).fetchall()

    def extra_names(self, kind: str) -> set[str]:
        table = record_spec(kind).table
        rows = self._con.execute(f"SELECT DISTINCT unnest(json_keys(extra)) FROM {table} "
                                 "WHERE extra IS NOT NULL").fetchall()
        return {row[0] for row in rows}

    def rows_with_extra(self, kind: str, names: list[str]) -> pa.Table:
        spec = record_spec(kind)
        cursor = self._con.cursor()
        try:
            return cursor.sql(
                f"SELECT {spec.key}, extra FROM {spec.table} WHERE extra IS NOT NULL AND "
                "len(list_intersect(json_keys(extra), $names)) > 0",
                params={"names": names}).to_arrow_table()
        finally:
            cursor.close()

    def replace_extras(self, kind: str, rows: pa.Table) -> int:
        """Give stored rows (`key`, new `extra`) their new extra, in one transaction; a row
        whose key was derived from its content is keyed anew by its new content, so that
        the same row ingested again is known."""
        spec = record_spec(kind)
        key, table = spec.key, spec.table
        columns = _columns(spec)
        old = _derived_key_sql(spec)
        new = _derived_key_sql(spec, "b.new_extra")
        with self._write_lock:
            con = self._con
            con.register("_new_extra", rows.select([key, "extra"]).rename_columns(
                [key, "new_extra"]))
            try:
                con.begin()
                con.execute(f"CREATE OR REPLACE TEMP TABLE _rekeyed AS SELECT b.*, "
                            f"CASE WHEN b.{key} = {old} THEN {new} ELSE b.{key} END AS _key "
                            f"FROM (SELECT t.*, n.new_extra FROM {table} t JOIN _new_extra n "
                            f"USING ({key})) b")
                con.execute(f"DELETE FROM {table} WHERE {key} IN "
                            f"(SELECT {key} FROM _rekeyed)").fetchall()
                chosen = ", ".join("_key" if c == key else "new_extra" if c == "extra" else c
                                   for c in columns)
                con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {chosen} "
                            f"FROM _rekeyed QUALIFY row_number() OVER (PARTITION BY _key) = 1"
                            ).fetchall()
                changed = con.execute("SELECT count(*) FROM _rekeyed").fetchall()[0][0]
                con.execute("DROP TABLE _rekeyed")
                con.commit()
            except BaseException:
                con.rollback()
                raise
            finally:
                con.unregister("_new_extra")
        return changed

    def count(self, kind: str) -> int:
        return self._con.execute(f"SELECT count(*) FROM {record_spec(kind).table}").fetchall()[0][0]

    def stats(self) -> dict[str, KindStats]:
        out = {}
        for spec in RECORDS.values():
            rows = self.count(spec.kind)
            first = last = None
            if "ts" in spec.names:
                first, last = self._con.execute(
                    f"SELECT min(ts), max(ts) FROM {spec.table}").fetchall()[0]
            by_channel = self._group(spec, "channel") if "channel" in spec.names else {}
            by_type = self._group(spec, "type") if "type" in spec.names else {}
            if spec.kind == "sample":
                by_type = self._group(spec, "dataset")
            out[spec.kind] = KindStats(rows, first, last, by_channel, by_type)
        return out

    def _group(self, spec: RecordSpec, column: str) -> dict[str, int]:
        rows = self._con.execute(f"SELECT coalesce({column}, '(none)'), count(*) FROM "
                                 f"{spec.table} GROUP BY 1 ORDER BY 2 DESC").fetchall()
        return dict(rows)

    def persons_count(self) -> int:
        parts = " UNION ".join(f"SELECT person_id FROM {s.table} WHERE person_id IS NOT NULL"
                               for s in PERSON_TABLES)
        return self._con.execute(f"SELECT count(DISTINCT person_id) FROM ({parts})"
                                 ).fetchall()[0][0]

    def record_run(self, run: dict) -> None:
        self._con.execute("INSERT INTO ingest_runs VALUES (?, ?)",
                          [run["run_id"], json.dumps(run, default=str)]).fetchall()

    def runs(self) -> list[dict]:
        rows = self._con.execute("SELECT summary FROM ingest_runs").fetchall()
        return sorted((json.loads(r[0]) for r in rows), key=lambda r: r.get("started", ""))

    def close(self) -> None:
        self._con.close()


def _merged_extra(new: str, old: str) -> str:
    """SQL: the stored row's `extra` with the new row's keys written over it."""
    return (f"CASE WHEN {new}.extra IS NULL THEN {old}.extra WHEN {old}.extra IS NULL "
            f"THEN {new}.extra ELSE json_merge_patch({old}.extra, {new}.extra) END")


def _positions(rows: list[tuple]) -> np.ndarray:
    return np.fromiter((row[0] for row in rows), np.int64, len(rows))


def _positioned(table: pa.Table) -> pa.Table:
    """The rows with their batch position `_pos` (earlier rows win a shared key)."""
    return table.append_column("_pos", pa.array(np.arange(table.num_rows)))
