"""The `Store` contract: every backend runs these same tests (today: DuckDB)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from shopformer.schema import record_spec
from shopformer.schema.identity import default_person_id
from shopformer.schema.validate import validate_batch
from shopformer.storage import Store, open_store


def _duckdb(tmp_path: Path) -> Store:
    return open_store(f"duckdb://{tmp_path / 'store.duckdb'}")


BACKENDS = [pytest.param(_duckdb, id="duckdb")]


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    opened = request.param(tmp_path)
    yield opened
    opened.close()


def typed(kind: str, **columns) -> pa.Table:
    table = pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})
    checked = validate_batch(record_spec(kind), table, np.arange(1, table.num_rows + 1))
    assert not checked.rejections, checked.rejections
    return checked.table


def events(n: int, account: str = "a1", channel: str = "web", start: int = 0) -> pa.Table:
    return typed("event", event_id=[f"e{start + i}" for i in range(n)],
                 ts=[f"2024-01-01T00:{(start + i) % 60:02d}:00Z" for i in range(n)],
                 account=[account] * n, channel=[channel] * n, type=["view"] * n,
                 item_id=[f"i{i % 7}" for i in range(n)])


def test_append_is_idempotent_by_key(store):
    first = store.append("event", events(10))
    again = store.append("event", events(10))
    more = store.append("event", events(15))
    assert (first.inserted, first.duplicates) == (10, 0)
    assert (again.inserted, again.duplicates) == (0, 10)
    assert (more.inserted, more.duplicates) == (5, 10)
    assert store.count("event") == 15


def test_parts_appended_together_get_a_result_each(store):
    store.append("event", events(3))  # e0..e2 stored before
    results = store.append_parts("event", [events(4), events(3, start=3), events(2, start=10)])
    assert [(r.inserted, r.duplicates) for r in results] == [(1, 3), (2, 1), (2, 0)]
    assert store.count("event") == 8


def test_rows_without_a_key_get_a_content_key(store):
    table = typed("event", ts=["2024-01-01T00:00:00Z"] * 3, account=["a", "a", "b"],
                  channel=["web"] * 3, type=["view"] * 3, item_id=["i1", "i1", "i1"])
    result = store.append("event", table)
    assert (result.inserted, result.duplicates) == (2, 1)  # two identical rows are one event
    assert store.append("event", table).inserted == 0
    ids = [row["event_id"] for b in store.read_batches("event") for row in b.to_pylist()]
    assert all(i.startswith("e_") for i in ids) and len(set(ids)) == 2


def test_a_field_added_later_keeps_the_content_keys_of_rows_stored_before(store):
    """`polarity` came after reviews were stored: a row without a key gets the key the
    version before it gave (recorded from 7e39b9b), or re-ingesting its file would double
    it; its polarity does not change the key."""
    fields = dict(item_id=["i1"], ts=["2024-01-01T00:00:00Z"], account=["a"],
                  channel=["web"], rating=["5"], text=["很好"])
    store.append("review", typed("review", **fields))
    assert store.read_table("review", ["review_id"])["review_id"].to_pylist() == [
        "r_c7a74ce656917bf1bd1bfbf9"]
    again = store.append("review", typed("review", **fields, polarity=["1"]))
    assert (again.inserted, again.duplicates) == (0, 1)


def test_a_store_made_before_a_field_existed_gets_its_column(tmp_path):
    """A workspace made by an earlier version: the new field is added as a column, and
    its rows read with every field, in the spec's order."""
    import duckdb

    store = _duckdb(tmp_path)
    store.append("review", typed("review", review_id=["r1"], text=["很好"], polarity=["1"]))
    store.close()
    with duckdb.connect(str(tmp_path / "store.duckdb")) as con:
        con.execute("ALTER TABLE reviews DROP COLUMN polarity")
    reopened = _duckdb(tmp_path)
    try:
        reopened.append("review", typed("review", review_id=["r2"], text=["差"], polarity=["0"]))
        table = reopened.read_table("review", order_by=["review_id"])
        assert table.column_names[:len(record_spec("review").names)] == list(
            record_spec("review").names)
        assert table["polarity"].to_pylist() == [None, 0]
    finally:
        reopened.close()


def test_items_are_upserted_and_counted(store):
    store.append("item", typed("item", item_id=["i1", "i2"], title=["a", "b"], price=["1", "2"]))
    result = store.append("item", typed("item", item_id=["i1", "i2", "i3"], title=["a", "B", "c"],
                                        price=["1", "2", "3"]))
    assert (result.inserted, result.updated, result.duplicates) == (1, 1, 1)
    titles = {r["item_id"]: r["title"] for b in store.read_batches("item") for r in b.to_pylist()}
    assert titles == {"i1": "a", "i2": "B", "i3": "c"}


