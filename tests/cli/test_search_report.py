"""`shopformer search-report`: the planted rising query shows, as a table and as JSON."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from shopformer.cli.main import app
from shopformer.schema import record_spec
from shopformer.schema.validate import validate_batch
from shopformer.workspace import Workspace

runner = CliRunner()
UNTIL = datetime(2024, 3, 15)
# query: searches in the window before, in the last window; every search ends in a click
QUERIES = {"parka": (2, 40), "desk lamp": (20, 21), "yoga mat": (22, 19)}


def searches_and_clicks() -> pa.Table:
    rows: dict[str, list[str]] = {name: [] for name in (
        "event_id", "ts", "account", "channel", "type", "item_id", "query", "session_id")}
    for query, counts in QUERIES.items():
        for end, count in zip((UNTIL - timedelta(days=7), UNTIL), counts, strict=True):
            for i in range(count):
                ts = end - timedelta(days=7) * (i + 0.5) / count
                session = f"{query}-{end:%d}-{i}"
                for type_, moment, item in (("search", ts, None),
                                            ("click", ts + timedelta(seconds=20), "i1")):
                    values = [f"e{len(rows['ts'])}", moment.isoformat() + "Z", f"a{i}", "app",
                              type_, item, query if item is None else None, session]
                    for name, value in zip(rows, values, strict=True):
                        rows[name].append(value)
    table = pa.table({name: pa.array(v, pa.string()) for name, v in rows.items()})
    return validate_batch(record_spec("event"), table, np.arange(1, table.num_rows + 1)).table


@pytest.fixture
def shop(tmp_path):
    with Workspace.init(tmp_path / "shop") as workspace:
        workspace.store.append("event", searches_and_clicks())
    return tmp_path / "shop"


def test_json_report_names_the_rising_query(shop):
    result = runner.invoke(app, ["search-report", "-w", str(shop), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [t["query"] for t in report["rising"]] == ["parka"]
    assert report["falling"] == [] and report["high_exit"] == []
    assert report["zero_result"] is None and report["exit_rate"] == 0.0
    assert report["searches"] == sum(now for _, now in QUERIES.values())


def test_tables_and_options(shop):
    result = runner.invoke(app, ["search-report", "-w", str(shop), "--days", "7", "--top", "1"])
    assert result.exit_code == 0, result.output
    assert "rising queries" in result.output and "parka" in result.output
    assert "zero-result queries not checked" in result.output
    elsewhere = runner.invoke(app, ["search-report", "-w", str(shop), "--channel", "web"])
    assert elsewhere.exit_code == 0 and "parka" not in elsewhere.output
    assert "no searches on web" in elsewhere.output
    assert "rising queries" not in elsewhere.output  # no empty tables when nothing to show
    assert runner.invoke(app, ["search-report", "-w", str(shop), "--days", "0"]).exit_code == 2
    nowhere = runner.invoke(app, ["search-report", "-w", str(shop.parent / "nowhere")])
    assert nowhere.exit_code == 2 and "shopformer init" in nowhere.output
