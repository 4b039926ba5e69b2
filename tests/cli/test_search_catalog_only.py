"""A shop that has only ingested its catalog (no shop model, no search log) can already
search it: ranked by word match, and the command says so."""

from __future__ import annotations

from tests.conftest import write
from typer.testing import CliRunner

from shopformer.cli.main import app
from shopformer.ingest.mapping import ColumnMapping

runner = CliRunner()
ITEMS = """item_id,title,category,brand,price
c1,Global Italian Leather Office Chair,Furniture > Chairs,Global,289.9
c2,Office Star Contemporary Task Swivel Chair,Furniture > Chairs,Office Star,120
c3,Economy Binders,Office Supplies > Binders,Avery,3.5
c4,Round Ring Binders,Office Supplies > Binders,Avery,4.2
c5,蓝牙无线耳机,数码 > 耳机,声浪,199
c6,有线耳机,数码 > 耳机,声浪,59
"""


def test_a_catalog_alone_is_searchable(workspace, tmp_path):
    workspace.ingest(write(tmp_path / "items.csv", ITEMS), mapping=ColumnMapping(kind="item"))
    result = runner.invoke(app, ["search", "offce chair", "-w", str(workspace.root), "-k", "2"],
                           terminal_width=160)
    assert result.exit_code == 0, result.output
    assert "ranked by word match" in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("│")]
    assert {"c1", "c2"} == {line.split("│")[2].strip() for line in lines}
    cheap = runner.invoke(app, ["search", "耳机 100元以下", "-w", str(workspace.root)],
                          terminal_width=160)
    assert cheap.exit_code == 0, cheap.output
    assert "c6" in cheap.output and "c5" not in cheap.output and "price ≤ 100" in cheap.output
    engine = workspace.search_engine()
    assert not engine.learned and engine.dense_ is None and engine.person_scores is None
