"""`shopformer pretrain`: settings from TOML, a new active version, clear errors."""

from __future__ import annotations

from tests.conftest import write
from tests.train.test_pretrain import planted_shop
from typer.testing import CliRunner

from shopformer.cli.main import app

runner = CliRunner()
TINY = """
epochs = 2
max_minutes = 1.0
batch_size = 16
hidden = 32
layers = 1
heads = 2
text_hidden = 32
text_layers = 1
text_heads = 2
negatives = 64
min_texts = 5
threads = 1
[tokenizer]
vocab_size = 300
[objectives]
masked_language = 0.2
"""


def test_pretrain_command_saves_and_activates_a_version(tmp_path):
    shop = tmp_path / "shop"
    assert runner.invoke(app, ["init", str(shop)]).exit_code == 0
    ingest = runner.invoke(app, ["ingest", str(planted_shop(tmp_path / "export")), "-w",
                                 str(shop)])
    assert ingest.exit_code == 0, ingest.output
    config = write(tmp_path / "pretrain.toml", TINY)
    result = runner.invoke(app, ["pretrain", "-w", str(shop), "--config", str(config)],
                           terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "validation NDCG@10" in result.output and "active model: shop/" in result.output
    version = (shop / "models" / "shop" / "active").read_text().strip()
    assert (shop / "models" / "shop" / version / "model.safetensors").exists()

    # and the recommender answers from it: a fruit person (odd number) gets items with reasons
    found = runner.invoke(app, ["recommend", "u1", "--channel", "web", "-w", str(shop),
                                "-k", "3"], terminal_width=250)
    assert found.exit_code == 0, found.output
    assert "12 past events" in found.output and "you viewed" in found.output
    assert found.output.count("on the web") >= 3  # each reason names its channel
    unknown = runner.invoke(app, ["recommend", "u1", "-w", str(shop)])
    assert unknown.exit_code == 2 and "--channel" in unknown.output


def test_pretrain_command_errors(tmp_path):
    shop = tmp_path / "shop"
    runner.invoke(app, ["init", str(shop)])
    bad = write(tmp_path / "bad.toml", "epochz = 3\n")
    result = runner.invoke(app, ["pretrain", "-w", str(shop), "--config", str(bad)])
    assert result.exit_code == 2 and "epochz" in result.output
    empty = runner.invoke(app, ["pretrain", "-w", str(shop), "--epochs", "1"])
    assert empty.exit_code == 2 and "ingest" in empty.output
