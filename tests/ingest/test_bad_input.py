"""A malformed row is never silently dropped: a located error, or a rejects file and counts."""

from __future__ import annotations

import json

import pytest
from tests.conftest import write

from shopformer.core.errors import InputError
from shopformer.ingest.mapping import ColumnMapping

HEADER = "event_id,ts,account,channel,type,item_id,price\n"
GOOD = "e1,2024-05-01T10:00:00Z,u1,web,view,i1,9.5\ne2,2024-05-01T10:01:00Z,u1,app,cart,i1,9.5\n"


def ingest(workspace, path, rejects=None, kind="event"):
    return workspace.ingest(path, mapping=ColumnMapping(kind=kind), rejects=rejects)


def test_unparsable_time_stops_with_file_row_and_field(workspace, tmp_path):
    path = write(tmp_path / "events.csv", HEADER + GOOD + "e3,yesterday-ish,u2,web,view,i2,1\n")
    with pytest.raises(InputError) as caught:
        ingest(workspace, path)
    message = str(caught.value)
    assert str(path) in message and "row 3" in message and "'ts'" in message
    assert "yesterday-ish" in message and "ISO 8601" in message


def test_a_stop_says_what_is_stored_and_how_to_go_on(workspace, tmp_path):
    """Earlier batches of the file are stored when a later one stops the run; the error
    says so, and a run after the fix stores only the rest."""
    bad = "e3,yesterday-ish,u2,web,view,i2,1\ne4,2024-05-01T10:02:00Z,u2,web,teleport,i2,1\n"
    path = write(tmp_path / "events.csv", HEADER + GOOD + bad)
    with pytest.raises(InputError) as caught:
        workspace.ingest(path, mapping=ColumnMapping(kind="event"), batch_rows=2)
    message = str(caught.value)
    assert "row 3" in message and "2 bad rows of 2 in this batch" in message
    assert "the 2 rows before it are stored" in message and "--rejects" in message
    fixed = write(tmp_path / "fixed.csv", HEADER + GOOD + bad.replace(
        "yesterday-ish", "2024-05-01T10:01:30Z").replace("teleport", "view"))
    again = ingest(workspace, fixed).kinds["event"]
    assert (again.accepted, again.duplicates) == (2, 2)


def test_rejects_file_keeps_bad_rows_and_counts_add_up(workspace, tmp_path):
    bad = ("e3,not-a-time,u2,web,view,i2,1\n"
           "e4,2024-05-01T10:02:00Z,u2,web,view,i2,-3\n"
           "e5,2024-05-01T10:03:00Z,u2,web,teleport,i2,1\n"
           "e6,2024-05-01T10:04:00Z,,web,view,i2,1\n")
    path = write(tmp_path / "events.csv", HEADER + GOOD + bad)
    rejects = tmp_path / "rejects.jsonl"
    summary = ingest(workspace, path, rejects)
    counts = summary.kinds["event"]
    assert (counts.accepted, counts.duplicates, counts.rejected) == (2, 0, 4)
    lines = [json.loads(line) for line in rejects.read_text().splitlines()]
    found = {(line["row"], line["field"]) for line in lines}
    assert found == {(3, "ts"), (4, "price"), (5, "type"), (6, "account")}
    reasons = {line["field"]: line["reason"] for line in lines}
    assert ">= 0" in reasons["price"] and "-3" in reasons["price"]
    assert "view" in reasons["type"] and "teleport" in reasons["type"]
    assert all(line["file"] == str(path) for line in lines)
    again = ingest(workspace, path, tmp_path / "rejects2.jsonl").kinds["event"]
    assert (again.accepted, again.duplicates, again.rejected) == (0, 2, 4)


def test_negative_price_stops_without_rejects_file(workspace, tmp_path):
    path = write(tmp_path / "e.csv", HEADER + "e1,2024-05-01T10:00:00Z,u1,web,view,i1,-0.01\n")
    with pytest.raises(InputError, match=r"row 1, field 'price': expected a number >= 0"):
        ingest(workspace, path)