def test_orders_move_on_and_keep_what_a_later_row_leaves_out(store):
    """An order stored again after it shipped was a duplicate: its first status stayed for
    ever. Now it is updated; what the new row leaves empty keeps its stored value."""
    import json

    def orders(ids, **columns):
        n = len(ids)
        return typed("order", order_id=ids, account=[f"a-{i}" for i in ids], channel=["web"] * n,
                     ts=["2024-01-01T00:00:00Z"] * n, **columns)

    store.append("order", orders(["o1", "o2"], amount=["30", "40"], status=["paid", "paid"],
                                 payment=["card", "card"]))
    again = store.append("order", orders(["o1", "o2"], amount=["30", "40"],
                                         status=["paid", "paid"], payment=["card", "card"]))
    assert (again.inserted, again.updated, again.duplicates) == (0, 0, 2)
    later = store.append("order", orders(
        ["o1", "o2", "o3"], amount=["30", "40", "5"], status=["shipped", "paid", "paid"],
        tracking=["SF1", "", ""], label=["", "fraud", ""], payment=["", "", ""]))
    assert (later.inserted, later.updated, later.duplicates) == (1, 2, 0)
    rows = {r["order_id"]: r for r in store.read_table("order").to_pylist()}
    assert json.loads(rows["o1"]["extra"]) == {"status": "shipped", "tracking": "SF1"}
    assert rows["o1"]["payment"] == "card"  # left empty: kept
    assert (rows["o2"]["label"], json.loads(rows["o2"]["extra"])) == ("fraud", {"status": "paid"})
    assert store.count("order") == 3
    # a row saying part of what is stored, in another order of keys, changes nothing
    subset = store.append("order", orders(["o1"], amount=["30"], tracking=["SF1"]))
    assert (subset.updated, subset.duplicates) == (0, 1)
    store.erase_person(rows["o1"]["person_id"])
    kept_out = store.append("order", orders(["o1"], amount=["30"], status=["delivered"]))
    assert (kept_out.inserted, kept_out.updated, kept_out.erased) == (0, 0, 1)
    assert store.count("order") == 2


def test_read_batches_streams_in_order(store):
    store.append("event", events(50))
    batches = list(store.read_batches("event", columns=["event_id", "ts"], batch_rows=16,
                                      order_by=["ts", "event_id"]))
    assert sum(b.num_rows for b in batches) == 50
    assert all(b.num_rows <= 16 for b in batches)
    stamps = [t for b in batches for t in b.column("ts").to_pylist()]
    assert stamps == sorted(stamps)
    with pytest.raises(Exception, match="no column"):
        list(store.read_batches("event", columns=["nope"]))


def test_read_since_keeps_only_later_rows(store):
    from datetime import UTC, datetime, timedelta, timezone

    store.append("event", events(50))  # 00:00 … 00:49 UTC
    since = datetime(2024, 1, 1, 0, 39, tzinfo=UTC)
    later = store.read_table("event", ["event_id"], order_by=["event_id"], since=since)
    assert later["event_id"].to_pylist() == sorted(f"e{i}" for i in range(40, 50))
    # the same instant in another zone, or without a zone (read as UTC): the same rows
    beijing = since.astimezone(timezone(timedelta(hours=8)))
    for same in (beijing, since.replace(tzinfo=None)):
        assert store.read_table("event", ["event_id"], since=same).num_rows == 10
    with pytest.raises(Exception, match="no column 'ts'"):
        store.read_table("item", since=since)


def test_person_id_matches_python_twin_and_links_merge_channels(store):
    store.append("event", events(3, account="w1", channel="web"))
    store.append("event", events(2, account="s1", channel="store", start=100))
    assert store.person_of("web", "w1") == default_person_id("web", "w1")
    merged = default_person_id("store", "s1")
    changed = store.replace_persons(pa.table({"channel": ["store", "web"],
                                              "account": ["s1", "w1"],
                                              "person_id": [merged, merged]}))
    assert changed == 2
    timeline = store.person_timeline(merged)
    assert timeline.num_rows == 5
    assert set(timeline.column("channel").to_pylist()) == {"web", "store"}
    stamps = timeline.column("ts").to_pylist()
    assert stamps == sorted(stamps)
    assert store.person_accounts(merged) == [("store", "s1"), ("web", "w1")]
    assert store.persons_map().to_pylist() == [
        {"channel": "store", "account": "s1", "person_id": merged},
        {"channel": "web", "account": "w1", "person_id": merged}]
    # a link that disappears puts the account back on its own
    store.replace_persons(pa.table({"channel": pa.array([], pa.string()),
                                    "account": pa.array([], pa.string()),
                                    "person_id": pa.array([], pa.string())}))
    assert store.person_timeline(merged).num_rows == 2
    assert store.persons_map().num_rows == 0


def test_erase_removes_a_person_everywhere_and_keeps_them_out(store):
    store.append("event", events(4, account="w1"))
    store.append("event", events(3, account="w2", start=50))
    store.append("order", typed("order", order_id=["o1"], account=["w1"], channel=["web"],
                                ts=["2024-01-02T00:00:00Z"], amount=["5"]))
    person = store.person_of("web", "w1")
    deleted = store.erase_person(person)
    assert deleted["event"] == 4 and deleted["order"] == 1
    assert store.count("event") == 3
    again = store.append("event", events(4, account="w1"))
    assert (again.inserted, again.erased) == (0, 4)
    assert store.erased_accounts().to_pylist() == [{"channel": "web", "account": "w1"}]


def test_stats_and_runs(store):
    store.append("event", events(6))
    stats = store.stats()
    assert stats["event"].rows == 6
    assert store.persons_count() == 1
    assert stats["event"].by_channel == {"web": 6}
    assert stats["event"].first_ts == datetime(2024, 1, 1, 0, 0)
    store.record_run({"run_id": "r1", "started": "2024"})
    assert store.runs()[0]["run_id"] == "r1"


def test_unknown_store_scheme_is_refused(tmp_path):
    with pytest.raises(Exception, match="unknown store scheme"):
        open_store("mysql://x")


def test_a_second_writer_is_told_what_to_do_instead(tmp_path):
    """The store takes one writer: an ingest while `shopformer serve` runs stopped with a
    DuckDB lock message and no word of the server's endpoints."""
    import subprocess
    import sys

    from shopformer.core.errors import StoreError

    path = tmp_path / "store.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from shopformer.storage import open_store; "
         f"store = open_store('duckdb://{path}'); print('open', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreError, match="/v1/orders") as refused:
            open_store(f"duckdb://{path}")
        assert "shopformer serve" in str(refused.value)
    finally:
        holder.kill()
        holder.wait()
