"""Results sorted by price: only the results that match the query are sorted, so the
cheapest weak match does not come first ("phone case" began with drinks sold by the case)."""

from __future__ import annotations

import numpy as np
import pytest
from tests.conftest import write
from typer.testing import CliRunner

from shopformer.cli.main import app
from shopformer.core.errors import ConfigError
from shopformer.ingest.mapping import ColumnMapping
from shopformer.tasks.search.sorting import price_order

NAN = float("nan")


def test_price_order_sorts_the_matches_with_every_word():
    prices = np.array([30.0, 10.0, NAN, 20.0, 5.0])
    scores = np.array([3.0, 2.0, 1.5, 1.0, 0.5])
    every = np.array([True, True, True, True, False])
    order, note = price_order(prices, scores, every, True, k=2, descending=False)
    assert order.tolist() == [1, 3, 0]  # 5.0 lacks a word; the unpriced one is left out
    assert note == ("sorted by price, low to high: the 3 matches with every query word; "
                    "1 without a price left out")
    order, _ = price_order(prices, scores, every, True, k=2, descending=True)
    assert order.tolist() == [0, 3, 1]
    # none has every word: the page relevance would show (k), re-ordered
    order, note = price_order(prices, scores, np.zeros(5, bool), True, k=2, descending=False)
    assert order.tolist() == [1, 0] and "2 most relevant matches" in note
    # only a price was asked ("100元以下"): everything found; ties keep relevance order
    order, _ = price_order(np.array([5.0, 5.0, 1.0]), np.array([1.0, 2.0, 0.0]),
                           np.zeros(3, bool), False, k=1, descending=False)
    assert order.tolist() == [2, 1, 0]


ITEMS = """item_id,title,description,category,price
p1,Camera Phone Pro,Flagship phone,Electronics > Phones,899
p2,Camera Phone Lite,Budget phone,Electronics > Phones,299
c1,Clear Phone Case,Slim case for the Camera Phone,Electronics > Accessories,19
c2,Leather Phone Case,Leather case with card slot,Electronics > Accessories,39
d1,Sparkling Water,Case of 24 cans,Drinks,9.9
d2,Iced Tea,Case of 12 bottles,Drinks,12.5
"""


def test_search_sorted_by_price_keeps_to_the_matches(workspace, tmp_path):
    workspace.ingest(write(tmp_path / "items.csv", ITEMS), mapping=ColumnMapping(kind="item"))
    workspace.train_search()
    engine = workspace.search_engine()
    cheap = engine.search("phone case", k=5, sort="price")
    assert [h.item_id for h in cheap.hits] == ["c1", "c2"]
    assert [h.price for h in cheap.hits] == [19.0, 39.0]
    dear = engine.search("phone", k=5, sort="-price")
    assert [h.item_id for h in dear.hits][:2] == ["p1", "p2"]
    assert "high to low" in dear.notes[-1]
    with pytest.raises(ConfigError, match="sort must be one of"):
        engine.search("phone", sort="cheapest")
    result = CliRunner().invoke(app, ["search", "phone case", "--sort", "price", "-w",
                                      str(workspace.root)], terminal_width=160)
    assert result.exit_code == 0, result.output
    rows = [line.split("│") for line in result.output.splitlines() if line.startswith("│")]
    assert [(r[2].strip(), r[4].strip()) for r in rows] == [("c1", "19.00"), ("c2", "39.00")]
    bad = CliRunner().invoke(app, ["search", "phone", "--sort", "cheap", "-w",
                                   str(workspace.root)])
    assert bad.exit_code == 2 and "sort must be one of" in bad.output
