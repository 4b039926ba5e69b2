"""Search on the demo shop, trained from its own search → engagement log: planted queries
find their category, and an ambiguous query is ordered by who asks."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from shopformer.cli.main import app
from shopformer.demo.categories import CATEGORIES
from shopformer.demo.texts import fitting_queries
from shopformer.tasks.recommend import Recommender
from shopformer.tasks.search.from_store import search_log
from shopformer.tasks.search.ranker import SearchConfig
from shopformer.tasks.search.trail import ENGAGEMENT_GAINS, TRAIL_DECAY

runner = CliRunner()


@pytest.fixture(scope="module")
def shop(demo_shop):
    workspace, bundle, truth = demo_shop
    recommender = Recommender().fit(workspace.store, bundle)
    log = search_log(workspace.store)
    workspace.train_search(show_progress=False)  # the settings a shop gets
    engine = workspace.search_engine()  # as saved, loaded back with the live person state
    return workspace, engine, recommender, log, truth


def test_the_search_log_becomes_graded_judgments(shop):
    _, _, _, log, _ = shop
    assert len(log.judgments) > 100 and log.queries
    full = set(ENGAGEMENT_GAINS.values())
    assert {j.gain for j in log.judgments} >= full  # the first item found keeps its gain
    credited = {g * TRAIL_DECAY ** n for g in full for n in range(40)}
    assert all(min(abs(j.gain - c) for c in credited) < 1e-9 for j in log.judgments)
    assert all(j.person_id for j in log.judgments)


def test_most_judged_gain_lands_on_what_was_searched_for(shop):
    """A demo shopper views the searched category first, then often browses elsewhere;
    crediting along the trail keeps that browsing from reading as the query's answer."""
    _, engine, _, log, _ = shop
    searched = {q: c.leaf[1] for c in CATEGORIES for q in (*c.queries[0], *c.queries[1])}
    on = total = 0.0
    for j in log.judgments:
        if j.query in searched:
            category = engine.catalog_.texts["category"][engine.catalog_.position[j.item_id]]
            on += j.gain * (searched[j.query] in category)
            total += j.gain
    assert on / total > 0.85, on / total


def _unsearched_product_names(log) -> list[tuple[str, str]]:
    """(query, category leaf) for product names no shopper searched for: "long down
    parka", "parka", "铸铁炖锅"."""
    logged = {" ".join(q.lower().split()) for q in log.queries}
    return [(query, category.leaf[1]) for category in CATEGORIES
            for zh, en in category.nouns
            for query in (zh, en.lower(), en.lower().split()[-1]) if query not in logged]


def _wrong_first(engine, names, person_id=None) -> list[tuple[str, str]]:
    wrong = []
    for query, leaf in names:
        hit = engine.search(query, k=1, person_id=person_id).hits[0]
        top = engine.catalog_.texts["category"][engine.catalog_.position[hit.item_id]]
        if leaf not in top:
            wrong.append((query, top))
    return wrong


def test_a_new_query_is_answered_by_its_words_not_by_what_is_popular(shop):
    _, engine, _, log, _ = shop
    names = _unsearched_product_names(log)
    wrong = _wrong_first(engine, names)
    # near misses are allowed: "iced black tea" is a cold drink, and black tea is tea;
    # "drink", "pack" and "tea" name more than one category (the shop fixture's search
    # model also differs with what earlier tests added to the shared store)
    assert len(names) >= 50 and len(wrong) <= len(names) // 10, wrong


def test_a_shoppers_taste_reorders_good_matches_but_never_overrides_the_query(shop):
    """Taste is added after the learned order and bounded, so a logged-in shopper who
    loves drinks still gets a parka first for "parka"."""
    workspace, engine, recommender, log, truth = shop
    names = _unsearched_product_names(log)
    persons = [workspace.person_for_account(*planted["accounts"][0])
               for planted in list(truth["persons"].values())[:40]]
    persons = [p for p in persons if len(recommender.history(p)) >= 5][:5]
    assert len(persons) == 5
    for person in persons:
        wrong = _wrong_first(engine, names, person)
        assert len(wrong) <= len(names) // 5, (person, len(wrong), wrong)


