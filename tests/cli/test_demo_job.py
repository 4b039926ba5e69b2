"""The README's main job: build the demo shop, ingest it, show it — privately and idempotently."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from shopformer.cli.main import app
from shopformer.workspace import Workspace

runner = CliRunner()
SMALL = ["--persons", "120", "--items", "60", "--days", "60", "--no-pretrain"]


def test_demo_builds_ingests_and_keeps_planted_truths_reachable(tmp_path):
    shop, raw = tmp_path / "shop", tmp_path / "raw"
    result = runner.invoke(app, ["demo", str(shop), "--data-dir", str(raw), *SMALL],
                           terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "persons (across channels)" in result.output
    truth = json.loads((raw / "truth.json").read_text())
    with Workspace.open(shop) as workspace:
        counts = {kind: workspace.store.count(kind) for kind in ("event", "item", "review",
                                                                   "turn", "order", "link")}
        assert all(counts.values()), counts
        # every linked planted person is one person_id in the store, across their channels
        linked = [p for p in truth["persons"].values() if p.get("linked") and
                  len(p["accounts"]) > 1]
        assert linked
        for person in linked[:20]:
            ids = {workspace.person_for_account(channel, account)
                   for channel, account in person["accounts"]}
            assert len(ids) == 1, person
        stored = "\n".join(str(v) for kind in ("event", "review", "turn", "order")
                           for batch in workspace.store.read_batches(kind)
                           for row in batch.to_pylist() for v in row.values())
    samples = truth["pii_planted_samples"]
    assert samples
    for sample in samples:
        assert sample not in stored
    workspace_bytes = b"".join(p.read_bytes() for p in shop.rglob("*") if p.is_file())
    for sample in samples:
        assert sample.encode() not in workspace_bytes
    # the support assistant's policy file, in both languages; a shop's edits are kept
    policy = shop / "policy.md"
    assert "# Returns" in policy.read_text(encoding="utf-8") and "退货" in policy.read_text(
        encoding="utf-8")
    policy.write_text("# Returns\nOnly within 3 days.\n", encoding="utf-8")
    again = runner.invoke(app, ["demo", str(shop), "--data-dir", str(raw), *SMALL],
                          terminal_width=200)
    assert again.exit_code == 0
    assert "│ total  │        0 │" in again.output  # the same seed adds nothing new
    assert policy.read_text(encoding="utf-8") == "# Returns\nOnly within 3 days.\n"


def test_demo_rejects_bad_sizes(tmp_path):
    result = runner.invoke(app, ["demo", str(tmp_path / "s"), "--persons", "0"])
    assert result.exit_code == 2 and "persons" in result.output


def test_demo_pretrains_and_activates_a_shop_model(tmp_path):
    shop, raw = tmp_path / "shop", tmp_path / "raw"
    sizes = ["--persons", "60", "--items", "40", "--days", "30", "--minutes", "0.05"]
    result = runner.invoke(app, ["demo", str(shop), "--data-dir", str(raw), *sizes],
                           terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "shop model" in result.output
    with Workspace.open(shop) as workspace:
        bundle = workspace.shop_model()
        assert bundle.tokenizer is not None  # the demo shop has text: the text encoder trained
        assert bundle.metrics["events"] == workspace.store.count("event") - \
            sum(1 for b in workspace.store.read_batches("event", columns=["type"])
                for t in b.column("type").to_pylist() if t == "search")
