"""An ad ranker from the shop's impression log, with no Python: before, an `AdRanker` was
served only when someone trained and published it by hand."""

from __future__ import annotations

import csv

import numpy as np
import pyarrow as pa
import pytest
from tests.tasks.test_ads import impressions
from typer.testing import CliRunner

from shopformer.cli.main import app
from shopformer.core.errors import ConfigError, InputError
from shopformer.tasks.ad_log import impression_log


def log_file(path, rows: int, seed: int, *, conversions: bool = True, chinese: bool = False):
    data = impressions(rows, seed)
    data["impression_id"] = np.array([f"i{n}" for n in range(rows)])
    data["shown_at"] = np.array([f"2026-11-{1 + n % 28:02d} 10:00" for n in range(rows)])
    data["site"] = np.full(rows, "main")  # the same everywhere: nothing to learn
    if not conversions:
        del data["converted"]
    names = {"clicked": "点击", "converted": "转化"} if chinese else {}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([names.get(n, n) for n in data])
        writer.writerows(zip(*data.values(), strict=True))
    return path


def test_the_log_gives_labels_and_features_and_says_what_it_left_out(tmp_path):
    path = log_file(tmp_path / "ads.csv", 400, seed=1, chinese=True)
    table = pa.csv.read_csv(path, convert_options=pa.csv.ConvertOptions(
        column_types={n: pa.string() for n in path.read_text().splitlines()[0].split(",")}))
    log = impression_log(table, np.arange(1, 401), str(path))
    assert log.shown is not None and str(log.shown[0])[:16] == "2026-11-01T10:00"
    assert log.numeric == ("position", "price")
    assert log.categorical == ("category", "device")
    assert set(log.left_out) == {"ad_id", "campaign_id", "bid", "impression_id",
                                 "shown_at", "site"}
    assert set(np.unique(log.columns["clicked"])) == {0.0, 1.0}
    assert log.columns["price"].dtype == np.float64


@pytest.mark.parametrize(("header", "row", "message"), [
    ("converted,x", "1,a", "clicked"),
    ("clicked,converted,x", "yes,maybe,a", "row 1, field 'converted': expected 1/0"),
    ("clicked,converted,x", "0,1,a", "converted without a click"),
    ("clicked,converted,x", "1,0,a", "1 impressions with 1 clicks"),
])
def test_a_bad_log_is_refused_with_where_and_why(tmp_path, header, row, message):
    path = tmp_path / "bad.csv"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    table = pa.csv.read_csv(path, convert_options=pa.csv.ConvertOptions(
        column_types={n: pa.string() for n in header.split(",")}))
    with pytest.raises(InputError, match=message):
        impression_log(table, np.array([1]), str(path))


def test_train_ads_reports_held_out_scores_and_activates_the_ranker(workspace, tmp_path):
    version, report = workspace.train_ads(log_file(tmp_path / "ads.csv", 5000, seed=2))
    assert workspace.models.active("ads") == version
    assert report["objective"] == "bid*ctr*cvr" and report["held_out"] == 1000
    assert report["held_out_by"] == "time"  # shown_at parses: the latest are held out
    for head in ("ctr", "cvr"):  # the planted rule is learned, beyond the base rate
        assert report["scores"][head]["auc"] > 0.65
        assert report["scores"][head]["logloss"] < report["base_rate_logloss"][head]
    ranker = workspace.ad_ranker()
    chosen = ranker.rank({"ad_id": ["a", "b"], "campaign_id": ["c1", "c2"],
                          "bid": [1.0, 1.0], "category": ["shoes", "books"],
                          "device": ["app", "app"], "position": [1.0, 1.0],
                          "price": [20.0, 20.0]}, k=2)
    assert [c.ad_id for c in chosen] == ["a", "b"] and chosen[0].cvr is not None


def test_a_log_of_clicks_alone_ranks_by_bid_times_ctr(workspace, tmp_path):
    path = log_file(tmp_path / "clicks.csv", 1500, seed=3, conversions=False)
    with pytest.raises(ConfigError, match="no conversions"):
        workspace.train_ads(path, objective="bid*ctr*cvr")
    _, report = workspace.train_ads(path)
    assert report["objective"] == "bid*ctr" and set(report["scores"]) == {"ctr"}
    assert report["held_out_by"] == "time"
    ranker = workspace.ad_ranker()
    chosen = ranker.rank({"ad_id": ["a"], "campaign_id": ["c1"], "bid": [2.0],
                          "category": ["shoes"], "device": ["web"], "position": [1.0],
                          "price": [20.0]}, k=1)[0]
    assert chosen.cvr is None and chosen.score == pytest.approx(2.0 * chosen.ctr)
    assert not any("pCVR" in reason for reason in chosen.reasons)
    ranker.save(tmp_path / "saved")
    assert type(ranker).load(tmp_path / "saved").cvr_model_ is None


def test_the_ads_train_command(workspace, tmp_path):
    path = log_file(tmp_path / "ads.csv", 1500, seed=4)
    root = str(workspace.root)
    workspace.close()
    result = CliRunner().invoke(app, ["ads", "train", str(path), "-w", root],
                                terminal_width=160)
    assert result.exit_code == 0, result.output
    assert "1,500 impressions" in result.output and "pCTR" in result.output
    assert "left out: impression_id" in result.output
    missing = CliRunner().invoke(app, ["ads", "train", str(tmp_path / "none.csv"), "-w", root])
    assert missing.exit_code == 3 and "no such file" in " ".join(missing.output.split())
    active = (workspace.root / "models" / "ads" / "active").read_text().strip()
    assert f"ad ranker {active} (active)" in result.output


def test_the_server_ranks_with_a_ranker_learned_from_clicks_alone(workspace, tmp_path):
    from fastapi.testclient import TestClient
    from tests.serve.helpers import make_keys

    from shopformer.serve.app import create_app
    from shopformer.serve.config import ServeConfig

    workspace.train_ads(log_file(tmp_path / "clicks.csv", 1500, seed=5, conversions=False))
    key = make_keys(workspace)["read"]
    with TestClient(create_app(workspace, ServeConfig())) as client:
        answer = client.post("/v1/ads/rank", headers={"Authorization": f"Bearer {key}"},
                             json={"k": 1, "candidates": [
                                 {"ad_id": "a", "campaign_id": "c", "bid": 1.0,
                                  "category": "shoes", "device": "web", "position": 1,
                                  "price": 20.0}]})
    assert answer.status_code == 200, answer.text
    ad = answer.json()["ads"][0]
    assert ad["cvr"] is None and ad["expected_value"] == pytest.approx(ad["ctr"])