def test_a_query_whose_words_no_title_has_finds_what_its_shoppers_chose(shop):
    """'winter coat' is in no title; shoppers who typed it chose down jackets. (The first
    hit and most of the top 3: the third moves with the order the store reads the log in,
    which changes the ranker's training batches.)"""
    _, engine, _, _, _ = shop
    for query in ("winter coat", "冬季外套"):
        hits = engine.search(query, k=3).hits
        jackets = ["Down Jackets" in engine.catalog_.texts["category"][
            engine.catalog_.position[h.item_id]] for h in hits]
        assert len(hits) == 3 and jackets[0] and sum(jackets) >= 2, (query, jackets)


def test_what_the_shop_does_not_sell_finds_nothing(shop):
    """No word of these is in the catalog or the log: the shop model's text vectors alone
    found 200 items for each (sunscreen and crisps for 猫粮), which is no match, and left
    the search report's zero-result queries empty for good."""
    _, engine, _, _, _ = shop
    for query in ("猫粮", "露营帐篷", "儿童自行车", "camping tent", "kids bike", "tent",
                  "printer ink"):
        result = engine.search(query, k=5)
        assert (result.hits, result.matches) == ([], 0), (query, result.hits[:2])
        assert "nothing matches" in result.notes


def test_the_report_finds_the_planted_searches_for_what_the_shop_does_not_sell(shop):
    """The demo plants visits of one search for products it does not sell: they, and
    nothing the shop sells, are zero-result and high-exit."""
    from shopformer.tasks.search.trends import search_trends

    workspace, engine, _, _, truth = shop
    planted = {*truth["search_gaps"]["not_sold"], *truth["search_gaps"]["rising"]}
    trends = search_trends(workspace.store, window_days=60, min_count=1,
                           result_count=lambda query: engine.search(query, k=1).matches)
    zero = {z.query for z in trends.zero_result}
    assert len(zero) >= 3 and zero <= planted, zero
    leaving = {e.query for e in trends.high_exit}
    assert leaving and leaving <= planted, leaving


def test_dense_text_vectors_come_from_the_shop_model(shop):
    _, engine, recommender, _, _ = shop
    assert engine.dense_ is not None and len(engine.dense_) == len(engine.catalog_)
    assert engine.dense_.vectors.shape[1] == recommender.bundle_.model.config.text.hidden


def test_a_planted_query_returns_its_category_first(shop):
    _, engine, _, _, _ = shop
    for category in CATEGORIES:
        for query in (category.queries[1][0], category.queries[0][0]):
            hits = engine.search(query, k=3).hits
            leaf = category.leaf[1]
            assert hits, query
            categories = [engine.catalog_.texts["category"][engine.catalog_.position[h.item_id]]
                          for h in hits]
            assert leaf in categories[0], (query, categories)


def test_a_query_naming_one_product_finds_that_product_not_just_its_category(shop):
    """Demo shoppers who search 蓝牙耳机 go on to look at Bluetooth earbuds, not wired
    ones: the ranker has to learn the query's words from what they chose."""
    _, engine, _, _, _ = shop
    shares = {}
    for category in CATEGORIES:
        for column, language in ((0, "zh"), (1, "en")):
            nouns = tuple(names[column] for names in category.nouns)
            queries = category.queries[column]
            for query in queries:
                named = [n for n in range(len(nouns))
                         if query in fitting_queries(queries, nouns, n, language)]
                if len(named) != 1:
                    continue  # a generic query, or one naming several products
                sold = sum(nouns[named[0]] in t for t in engine.catalog_.texts["title"])
                if not sold:
                    continue
                titles = [engine.catalog_.texts["title"][engine.catalog_.position[h.item_id]]
                          for h in engine.search(query, k=3).hits]
                shares[query] = sum(nouns[named[0]] in t for t in titles) / min(3, sold)
    assert len(shares) >= 30 and shares["蓝牙耳机"] >= 2 / 3, sorted(shares.items())
    assert np.mean(list(shares.values())) >= 0.9, sorted(shares.items())