def test_row_with_wrong_number_of_fields(workspace, tmp_path):
    path = write(tmp_path / "e.csv", HEADER + GOOD + "e3,2024-05-01T10:00:00Z,u1\n" + GOOD)
    with pytest.raises(InputError, match=r"row 3.*expected 7 fields"):
        ingest(workspace, path)
    summary = ingest(workspace, path, tmp_path / "r.jsonl")
    assert summary.kinds["event"].rejected == 1
    assert summary.kinds["event"].accepted == 2 and summary.kinds["event"].duplicates == 2


def test_gbk_file_is_detected_and_read(workspace, tmp_path):
    text = ("review_id,item_id,text,rating\n"
            "r1,i1,质量很好，物流也快，下次还会再来购买这家店的东西,5\n"
            "r2,i1,包装破损了，客服态度还不错，总体一般般吧,3\n")
    path = write(tmp_path / "reviews.csv", text, encoding="gbk")
    assert ingest(workspace, path, kind="review").kinds["review"].accepted == 2
    stored = [r["text"] for b in workspace.store.read_batches("review") for r in b.to_pylist()]
    assert "质量很好，物流也快，下次还会再来购买这家店的东西" in stored


def test_gbk_file_declared_utf8_names_the_row(workspace, tmp_path):
    text = "review_id,item_id,text\nr1,i1,fine\nr2,i1,质量很好\n"
    path = write(tmp_path / "reviews.csv", text, encoding="gbk")
    mapping = ColumnMapping(kind="review", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2.*not valid utf-8.*gb18030"):
        workspace.ingest(path, mapping=mapping)


def test_utf8_bom_does_not_leak_into_the_first_column(workspace, tmp_path):
    path = write(tmp_path / "events.csv", "\ufeff" + HEADER + GOOD)
    assert ingest(workspace, path).kinds["event"].accepted == 2


def test_empty_file(workspace, tmp_path):
    path = write(tmp_path / "events.csv", "")
    with pytest.raises(InputError, match="empty"):
        ingest(workspace, path)


def test_header_only_file_accepts_nothing(workspace, tmp_path):
    path = write(tmp_path / "events.csv", HEADER)
    summary = ingest(workspace, path)
    assert summary.total.accepted == 0 and summary.total.rejected == 0


def test_missing_required_column_is_named(workspace, tmp_path):
    path = write(tmp_path / "events.csv", "event_id,account,channel,type,item_id\n"
                                          "e1,u1,web,view,i1\n")
    with pytest.raises(InputError, match=r"missing required column.*ts"):
        ingest(workspace, path)
    # a one-channel shop's export has no channel column: the error says how to name it
    path = write(tmp_path / "orders.csv", "order_id,account,ts,amount\no1,u1,2026-11-01,9.9\n")
    with pytest.raises(InputError, match=r"--set channel=web"):
        workspace.ingest(path, mapping=ColumnMapping(kind="order"))


def test_bad_jsonl_line(workspace, tmp_path):
    path = write(tmp_path / "items.jsonl", '{"item_id": "i1", "title": "ok"}\n{"item_id": \n')
    with pytest.raises(InputError, match=r"row 2.*JSON"):
        ingest(workspace, path, kind="item")


def test_search_needs_query_and_other_events_need_item(workspace, tmp_path):
    path = write(tmp_path / "e.csv", "ts,account,channel,type,item_id,query\n"
                                     "2024-05-01T10:00:00Z,u1,web,search,,\n"
                                     "2024-05-01T10:00:00Z,u1,web,view,,\n")
    summary = ingest(workspace, path, tmp_path / "r.jsonl")
    rejected = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert summary.kinds["event"].rejected == 2
    assert {r["field"] for r in rejected} == {"query", "item_id"}
