"""Recommendation on the demo shop: planted tastes come back, rules hold, reasons are real."""

from __future__ import annotations

from datetime import datetime

import pytest

from shopformer.core.errors import ConfigError, NotFittedError
from shopformer.tasks.recommend import WHERE, Filters, RecommendConfig, Recommender


@pytest.fixture(scope="module")
def shop(demo_shop):
    workspace, bundle, truth = demo_shop
    return workspace, Recommender().fit(workspace.store, bundle), truth


def persons_with_history(workspace, recommender, truth, least=10):
    for planted in truth["persons"].values():
        person = workspace.person_for_account(*planted["accounts"][0])
        if len(recommender.history(person)) >= least:
            yield person, planted


def category_of(recommender, item_id):
    return recommender.categories_[recommender.bundle_.vocab.items.index([item_id])[0]] or ""


def test_planted_taste_comes_back_on_top(shop):
    workspace, recommender, truth = shop
    hits = total = 0
    for person, planted in persons_with_history(workspace, recommender, truth):
        top = recommender.recommend(person, k=1)[0]
        category = category_of(recommender, top.item_id)
        hits += any(favourite in category for favourite in planted["favourite_categories"])
        total += 1
    assert total >= 50
    assert hits / total >= 0.55  # one of 12 categories by chance: about 0.17


def test_a_new_event_changes_the_list_at_once(shop):
    workspace, recommender, truth = shop
    person, _ = next(persons_with_history(workspace, recommender, truth))
    before = [r.item_id for r in recommender.recommend(person, k=10)]
    elsewhere = next(i for i in recommender.bundle_.vocab.items.values
                     if category_of(recommender, i) != category_of(recommender, before[0]))
    for minute in range(5):
        recommender.observe(person, {"item_id": elsewhere, "type": "view", "channel": "app",
                                     "ts": datetime(2030, 1, 1, 12, minute)})
    after = [r.item_id for r in recommender.recommend(person, k=10)]
    assert after != before
    assert any(elsewhere in reason for r in recommender.recommend(person, k=3)
               for reason in r.reasons)


def test_one_person_one_list_across_channels(shop):
    workspace, recommender, truth = shop
    linked = next(p for p in truth["persons"].values() if p["linked"] and
                  {"web", "app"} <= {c for c, _ in p["accounts"]})
    accounts = dict(linked["accounts"])
    on_web = workspace.person_for_account("web", accounts["web"])
    on_app = workspace.person_for_account("app", accounts["app"])
    assert on_web == on_app
    assert [r.item_id for r in recommender.recommend(on_web, k=10)] == \
        [r.item_id for r in recommender.recommend(on_app, k=10)]
    for channel in ("web", "store"):
        for r in recommender.recommend(on_web, k=20, channel=channel):
            sold_on = recommender.channels_[recommender.bundle_.vocab.items.index([r.item_id])[0]]
            assert sold_on is None or channel in sold_on


def test_bought_items_are_not_recommended_unless_rebuy_is_allowed(shop):
    workspace, recommender, truth = shop
    for person, _ in persons_with_history(workspace, recommender, truth):
        bought = {e["item_id"] for e in recommender.history(person) if e["type"] == "purchase"}
        if bought:
            break
    shown = {r.item_id for r in recommender.recommend(person, k=40)}
    assert not shown & bought
    rebuy = Recommender(RecommendConfig(rebuy_categories=("",))).fit(workspace.store,
                                                                    recommender.bundle_)
    again = [r.item_id for r in rebuy.recommend(person, k=80) if r.item_id in bought]
    assert again
    # an item sent back never comes back, even where buying again is allowed
    rebuy.observe(person, {"item_id": again[0], "type": "return", "channel": "web",
                           "ts": datetime(2030, 1, 1, 12)})
    assert again[0] not in {r.item_id for r in rebuy.recommend(person, k=80)}