def test_persons_with_different_tastes_get_different_orders(shop):
    """'tea' matches iced tea (Cold Drinks) and green or oolong tea (Tea): fans of each
    get more of their own kind on top, and an anonymous search gets one order for all."""
    workspace, engine, recommender, _, truth = shop

    def fans(liked: str, not_liked: str) -> list[str]:
        found = []
        for planted in truth["persons"].values():
            favourites = " ".join(planted["favourite_categories"])
            person = workspace.person_for_account(*planted["accounts"][0])
            if (liked in favourites and not_liked not in favourites
                    and len(recommender.history(person)) >= 5):
                found.append(person)
        assert len(found) >= 3, f"too few planted fans of {liked}"
        return found

    def share(persons: list[str], leaf: str) -> float:
        """How high the leaf's items sit: their reciprocal ranks in the top 10, averaged."""
        shares = []
        for person in persons:
            hits = engine.search("tea", k=10, person_id=person).hits
            cats = [engine.catalog_.texts["category"][engine.catalog_.position[h.item_id]]
                    for h in hits]
            shares.append(sum(1 / rank for rank, c in enumerate(cats, 1) if leaf in c))
        return sum(shares) / len(shares)

    drinks_fans, tea_fans = fans("Cold Drinks", "Tea"), fans("Tea", "Cold Drinks")
    assert share(drinks_fans, "Cold Drinks") > share(tea_fans, "Cold Drinks")
    assert share(tea_fans, "> 茶叶 Tea") > share(drinks_fans, "> 茶叶 Tea")
    anonymous = [h.item_id for h in engine.search("tea", k=10).hits]
    personal = {tuple(h.item_id for h in engine.search("tea", k=10, person_id=p).hits)
                for p in drinks_fans + tea_fans}
    assert len(personal) > 1 and anonymous


def test_search_command_answers_from_the_active_model(shop):
    workspace = shop[0]
    result = runner.invoke(app, ["search", "bluetoth earbuds", "-w", str(workspace.root),
                                 "-k", "3", "--explain"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "showing results for" in result.output and "Earbuds" in result.output
    bad = runner.invoke(app, ["search", "tea", "-w", str(workspace.root), "--min-price", "9",
                              "--max-price", "1"])
    assert bad.exit_code == 2 and "max_price" in bad.output


def test_search_command_shows_whole_titles_at_any_width(shop, monkeypatch):
    """Rich cut words of cells holding Chinese short ("Variety Pac…") at some widths."""
    from shopformer.cli.output import console

    workspace, engine = shop[0], shop[1]
    for width in range(70, 130, 4):
        monkeypatch.setattr(console, "width", width)
        for query in ("薯片", "headphones"):
            out = runner.invoke(app, ["search", query, "-w", str(workspace.root), "-k", "5"])
            assert out.exit_code == 0 and "…" not in out.output, (width, out.output)
            cells = [line.split("│")[3] for line in out.output.splitlines()
                     if line.startswith("│")]  # the title column, line by line
            joined = "".join("".join(cells).split())
            for hit in engine.search(query, k=5).hits:
                assert "".join(hit.title.split()) in joined, (width, hit.title)


def test_search_report_checks_zero_results_with_the_active_model(shop):
    workspace = shop[0]
    result = runner.invoke(app, ["search-report", "-w", str(workspace.root), "--json",
                                 "--days", "30", "--min-count", "1"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["zero_result"] is not None  # checked against the search engine
    assert all(entry["count"] >= 1 for entry in report["zero_result"])


def test_text_aligned_on_the_search_log_is_saved_and_served(demo_shop, tmp_path):
    """train_search(align_minutes=…): the shop encoder is aligned on the log's (query,
    engaged item) pairs; the search model carries it, and loading it gives the same
    vectors the engine was indexed with."""
    import shutil

    from shopformer.workspace import ALIGNED_TEXT_FILE, Workspace

    workspace, _, _ = demo_shop
    workspace.close()
    shutil.copytree(workspace.root, tmp_path / "shop")
    with Workspace.open(tmp_path / "shop") as copy:
        version, trained = copy.train_search(SearchConfig(candidates=40, train_rows=40,
                                                          epochs=3, hidden=32),
                                             show_progress=False, align_minutes=0.05)
        assert (copy.models.path("search", version) / ALIGNED_TEXT_FILE).is_file()
        loaded = copy.search_engine()
        assert np.allclose(loaded.dense_.vectors, trained.dense_.vectors, atol=1e-5)
        plain = copy.search_engine().text_vectors  # the same aligned encoder again
        unaligned = _shop_vectors(copy)
        title = trained.catalog_.texts["title"][0]
        assert not np.allclose(plain([title]), unaligned([title]), atol=1e-3)
        assert loaded.search(title.split()[-1], k=3).hits


def _shop_vectors(workspace):
    from shopformer.train.finetune import TextEncoderSource
    from shopformer.train.text_alignment import text_vectors

    bundle = workspace.shop_model()
    return text_vectors(TextEncoderSource(bundle.model.text, bundle.tokenizer))
