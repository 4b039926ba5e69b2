"""`shopformer ingest` reads every shared data set through its adapter, and twice is once."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from shopformer.cli.main import app

runner = CliRunner()
TOTAL = re.compile(r"total\s*│\s*([\d,]+)\s*│\s*([\d,]+)\s*│\s*([\d,]+)\s*│\s*([\d,]+)")


def totals(output: str) -> tuple[int, ...]:
    match = TOTAL.search(output)
    assert match, output
    return tuple(int(group.replace(",", "")) for group in match.groups())


def test_every_shared_data_set_ingests_and_reingests_as_nothing_new(shared_data, tmp_path):
    shop = tmp_path / "shop"
    assert runner.invoke(app, ["init", str(shop)]).exit_code == 0
    folders = sorted(p for p in shared_data.iterdir() if p.is_dir())
    assert len(folders) >= 12
    first_accepted = {}
    for folder in folders:
        args = ["ingest", str(folder), "-w", str(shop), "--rejects", str(tmp_path / "r.jsonl")]
        result = runner.invoke(app, args, terminal_width=200)
        assert result.exit_code == 0, f"{folder.name}: {result.output}"
        accepted, _, _, rejected = totals(result.output)
        assert accepted > 0, folder.name
        assert rejected <= 2, f"{folder.name}: {rejected} rejected"  # fraud files: cut last rows
        first_accepted[folder.name] = accepted
    for folder in folders:
        args = ["ingest", str(folder), "-w", str(shop), "--rejects", str(tmp_path / "r2.jsonl")]
        result = runner.invoke(app, args, terminal_width=200)
        accepted, duplicates, updated, _ = totals(result.output)
        assert (accepted, updated) == (0, 0), f"{folder.name} added rows on the second run"
        assert duplicates >= first_accepted[folder.name], folder.name
    assert first_accepted["seqrec_amazon_beauty"] == 353_962
    assert first_accepted["reviews_zh"] == 62_773
