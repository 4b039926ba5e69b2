"""What shoppers chose after a query before: shares with a prior, a training list's own
gains left out, and a repeated query answered by its history where its words tie."""

from __future__ import annotations

import numpy as np
import pytest
from tests.tasks.search.test_ranker import catalog, judgments

from shopformer.tasks.search.history import PRIOR, QueryHistory
from shopformer.tasks.search.ranker import Judgment, SearchConfig, SearchRanker

CATEGORIES = ["tea", "tea", "drinks", "", "drinks"]


def history() -> QueryHistory:
    table = QueryHistory(CATEGORIES)
    table.add("green tea", {0: 3.0, 1: 1.0})
    table.add("green tea", {0: 2.0, 3: 1.0, 4: 0.0})
    return table


def test_shares_of_item_and_category_are_shrunk_by_the_prior():
    out = history().features("green tea", np.array([0, 1, 2, 3, 4]))
    total = 3 + 1 + 2 + 1 + PRIOR
    assert out[:, 0] == pytest.approx([5 / total, 1 / total, 0, 1 / total, 0])
    # items 0 and 1 are tea (6 of the gains); no drinks chosen; item 3 has no category
    assert out[:, 1] == pytest.approx([6 / total, 6 / total, 0, 0, 0])


def test_a_list_never_sees_its_own_gains():
    table = history()
    alone = QueryHistory(CATEGORIES)
    alone.add("green tea", {0: 2.0, 3: 1.0})
    left_out = table.features("green tea", np.arange(5), leave_out={0: 3.0, 1: 1.0})
    assert left_out == pytest.approx(alone.features("green tea", np.arange(5)))


def test_an_unseen_query_has_no_history():
    assert not history().features("oolong", np.arange(5)).any()
    single = QueryHistory(CATEGORIES)
    single.add("tea", {2: 1.0})
    assert not single.features("tea", np.arange(5), leave_out={2: 1.0}).any()


def test_saved_by_item_id_and_loaded_back():
    ids = ["a", "b", "c", "d", "e"]
    table = history()
    back = QueryHistory(CATEGORIES).load(table.to_dict(ids), {i: n for n, i in enumerate(ids)})
    assert back.gains == table.gains


def repeated_searches() -> list[Judgment]:
    """Each short query ('drill', 'lamp', …) matches every item of its kind equally; eight
    shoppers each chose the same one, which no word favours (the last name, last brand)."""
    out = []
    for kind in ("drill", "lamp", "faucet", "kettle"):
        for person in range(8):
            out.append(Judgment(kind, f"{kind}-2-2", 3.0, person_id=f"p{person}"))
            out.append(Judgment(kind, f"{kind}-0-0", 0.0, person_id=f"p{person}"))
    return out


@pytest.fixture(scope="module")
def engine() -> SearchRanker:
    config = SearchConfig(candidates=20, epochs=30, patience=30, hidden=32, train_rows=20,
                          validation_share=0.2, batch_queries=4)
    return SearchRanker(config).index(catalog()).fit(judgments() + repeated_searches())


def test_a_repeated_query_puts_what_shoppers_chose_first(engine, tmp_path):
    for kind in ("drill", "lamp", "faucet", "kettle"):
        hits = engine.search(kind, k=3).hits
        assert hits[0].item_id == f"{kind}-2-2", (kind, [h.item_id for h in hits])
    assert any("chose it after this search" in line
               for line in engine.explain("lamp", "lamp-2-2"))
    engine.save(tmp_path / "search")
    loaded = SearchRanker.load(tmp_path / "search")
    assert loaded.search("kettle", k=1).hits[0].item_id == "kettle-2-2"


def test_a_query_without_history_is_ranked_by_its_words(engine):
    hits = engine.search("cordless drill", k=3).hits
    assert hits[0].item_id == "drill-0-0"


def live(engine: SearchRanker, person: str, session: str, query: str, item: str,
         kind: str = "purchase") -> None:
    engine.observe(person, {"type": "search", "session_id": session, "query": query})
    engine.observe(person, {"type": kind, "session_id": session, "item_id": item})


def test_live_engagement_after_a_search_moves_the_next_search(engine):
    before = [h.item_id for h in engine.search("desk lamp", k=3).hits]
    assert before[0] == "lamp-0-0" and "lamp-0-2" in before
    gains = dict(engine.history_.gains["desk lamp"])
    live(engine, "q0", "s1", "desk lamp", "lamp-0-2")
    live(engine, "q0", "s2", "desk lamp", "lamp-0-2")  # the same shopper again: no more
    engine.observe("q0", {"type": "purchase", "session_id": "s3", "item_id": "lamp-0-2"})
    position = engine.catalog_.position["lamp-0-2"]
    assert engine.history_.gains["desk lamp"][position] == gains[position] + 3.0
    for person in range(1, 10):
        live(engine, f"q{person}", "s1", "dsek lamp", "lamp-0-2")  # a typo, the same query
    after = engine.search("desk lamp", k=3).hits
    assert after[0].item_id == "lamp-0-2", [h.item_id for h in after]
    assert any("chose it after this search" in r for r in engine.explain("desk lamp", "lamp-0-2"))
    engine.forget("q0")  # erased: an engagement in their open session adds nothing now
    kept = dict(engine.history_.gains["desk lamp"])
    engine.observe("q0", {"type": "cart", "session_id": "s2", "item_id": "lamp-0-1"})
    assert engine.history_.gains["desk lamp"] == kept


def test_what_shoppers_chose_is_retrieved_most_gain_first_without_the_lists_own():
    table = history()  # item 0: 5, item 1: 1, item 3: 1 (item 4 had gain 0)
    assert table.chosen("green tea", 10).tolist() == [0, 1, 3]
    assert table.chosen("green tea", 1).tolist() == [0]
    assert table.chosen("green tea", 10, leave_out={0: 2.0, 3: 1.0}).tolist() == [0, 1]
    assert table.chosen("oolong", 10).tolist() == []
