"""Excel exports (.xlsx), as shop back-ends give them: read from the first sheet with the
values as the shop typed them (ids without ".0", times as ISO), errors by row."""

from __future__ import annotations

from datetime import datetime

import pytest
from openpyxl import Workbook

from shopformer.core.errors import InputError
from shopformer.ingest.mapping import ColumnMapping


def workbook(path, rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_an_excel_export_is_ingested_with_its_values_as_typed(workspace, tmp_path):
    path = workbook(tmp_path / "orders.xlsx", [
        ["订单编号", "用户ID", "渠道", "下单时间", "实付金额", "备注"],
        [10001, "u1", "小程序", datetime(2026, 11, 1, 10, 0), 199.0, None],
        [None] * 6,  # an empty row in the middle of an export
        [10002, "u2", "app", datetime(2026, 11, 2, 9, 30), 59.5, "加急"]])
    summary = workspace.ingest(path, mapping=ColumnMapping(kind="order"))
    assert summary.kinds["order"].accepted == 2
    rows = workspace.store.read_table("order", order_by=["order_id"]).to_pylist()
    assert [(r["order_id"], r["channel"], r["ts"], r["amount"]) for r in rows] == [
        ("10001", "mini", datetime(2026, 11, 1, 10, 0), 199.0),
        ("10002", "app", datetime(2026, 11, 2, 9, 30), 59.5)]
    assert workspace.ingest(path, mapping=ColumnMapping(kind="order")).kinds[
        "order"].accepted == 0  # re-ingesting adds nothing


def test_bad_excel_input_says_where(workspace, tmp_path):
    bad_amount = workbook(tmp_path / "bad.xlsx", [
        ["order_id", "account", "channel", "ts", "amount"],
        ["o1", "u1", "web", "2026-11-01T10:00:00", 10],
        ["o2", "u2", "web", "2026-11-01T11:00:00", "ten"]])
    with pytest.raises(InputError, match=r"bad.xlsx, row 2, field 'amount'"):
        workspace.ingest(bad_amount, mapping=ColumnMapping(kind="order"))
    empty = workbook(tmp_path / "empty.xlsx", [])
    with pytest.raises(InputError, match="the first sheet is empty"):
        workspace.ingest(empty, mapping=ColumnMapping(kind="order"))
    twice = workbook(tmp_path / "twice.xlsx", [["order_id", "order_id"], ["o1", "o2"]])
    with pytest.raises(InputError, match="unique, non-empty names"):
        workspace.ingest(twice, mapping=ColumnMapping(kind="order"))
    not_excel = tmp_path / "fake.xlsx"
    not_excel.write_text("order_id\no1\n", encoding="utf-8")
    with pytest.raises(InputError, match="not an Excel workbook"):
        workspace.ingest(not_excel, mapping=ColumnMapping(kind="order"))
