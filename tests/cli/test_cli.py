"""The command line: help that explains, exit codes that mean something."""

from __future__ import annotations

import pytest
from tests.conftest import write
from typer.testing import CliRunner

from shopformer.cli.main import app

runner = CliRunner()


@pytest.mark.parametrize("command", ["init", "ingest", "stats", "erase", "demo"])
def test_every_command_explains_itself(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert len(result.output.split()) > 20


def test_help_reflows_docstrings_to_the_terminal():
    """A docstring's own line breaks are not kept: they cut lines short mid-sentence."""
    result = runner.invoke(app, ["--help"], terminal_width=120)
    assert result.exit_code == 0
    assert "(tastes, seasonality, a complaint burst" in result.output


def test_init_ingest_stats_erase(tmp_path):
    shop = tmp_path / "shop"
    assert runner.invoke(app, ["init", str(shop)]).exit_code == 0
    data = write(tmp_path / "e.csv", "uid,time,what,sku\n"
                                     "u1,2024-01-01T10:00:00Z,view,s1\n"
                                     "u1,2024-01-01T10:05:00Z,purchase,s1\n")
    args = ["ingest", str(data), "-w", str(shop), "--kind", "event", "--map", "account=uid",
            "--map", "ts=time", "--map", "type=what", "--map", "item_id=sku", "--set",
            "channel=app"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "accepted" in first.output and " 2 " in first.output
    second = runner.invoke(app, args)
    assert second.exit_code == 0 and "│        0 │         2 │" in second.output
    stats = runner.invoke(app, ["stats", "-w", str(shop)])
    assert "app 2" in stats.output and "purchase 1" in stats.output
    erased = runner.invoke(app, ["erase", "-w", str(shop), "--account", "u1", "--channel", "app"])
    assert erased.exit_code == 0 and "event 2" in erased.output
    assert "nothing was stored" not in erased.output
    # the pseudonym the store shows is not the account: said so, not a silent "0 rows"
    pseudonym = runner.invoke(app, ["erase", "-w", str(shop), "--account",
                                    "a_90a2520f048f23a68aa7dc08", "--channel", "app"],
                              terminal_width=200)
    assert pseudonym.exit_code == 0 and "looks like its pseudonym" in " ".join(
        pseudonym.output.split())
    assert "rows │ 0" in runner.invoke(app, ["stats", "-w", str(shop)]).output.replace("┃", "│") \
        or "│ 0 " in runner.invoke(app, ["stats", "-w", str(shop)]).output


def test_exit_codes(tmp_path):
    shop = tmp_path / "shop"
    runner.invoke(app, ["init", str(shop)])
    not_a_shop = runner.invoke(app, ["stats", "-w", str(tmp_path / "nowhere")])
    assert not_a_shop.exit_code == 2 and "shopformer init" in not_a_shop.output
    bad = write(tmp_path / "e.csv", "ts,account,channel,type,item_id\nnope,u1,web,view,i1\n")
    result = runner.invoke(app, ["ingest", str(bad), "--kind", "event", "-w", str(shop)])
    assert result.exit_code == 3 and "row 1" in result.output and "'ts'" in result.output
    with_rejects = runner.invoke(app, ["ingest", str(bad), "--kind", "event", "-w", str(shop),
                                       "--rejects", str(tmp_path / "rejects.jsonl")])
    assert with_rejects.exit_code == 0 and (tmp_path / "rejects.jsonl").exists()
    no_kind = runner.invoke(app, ["ingest", str(bad), "--map", "ts=time", "-w", str(shop)])
    assert no_kind.exit_code in (1, 2) and "--kind" in no_kind.output
    both = runner.invoke(app, ["erase", "-w", str(shop)])
    assert both.exit_code != 0 and "--person" in both.output