def test_filters_boosts_and_diversity(shop):
    workspace, recommender, truth = shop
    person, _ = next(persons_with_history(workspace, recommender, truth))
    cheap = recommender.recommend(person, k=10, filters=Filters(max_price=50.0))
    assert all(recommender.prices_[recommender.bundle_.vocab.items.index([r.item_id])[0]] <= 50
               for r in cheap)
    last = recommender.recommend(person, k=80)[-1].item_id
    boosted = recommender.recommend(person, k=1, filters=Filters(boosts={last: 1e6}))
    assert boosted[0].item_id == last
    varied = Recommender(RecommendConfig(max_per_category=2)).fit(workspace.store,
                                                                  recommender.bundle_)
    categories = [category_of(varied, r.item_id) for r in varied.recommend(person, k=10)]
    assert max(categories.count(c) for c in categories) <= 2


def test_explanations_name_real_past_events(shop):
    workspace, recommender, truth = shop
    person, _ = next(persons_with_history(workspace, recommender, truth))
    history_items = {e["item_id"] for e in recommender.history(person)}
    titles = dict(zip(*workspace.store.read_table("item", ["item_id", "title"]).to_pydict()
                      .values(), strict=True))
    for r in recommender.recommend(person, k=5):
        assert r.title == titles[r.item_id]  # what the item is, beside why
        assert r.reasons
        for reason in r.reasons:  # a past event of the item itself calls it "it"
            itself = " it " in reason
            assert (r.item_id in history_items) if itself else \
                any(f"({item})" in reason for item in history_items), reason
        assert all(f"({r.item_id})" not in reason for reason in r.reasons)
        assert all(any(where in reason for where in WHERE.values())  # which channel
                   for reason in r.reasons), r.reasons
        # read as English: "you added it to your cart in the app", not "added to cart it"
        assert not any(" to cart " in reason or " on app " in reason for reason in r.reasons)
        assert all(reason.endswith(("(most recently)", "before your latest visit)"))
                   for reason in r.reasons), r.reasons  # when, against what


def test_new_person_gets_popular_items_and_unfitted_use_is_refused(shop):
    _, recommender, _ = shop
    fresh = recommender.recommend("p_nobody", k=5, channel="app")
    assert len(fresh) == 5 and fresh[0].reasons == ["popular in the app lately"]
    # asked with no channel, popularity is the whole shop's: it said "on this channel"
    assert recommender.recommend("p_nobody", k=1)[0].reasons == ["popular in the shop lately"]
    with pytest.raises(NotFittedError):
        Recommender().recommend("p_nobody")


def test_channel_and_category_filters_hold(shop):
    workspace, recommender, truth = shop
    person, _ = next(persons_with_history(workspace, recommender, truth))
    vocab = recommender.bundle_.vocab
    for channel in ("app", "store", "mini"):
        for r in recommender.recommend(person, k=20, channel=channel):
            sold_on = recommender.channels_[vocab.items.index([r.item_id])[0]]
            assert sold_on is None or channel in sold_on
    prefix = category_of(recommender, recommender.recommend(person, k=1)[0].item_id)[:3]
    narrowed = recommender.recommend(person, k=5, filters=Filters(category_prefix=prefix))
    assert narrowed and all(category_of(recommender, r.item_id).startswith(prefix)
                            for r in narrowed)
    assert recommender.recommend(person, k=5, filters=Filters(category_prefix="no such")) == []


def test_diversity_reaches_past_its_first_pool():
    import numpy as np

    recommender = Recommender(RecommendConfig(max_per_category=1))
    recommender.categories_ = ["a"] * 500 + ["b", "c"]  # the best 500 share one category
    scores = np.concatenate([np.linspace(10, 5, 500), [1.0, 0.5]])
    assert recommender._diverse_top(scores, 3) == [0, 500, 501]
    scores[501] = -np.inf  # excluded by a rule: only two can be found
    assert recommender._diverse_top(scores, 3) == [0, 500]


def test_fit_can_fine_tune_the_shop_model_for_next_items(shop):
    from shopformer.tasks.recommend import next_item_training

    workspace, recommender, truth = shop
    training = next_item_training(epochs=2, max_minutes=None, batch_size=32, negatives=64,
                                  threads=1, seed=3)
    tuned = Recommender().fit(workspace.store, recommender.bundle_, training)
    assert tuned.bundle_ is not recommender.bundle_
    assert tuned.bundle_.metrics["objectives"] == ["next_event"]
    assert not np_equal(tuned.item_vectors_, recommender.item_vectors_)
    person, _ = next(persons_with_history(workspace, tuned, truth))
    assert len(tuned.recommend(person, k=5)) == 5


