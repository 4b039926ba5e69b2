"""Ad ranking on impressions drawn from a known rule: the ordering comes back, probabilities
are calibrated, the budget and frequency rules remove ads, and the model survives a save."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import numpy as np
import pyarrow as pa
import pytest
from scipy.special import expit

from shopformer.core.errors import ConfigError, InputError, NotFittedError
from shopformer.metrics.calibration import expected_calibration_error
from shopformer.tasks.ads import AdRanker, AdRankerConfig
from shopformer.train import tabular
from shopformer.train.calibration import Calibration, fit_calibration
from shopformer.train.tabular import (
    ProbabilityModel,
    TabularTrainingConfig,
    ensemble_logits,
    fit_probability_model,
    member_splits,
)

CATEGORIES = ("shoes", "bags", "toys", "books")
DAY = date(2026, 11, 24)
TRAINING = TabularTrainingConfig(hidden=(32,), ensemble=2, batch_size=512, learning_rate=5e-3,
                                 max_epochs=25, patience=4, seed=3)


def true_ctr(category, position):
    lift = {"shoes": 1.2, "bags": 0.6, "toys": 0.0, "books": -0.6}
    return expit(-1.2 + np.vectorize(lift.get)(category) - 0.4 * (position - 1))


def true_cvr(device, price):
    return expit(-0.4 + 1.2 * (device == "app") - 0.7 * (np.log(price) - 3.0))


def impressions(rows: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    category = rng.choice(CATEGORIES, rows)
    device = rng.choice(["app", "web"], rows)
    position = rng.integers(1, 6, rows).astype(float)
    price = np.exp(rng.normal(3.0, 1.0, rows))  # heavy-tailed, as shop prices are
    clicked = rng.uniform(size=rows) < true_ctr(category, position)
    converted = clicked & (rng.uniform(size=rows) < true_cvr(device, price))
    return {"category": category, "device": device, "position": position, "price": price,
            "clicked": clicked.astype(int), "converted": converted.astype(int),
            "ad_id": np.array([f"ad{i % 50}" for i in range(rows)]),
            "campaign_id": np.array([f"c{i % 5}" for i in range(rows)]),
            "bid": np.ones(rows)}


def settings(**overrides) -> AdRankerConfig:
    values = {"numeric": ("position", "price"), "categorical": ("category", "device"),
              "ctr_training": TRAINING, "cvr_training": TRAINING, **overrides}
    return AdRankerConfig(**values)


@pytest.fixture(scope="module")
def ranker() -> Iterator[AdRanker]:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)  # module fixtures start before the suite's one-thread fixture
    yield AdRanker(settings()).fit(pa.table(impressions(6000, seed=1)))
    torch.set_num_threads(before)


def candidates() -> dict[str, list]:
    """Eight ads, one per (category, device), same position, price and bid."""
    pairs = [(c, d) for c in CATEGORIES for d in ("app", "web")]
    return {"category": [c for c, _ in pairs], "device": [d for _, d in pairs],
            "position": [1.0] * 8, "price": [20.0] * 8, "bid": [1.0] * 8,
            "ad_id": [f"{c}-{d}" for c, d in pairs],
            "campaign_id": [f"camp-{c}" for c, _ in pairs]}


def true_value(columns) -> np.ndarray:
    return (np.asarray(columns["bid"]) * true_ctr(np.array(columns["category"]), 1.0)
            * true_cvr(np.array(columns["device"]), 20.0))


def test_the_generating_ordering_comes_back(ranker):
    offer = candidates()
    truth = dict(zip(offer["ad_id"], true_value(offer), strict=True))
    ranked = [choice.ad_id for choice in ranker.rank(offer, k=8)]
    assert ranked[0] == max(truth, key=truth.get)
    for i, better in enumerate(ranked):  # every clearly better ad (30 %+) ranks higher
        for worse in ranked[i + 1:]:
            assert truth[better] * 1.3 > truth[worse], (better, worse, ranked)


def test_probabilities_match_the_rule_and_observed_rates(ranker):
    test = impressions(6000, seed=2)
    ctr = ranker.predict_ctr(test)
    assert abs(ctr.mean() - test["clicked"].mean()) < 0.02
    truth = true_ctr(test["category"], test["position"])
    assert np.abs(ctr - truth).mean() < 0.03
    scores = ranker.evaluate(test)
    assert scores["ctr"]["auc"] > 0.65 and scores["cvr"]["auc"] > 0.65
    assert scores["ctr"]["ece"] < 0.03 and scores["cvr"]["ece"] < 0.06
    assert scores["cvr"]["rows"] == test["clicked"].sum()  # pCVR judged on clicks only


def test_bid_and_objective_change_the_order(ranker):
    offer = candidates()
    worst = int(np.argmin(true_value(offer)))
    offer["bid"][worst] = 100.0
    assert ranker.rank(offer, k=1)[0].ad_id == offer["ad_id"][worst]
    # CPC bids: a high-pCTR ad leads even when its clicks rarely convert.
    offer = candidates()
    cpc = copy.copy(ranker)
    cpc.config = replace(ranker.config, objective="bid*ctr")
    assert cpc.rank(offer, k=1)[0].ad_id.startswith("shoes-")
    top = cpc.rank(offer, k=2)
    assert {choice.ad_id for choice in top} == {"shoes-app", "shoes-web"}


def test_an_exhausted_budget_removes_the_campaign(ranker):
    best = ranker.rank(candidates(), k=1)[0]
    live = copy.deepcopy(ranker)
    live.set_budget(best.campaign_id, 0.0)
    shown = live.rank(candidates(), k=8)
    assert best.campaign_id not in {choice.campaign_id for choice in shown}
    assert len(shown) == 6  # two ads per campaign, one campaign out of money
    row = {name: values[0] for name, values in candidates().items()}  # shoes-app
    assert any("removed: campaign camp-shoes" in reason for reason in live.explain(row))


def test_a_budget_pays_for_one_ad_but_not_two(ranker):
    live = copy.deepcopy(ranker)
    ranked = live.rank(candidates(), k=8)
    shoes = [choice for choice in ranked if choice.campaign_id == "camp-shoes"]
    live.set_budget("camp-shoes", shoes[0].score + 0.5 * shoes[1].score)
    kept = [c.ad_id for c in live.rank(candidates(), k=8) if c.campaign_id == "camp-shoes"]
    assert kept == [shoes[0].ad_id]


def test_the_daily_cap_removes_a_campaign_for_that_person_only(ranker):
    live = copy.deepcopy(ranker)
    best = live.rank(candidates(), k=1, person_id="p1", day=DAY)[0]
    for _ in range(live.config.daily_impression_cap):
        live.record_impression("p1", best.campaign_id, day=DAY)
    capped = live.rank(candidates(), k=8, person_id="p1", day=DAY)
    assert best.campaign_id not in {choice.campaign_id for choice in capped}
    assert live.rank(candidates(), k=1, person_id="p2", day=DAY)[0].ad_id == best.ad_id
    next_day = date(2026, 11, 25)
    assert live.rank(candidates(), k=1, person_id="p1", day=next_day)[0].ad_id == best.ad_id
    row = {name: values[0] for name, values in candidates().items()}
    reasons = live.explain(row, person_id="p1", day=DAY)
    assert any("daily cap 3" in reason for reason in reasons)


def test_explain_gives_the_numbers_behind_the_score(ranker):
    row = {name: values[0] for name, values in candidates().items()}
    choice = ranker.rank({name: [value] for name, value in row.items()}, k=1)[0]
    reasons = ranker.explain(row)
    assert reasons[0].startswith(f"pCTR {choice.ctr:.2%}")
    assert reasons[1].startswith(f"pCVR {choice.cvr:.2%}")
    assert f"{choice.score:.4g}" in reasons[3] and reasons[-1].startswith("passes")
    assert choice.reasons == reasons


def test_an_unseen_category_still_gets_a_probability(ranker):
    offer = candidates()
    offer["category"][0] = "garden"
    ctr = ranker.predict_ctr(offer)
    assert np.all((ctr > 0) & (ctr < 1))


def test_calibration_repairs_a_miscalibrated_model():
    rng = np.random.default_rng(4)
    logits = rng.normal(-1.0, 1.5, 20_000)
    labels = (rng.uniform(size=logits.size) < expit(logits)).astype(float)
    distorted = 3.0 * logits + 1.0  # over-confident and shifted
    fit, held = slice(0, 10_000), slice(10_000, None)
    before = expected_calibration_error(labels[held], expit(distorted[held]))
    assert before > 0.1
    for method in ("platt", "isotonic"):
        calibration = fit_calibration(distorted[fit], labels[fit], method)
        restored = Calibration.from_dict(json.loads(json.dumps(calibration.to_dict())))
        after = expected_calibration_error(labels[held], restored.probabilities(distorted[held]))
        assert after < 0.02, method
    platt = fit_calibration(distorted[fit], labels[fit], "platt")
    assert platt.slope == pytest.approx(1 / 3, abs=0.05)
    assert platt.intercept == pytest.approx(-1 / 3, abs=0.1)


def test_training_is_deterministic_with_a_seed():
    data = impressions(1500, seed=5)
    quick = replace(TRAINING, ensemble=1, max_epochs=4)
    runs = [fit_probability_model(data, data["clicked"], ["position", "price"], ["category"],
                                  quick).probabilities(data) for _ in range(2)]
    assert np.array_equal(runs[0], runs[1])


def test_cross_fitting_calibrates_on_an_out_of_fold_logit_of_every_row(monkeypatch):
    data = impressions(1500, seed=8)
    labels = data["clicked"]
    config = replace(TRAINING, ensemble=3, max_epochs=4, cross_fit=True)
    seen = []  # (training rows, held-out rows) each member was given, as numeric features
    train_head = tabular._train_head

    def recording(head_config, train, valid, settings, seed):
        seen.append((train[0], valid[0]))
        return train_head(head_config, train, valid, settings, seed)

    monkeypatch.setattr(tabular, "_train_head", recording)
    model = fit_probability_model(data, labels, ["position", "price"], ["category"], config)
    splits = member_splits(labels, config)
    folds = np.concatenate([fold for _, fold in splits])
    assert np.array_equal(np.sort(folds), np.arange(len(labels)))  # each row held out once
    numeric, categorical = model.encoder.transform(data)
    out_of_fold = np.zeros(len(labels))
    for head, (train_rows, fold), (trained, held) in zip(model.heads, splits, seen, strict=True):
        assert 0 < labels[fold].mean() < 1
        assert np.array_equal(train_rows, np.setdiff1d(np.arange(len(labels)), fold))
        assert np.array_equal(trained, numeric[train_rows])  # trained on the other folds
        assert np.array_equal(held, numeric[fold])  # and early-stopped on its own
        out_of_fold[fold] = ensemble_logits([head], numeric[fold], categorical[fold])
    assert model.metrics["validation_rows"] == len(labels)
    assert model.calibration == fit_calibration(out_of_fold, labels, "platt")
    in_sample = ensemble_logits(model.heads, numeric, categorical)
    assert model.calibration != fit_calibration(in_sample, labels, "platt")
    restored = ProbabilityModel.from_parts(json.loads(json.dumps(model.to_dict())),
                                           model.tensors())
    assert np.array_equal(restored.probabilities(data), model.probabilities(data))


def test_cross_fitting_needs_a_fold_per_member_with_both_labels():
    with pytest.raises(ConfigError, match="cross_fit needs ensemble >= 2"):
        replace(TRAINING, ensemble=1, cross_fit=True)
    data = impressions(300, seed=9)
    few = np.zeros(300, dtype=int)
    few[:2] = 1
    with pytest.raises(ConfigError, match=r"too few rows labelled 1 \(2\) for 3"):
        fit_probability_model(data, few, ["position"], (), replace(TRAINING, ensemble=3,
                                                                 cross_fit=True))
    saved = {k: v for k, v in TRAINING.to_dict().items() if k != "cross_fit"}
    assert TabularTrainingConfig.from_dict(saved).cross_fit is False  # saved before it existed


def test_save_and_load_give_identical_answers(ranker, tmp_path):
    ranker.save(tmp_path / "ads")
    assert {p.name for p in (tmp_path / "ads").iterdir()} == {"config.json",
                                                              "model.safetensors"}
    loaded = AdRanker.load(tmp_path / "ads")
    test = impressions(500, seed=6)
    assert np.array_equal(loaded.predict_ctr(test), ranker.predict_ctr(test))
    assert np.array_equal(loaded.predict_cvr(test), ranker.predict_cvr(test))
    assert loaded.rank(candidates(), k=8) == ranker.rank(candidates(), k=8)
    assert loaded.config == ranker.config


def test_nothing_before_fit():
    ranker = AdRanker(settings())
    with pytest.raises(NotFittedError):
        ranker.predict_ctr(candidates())
    with pytest.raises(NotFittedError):
        ranker.rank(candidates())


def test_bad_input_names_the_column(ranker):
    data = impressions(300, seed=7)
    with pytest.raises(InputError, match=r"'price'.*missing"):
        AdRanker(settings()).fit({k: v for k, v in data.items() if k != "price"})
    data["price"] = data["price"].astype(object)
    data["price"][7] = "cheap"
    with pytest.raises(InputError, match=r"'price'.*'cheap'"):
        ranker.predict_ctr(data)
    labels = impressions(300, seed=7)
    labels["clicked"][3] = 2
    with pytest.raises(InputError, match=r"'clicked'.*0/1"):
        AdRanker(settings()).fit(labels)
    offer = candidates()
    offer["bid"][2] = -1.0
    with pytest.raises(InputError, match="'bid'"):
        ranker.rank(offer)
    with pytest.raises(ConfigError, match=r"bid\*ctr\*cvr"):
        settings(objective="bid*cvr")