def np_equal(a, b) -> bool:
    return bool((a == b).all())


def test_observed_events_move_what_new_persons_see(shop):
    workspace, recommender, _ = shop
    fresh = Recommender().fit(workspace.store, recommender.bundle_)
    before = [r.item_id for r in fresh.recommend("p_nobody", k=3, channel="app")]
    rising = before[-1]
    for n in range(500):  # a sudden run on one item, on the app
        fresh.observe(f"p_someone{n}", {"item_id": rising, "type": "view", "channel": "app"})
    assert fresh.recommend("p_nobody", k=1, channel="app")[0].item_id == rising
    assert fresh.recommend("p_nobody", k=3, channel="web") == \
        Recommender().fit(workspace.store, recommender.bundle_).recommend("p_nobody", k=3,
                                                                          channel="web")


def test_out_of_stock_items_are_left_out_until_they_are_back(shop):
    from shopformer.tasks.stock import in_stock as _in_stock

    workspace, recommender, truth = shop
    person, _ = next(persons_with_history(workspace, recommender, truth))
    tuned = Recommender().fit(workspace.store, recommender.bundle_)
    top = tuned.recommend(person, k=1)[0].item_id
    tuned.set_stock(top, False)
    assert top not in {r.item_id for r in tuned.recommend(person, k=20)}
    tuned.set_stock(top, True)
    assert tuned.recommend(person, k=1)[0].item_id == top
    with pytest.raises(ConfigError):
        tuned.set_stock("no such item", False)
    # what the catalog's attributes say
    assert not _in_stock('{"stock": 0}') and not _in_stock({"in_stock": False})
    assert not _in_stock({"inventory": -2})
    assert _in_stock({"stock": 4}) and _in_stock(None) and _in_stock("not json")
    assert _in_stock({"in_stock": True, "colour": "red"})
    # or what a column of the items export says, kept in `extra` (库存, Shopify's stock)
    assert not _in_stock(None, '{"库存": "0"}') and not _in_stock("{}", {"stock": "0"})
    assert not _in_stock({}, {"现货": "缺货"}) and not _in_stock({}, {"Inventory": "-1"})
    assert _in_stock({}, {"库存": "12", "颜色": "0"}) and _in_stock({"stock": 3}, {"stock": "0"})
    # a product not on sale (Shopify's draft or archived, 下架) is left out too
    assert not _in_stock({}, {"status": "archived"}) and not _in_stock({}, {"商品状态": "已下架"})
    assert _in_stock({}, {"status": "active"}) and _in_stock({}, {"order status": "archived"})


def test_preloaded_timelines_match_the_store_and_forget_drops_them(shop):
    workspace, fitted, truth = shop
    preloaded = Recommender().fit(workspace.store, fitted.bundle_)
    on_request = Recommender(RecommendConfig(preload_timelines=False)).fit(
        workspace.store, fitted.bundle_)
    persons = [person for person, _ in persons_with_history(workspace, preloaded, truth)][:5]
    for person in persons:
        assert person in preloaded._timeline_rows
        assert preloaded.history(person) == on_request.history(person)
        assert ([r.item_id for r in preloaded.recommend(person, k=5)]
                == [r.item_id for r in on_request.recommend(person, k=5)])
    person = persons[0]
    stored = on_request.history(person)
    short = Recommender(RecommendConfig(history_events=3)).fit(workspace.store,
                                                              fitted.bundle_)
    assert short.history(person) == stored[-3:]
    short.observe(person, {"item_id": stored[0]["item_id"], "type": "view", "channel": "app",
                           "ts": datetime(2030, 1, 1)})
    assert short.history(person)[-1]["ts"] == datetime(2030, 1, 1)
    short.forget(person)  # live events gone; the stored ones are read again
    assert person not in short._timeline_rows
    assert short.history(person) == stored[-3:]


def test_served_scores_are_the_evaluated_models_scores(shop):
    """No train/serve skew: the request path (cached item vectors, numpy) ranks exactly as
    the evaluation scorer does on the same history."""
    import numpy as np

    from shopformer.data.sequences import build_sequences
    from shopformer.train.evaluate import history_scorer

    workspace, fitted, truth = shop
    bundle = fitted.bundle_
    recommender = Recommender().fit(workspace.store, bundle)  # no events observed by others
    sequences = build_sequences(workspace.store, bundle.vocab)
    row = {person: n for n, person in enumerate(sequences.person_ids)}
    persons = [p for p, _ in persons_with_history(workspace, recommender, truth)
               if sequences.lengths[row[p]] <= recommender.config.history_events][:5]
    assert persons
    indices = np.array([row[p] for p in persons])
    evaluated = history_scorer(bundle.model, sequences)(indices, sequences.offsets[indices + 1])
    for person, expected in zip(persons, evaluated, strict=True):
        served = recommender.recommend(person, k=5)
        chosen = bundle.vocab.items.index([r.item_id for r in served])
        assert np.allclose([r.score for r in served], expected[chosen], atol=1e-4)


def test_answers_say_what_reviews_say_and_may_leave_out_poorly_reviewed_items(shop):
    """With review signals, each item carries its reviews' summary (the planted complaint
    burst's item: logistics read worst), and `min_review_positive` drops exactly the items
    below the floor, keeping the order of the rest and the items without reviews."""
    from shopformer.workspace import SENTIMENT_MODEL

    workspace, recommender, truth = shop
    if workspace.models.active(SENTIMENT_MODEL) is None:
        workspace.train_sentiment()
    signals = workspace.review_signals()
    reviewed = Recommender().fit(workspace.store, recommender.bundle_, reviews=signals)
    burst = truth["complaint_burst"]["item_id"]
    pushed = Filters(boosts={burst: 1e6})
    top = reviewed.recommend("p_nobody", k=1, filters=pushed)[0]
    assert top.item_id == burst and top.reviews["reviews"] == signals.reviews[burst]
    assert top.reviews["weakest_aspect"]["aspect"] == truth["complaint_burst"]["aspect"]
    assert recommender.recommend("p_nobody", k=1, filters=pushed)[0].reviews is None
    person, _ = next(persons_with_history(workspace, recommender, truth))
    every = reviewed.recommend(person, k=200, filters=pushed)
    above = [v for v in signals.positive.values() if v > signals.positive[burst] + 1e-3]
    floor = (signals.positive[burst] + min(above)) / 2  # far from any share, shown rounded
    kept = reviewed.recommend(person, k=200, filters=Filters(boosts={burst: 1e6},
                                                              min_review_positive=floor))
    assert burst in [r.item_id for r in every] and burst not in [r.item_id for r in kept]
    assert [r.item_id for r in kept] == [r.item_id for r in every
                                         if r.reviews is None or r.reviews["positive"] >= floor]
    assert len(kept) < len(every)
    with pytest.raises(ConfigError, match="sentiment model"):
        recommender.recommend(person, filters=Filters(min_review_positive=0.5))
    with pytest.raises(ConfigError, match=r"\[0, 1\]"):
        Filters(min_review_positive=1.5)


def test_rules_that_remove_items_never_reorder_the_rest(shop):
    """Popular lists are full of equal counts: ties go in catalog order, so leaving items
    out (a rule, a channel, a review floor) keeps the others' order."""
    _, recommender, _ = shop
    every = [r.item_id for r in recommender.recommend("p_nobody", k=60)]
    scores = [r.score for r in recommender.recommend("p_nobody", k=60)]
    assert len(set(scores)) < len(scores)  # the point: ties
    dropped = frozenset(every[::3])
    rest = [r.item_id for r in recommender.recommend("p_nobody", k=60,
                                                     filters=Filters(exclude=dropped))]
    assert rest == [i for i in every if i not in dropped] + rest[len(every) - len(dropped):]
