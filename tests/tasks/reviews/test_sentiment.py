"""Review sentiment: polarity (with negation) and aspects on hand-written sentences, calibrated
probabilities, star ratings, save/load, and clear errors."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from shopformer.core.errors import ConfigError, InputError
from shopformer.data.tokenizer import ShopTokenizer, TokenizerConfig
from shopformer.tasks.reviews.analysis import ReviewAnalyzer
from shopformer.tasks.reviews.ngrams import NgramConfig, NgramVectorizer
from shopformer.tasks.reviews.sentiment import (
    ReviewSentiment,
    SentimentConfig,
    TextEncoderSource,
    fit_ratio_model,
)
from shopformer.train.finetune import holdout_split
from shopformer.train.text_pretrain import text_model

# hand-written, not the demo's phrases: (text, positive?)
HAND_WRITTEN = [
    ("东西质量很好，很满意", True),
    ("质量不是很好，有点失望", False),
    ("物流太慢了，等了一个星期", False),
    ("价格一点也不贵，推荐购买", True),
    ("不会再买了", False),
    ("Not bad at all, I would recommend it", True),
    ("The quality is not great and it broke", False),
    ("Delivery was fast and the packaging was solid", True),
    ("Way too expensive, not worth it", False),
    ("Very disappointed, do not buy", False),
]


def test_polarity_of_hand_written_sentences_including_negation(bilingual):
    texts = [t for t, _ in HAND_WRITTEN]
    expected = np.array([p for _, p in HAND_WRITTEN])
    assert ((bilingual.probability(texts) >= 0.5) == expected).all(), \
        list(zip(texts, bilingual.probability(texts).round(2), strict=True))


def test_aspect_polarity_follows_each_clause(bilingual):
    analyzer = ReviewAnalyzer(bilingual)
    zh, en = analyzer.analyze(["物流很快，但是包装破损了", "Delivery was really slow but the "
                                                     "quality is great"])
    assert {a: p >= 0.5 for a, p in zh.aspects().items()} == {"logistics": True,
                                                              "packaging": False}
    assert {a: p >= 0.5 for a, p in en.aspects().items()} == {"logistics": False,
                                                              "quality": True}
    assert zh.negative_aspects() == ("packaging",)
    assert en.to_dict()["aspects"]["logistics"]["polarity"] == "negative"
    with pytest.raises(InputError, match="row 2, field 'text'"):  # was scored 0.70
        analyzer.analyze(["物流很快", "   "])


def test_probabilities_are_calibrated_on_held_out_reviews(bilingual, make_reviews):
    texts, ratings = make_reviews(2000, seed=1)
    keep = [i for i, r in enumerate(ratings) if r != 3]
    y = np.array([ratings[i] >= 4 for i in keep])
    # the full stack and the fast clause reader are each calibrated
    for p in (bilingual.probability([texts[i] for i in keep]),
              bilingual.clause_probability([texts[i] for i in keep])):
        assert np.mean((p >= 0.5) == y) > 0.85
        # reliability: in each third of predicted probability the positive rate is close
        for low, high in ((0, 1 / 3), (1 / 3, 2 / 3), (2 / 3, 1.0001)):
            chosen = (p >= low) & (p < high)
            if chosen.sum() >= 50:
                assert abs(y[chosen].mean() - p[chosen].mean()) < 0.1


def test_star_rating_prediction_orders_reviews(bilingual, make_reviews):
    texts, ratings = make_reviews(600, seed=2)
    stars = bilingual.rating(texts)
    assert stars.min() >= 1 and stars.max() <= 5
    assert np.corrcoef(stars, ratings)[0, 1] > 0.6


def test_reasons_name_the_ngrams_that_decided(bilingual):
    reasons = bilingual.reasons("quality is not great", top=3)
    assert len(reasons) == 3
    assert sum(push for _, push in reasons) < 0


@pytest.fixture(scope="module")
def fine_tuned(make_reviews):
    """(model, the shop encoder's weights before fine-tuning, the shop encoder)."""
    texts, ratings = make_reviews(800, seed=3)
    tokenizer = ShopTokenizer.train(texts, TokenizerConfig(vocab_size=600, max_tokens=48))
    encoder = text_model(tokenizer, hidden=32, layers=1, heads=2).text
    before = {k: v.clone() for k, v in encoder.state_dict().items()}
    model = ReviewSentiment(SentimentConfig(encoder_epochs=1)).fit(
        texts, ratings=ratings, encoder=TextEncoderSource(encoder, tokenizer))
    return model, before, encoder


def test_save_and_load_with_a_fine_tuned_encoder(tmp_path, fine_tuned):
    model, before, encoder = fine_tuned
    assert set(model.report_.stack_weights) == {"ngrams", "ngram_ratios", "lexicon",
                                                "neighbours", "encoder"}
    assert all((encoder.state_dict()[k] == v).all() for k, v in before.items()), \
        "fine-tuning must not change the shop model's own encoder"
    model.save(tmp_path / "sentiment")
    loaded = ReviewSentiment.load(tmp_path / "sentiment")
    probe = ["物流太慢了", "Great value for money", "质量很好"]
    assert loaded.cascade_margin == model.cascade_margin
    assert np.allclose(loaded.probability(probe), model.probability(probe), atol=1e-5)
    assert np.allclose(loaded.probability(probe, cascade=False),
                       model.probability(probe, cascade=False), atol=1e-5)
    assert np.allclose(loaded.rating(probe), model.rating(probe), atol=1e-4)
    assert np.allclose(loaded.clause_probability(probe), model.clause_probability(probe),
                       atol=1e-6)


def test_cascade_skips_the_encoder_only_where_the_ngrams_are_sure(fine_tuned, monkeypatch):
    model, _, _ = fine_tuned
    texts = ["物流太慢了", "Great value for money", "质量很好", "还行吧", "not sure about it"]
    full = model.probability(texts, cascade=False)
    alone = model.clause_probability(texts)
    seen: list[list[str]] = []
    encoder_logits = model._encoder_logits

    def counting(batch, codes):
        seen.append(list(batch))
        return encoder_logits(batch, codes)

    monkeypatch.setattr(model, "_encoder_logits", counting)
    sureness = np.sort(np.abs(np.log(alone / (1 - alone))))
    margin = float(sureness[1] + sureness[2]) / 2  # between two texts: no tie at the margin
    monkeypatch.setattr(model, "cascade_margin", margin)
    mixed = model.probability(texts)
    unsure = [t for t, p in zip(texts, alone, strict=True)
              if abs(np.log(p / (1 - p))) < margin]
    assert seen == [unsure]  # only the texts the n-grams are unsure of reach the encoder
    for text, p, f, a in zip(texts, mixed, full, alone, strict=True):
        assert np.isclose(p, f if text in unsure else a)
    monkeypatch.setattr(model, "cascade_margin", None)
    assert np.allclose(model.probability(texts), full)


def test_cascade_margin_keeps_the_agreement_asked_for():
    from shopformer.tasks.reviews.sentiment import _cascade_margin
    alone = np.array([5.0, -4.0, 3.0, -2.0, 1.0, -0.5])
    full = np.array([4.0, -3.0, 2.0, 1.0, -1.0, 0.5])  # they disagree from |2| down
    assert _cascade_margin(alone, full, 1.0) == 3.0
    assert _cascade_margin(alone, full, 0.75) == 2.0
    assert _cascade_margin(-alone, full, 0.9) is None


def test_real_chinese_reviews(shared_data):
    path = shared_data / "reviews_zh" / "online_shopping_10_cats.csv"
    with path.open(encoding="utf-8-sig") as handle:
        rows = [r for r in csv.DictReader(handle) if r["review"].strip()]
    rng = np.random.default_rng(0)
    chosen = rng.choice(len(rows), 7000, replace=False)
    texts = [rows[i]["review"] for i in chosen]
    labels = [int(rows[i]["label"]) for i in chosen]
    model = ReviewSentiment().fit(texts[:6000], labels[:6000])
    accuracy = np.mean((model.probability(texts[6000:]) >= 0.5) == np.array(labels[6000:]))
    assert accuracy > 0.85
    p = model.probability(["不是很好", "质量不是很好", "还不错，挺好用的", "很好，下次还来买"])
    assert list(p >= 0.5) == [False, False, True, True]


def test_a_review_in_traditional_characters_reads_as_its_simplified_twin(bilingual, tmp_path):
    """The shop's reviews are in Simplified characters; a customer in Taiwan writes 質量 and
    包裝. Every n-gram, word and lexicon member reads both scripts as one."""
    pairs = [("質量不是很好，有點失望", "质量不是很好，有点失望"),
             ("物流很快，但是包裝破損了", "物流很快，但是包装破损了"),
             ("價格一點也不貴，推薦購買", "价格一点也不贵，推荐购买")]
    traditional, simplified = ([pair[i] for pair in pairs] for i in (0, 1))
    assert np.allclose(bilingual.probability(traditional), bilingual.probability(simplified))
    assert list(bilingual.probability(traditional) >= 0.5) == [False, False, True]
    # a model saved before the fold keeps reading text as written (its n-grams are)
    bilingual.save(tmp_path / "old")
    for name in ("ngrams.json", "config.json"):
        saved = json.loads((tmp_path / "old" / name).read_text(encoding="utf-8"))
        del (saved["config"] if name == "ngrams.json" else saved["config"]["ngrams"])[
            "simplified_chinese"]
        (tmp_path / "old" / name).write_text(json.dumps(saved, ensure_ascii=False),
                                             encoding="utf-8")
    old = ReviewSentiment.load(tmp_path / "old")
    assert not old.vectorizer.config.simplified_chinese
    assert not old.config.ngrams.simplified_chinese
    assert np.allclose(old.probability(simplified), bilingual.probability(simplified))


def test_bad_input_says_what_is_wrong():
    with pytest.raises(ConfigError, match=r"labels .*ratings"):
        ReviewSentiment().fit(["好"])
    with pytest.raises(ConfigError, match="row 1"):
        ReviewSentiment().fit(["好", "差"], [1, 3])
    with pytest.raises(ConfigError, match="3 texts but 2 ratings"):
        ReviewSentiment().fit(["a", "b", "c"], ratings=[5, 1])
    with pytest.raises(ConfigError, match="at least 5 positive"):
        ReviewSentiment().fit(["好"] * 10, ratings=[5] * 10)
    with pytest.raises(ConfigError, match="review 0: text must be a string"):
        ReviewSentiment().fit([None, "b"], [1, 0])
    with pytest.raises(ConfigError, match="not trained"):
        ReviewSentiment().probability(["好"])
    with pytest.raises(ConfigError, match="validation_share"):
        SentimentConfig(validation_share=0.9)
    with pytest.raises(ConfigError, match="encoder_warmup_share"):
        SentimentConfig(encoder_warmup_share=1.0)
    with pytest.raises(ConfigError, match="encoder_head_learning_rate"):
        SentimentConfig(encoder_head_learning_rate=0.0)
    with pytest.raises(ConfigError, match="encoder_residual_folds must be"):
        SentimentConfig(encoder_residual_folds=1)
    with pytest.raises(ConfigError, match="needs log_count_ratio"):
        SentimentConfig(encoder_residual_folds=5, log_count_ratio=False)


def test_ngrams_keep_word_pairs_apart_from_characters():
    vectorizer = NgramVectorizer(NgramConfig(char_max=2, min_count=1)).fit(["not bad", "好"])
    grams = set(vectorizer.index)
    assert " not bad" in grams and "no" in grams and " 好" in grams and "好" in grams
    rows = vectorizer.transform(["not bad", "unseen 字"])
    assert np.isclose(rows[0].multiply(rows[0]).sum(), 1.0)
    assert rows.shape == (2, len(grams))


def test_negated_stretches_are_marked_up_to_punctuation_or_a_contrast():
    from shopformer.tasks.reviews.ngrams import negated_positions

    vectorizer = NgramVectorizer(NgramConfig(char_max=2, word_max=0, negation_scope=True))
    grams = vectorizer.grams("不是很好，但快")
    assert {"¬很好", "¬好", "不是"} <= set(grams)
    assert "很好" not in grams and "好" not in grams  # inside the stretch: marked only
    assert "快" in grams and "¬快" not in grams  # the comma ends the stretch
    text = "not bad but slow"
    marked = "".join(c for c, n in zip(text, negated_positions(text, 10), strict=True) if n)
    assert marked.strip() == "bad"  # "but" ends it
    assert not any(negated_positions("物流很快，不过包装破了", 10))  # 不过 is a contrast, not 不
    plain = NgramVectorizer(NgramConfig(char_max=2, word_max=0)).grams("不是很好")
    assert "很好" in plain and not any(g.startswith("¬") for g in plain)


def test_log_count_ratio_points_each_ngram_the_way_its_reviews_go():
    from scipy import sparse

    from shopformer.tasks.reviews.sentiment import fit_ratio_model, log_count_ratio

    # columns: a word of praise, a complaint, a word in every review
    rows = sparse.csr_matrix(np.array([[1, 0, 1], [1, 0, 1], [0, 1, 1], [0, 1, 1], [1, 1, 1]],
                                      np.float64))
    labels = np.array([1, 1, 0, 0, 1])
    ratio = log_count_ratio(rows, labels)
    assert ratio[0] > 0 > ratio[1]
    assert abs(ratio[2]) < min(abs(ratio[0]), abs(ratio[1]))
    model = fit_ratio_model(rows, labels, strength=10.0)
    assert model.decision(sparse.csr_matrix([[1.0, 0, 1]]))[0] > 0
    assert model.decision(sparse.csr_matrix([[0, 1.0, 1]]))[0] < 0


def test_members_can_be_switched_off(make_reviews, tmp_path):
    texts, ratings = make_reviews(400, seed=5)
    model = ReviewSentiment(SentimentConfig(log_count_ratio=False, neighbours=0,
                                            lexicon=False)).fit(texts, ratings=ratings)
    assert set(model.report_.stack_weights) == {"ngrams"} and model.ratio_model is None
    assert model.neighbours is None and model.cascade_margin is None
    assert model.lexicon_model is None
    every = ReviewSentiment().fit(texts, ratings=ratings)
    assert set(every.report_.stack_weights) == {"ngrams", "ngram_ratios", "lexicon",
                                                "neighbours"}
    probe = texts[:50]
    for fitted, name in ((model, "bare"), (every, "every")):
        fitted.save(tmp_path / name)
        loaded = ReviewSentiment.load(tmp_path / name)
        assert (loaded.lexicon_model is None) == (fitted.lexicon_model is None)
        assert np.allclose(loaded.probability(probe, cascade=False),
                           fitted.probability(probe, cascade=False), atol=1e-6)
        assert np.allclose(loaded.clause_probability(probe),
                           fitted.clause_probability(probe), atol=1e-6)


def test_a_word_is_read_by_the_category_it_is_said_of(make_reviews, tmp_path):
    """"水很凉" praises a drink and faults a water heater: with each review's category as
    its domain the model reads it both ways; without, it cannot."""
    texts, ratings = make_reviews(1500, seed=8)
    rng = np.random.default_rng(8)
    domains = [str(rng.choice(["饮料", "热水器"])) for _ in texts]
    for n in range(300):
        drink = n % 2 == 0
        texts.append(f"水很凉{'，' * (n % 3)}")
        ratings.append(5 if drink else 1)
        domains.append("饮料" if drink else "热水器")
    model = ReviewSentiment(SentimentConfig(neighbours=0)).fit(texts, ratings=ratings,
                                                               domains=domains)
    assert model.domains.names == ("热水器", "饮料")
    probe = ["这次的水很凉", "这次的水很凉"]
    drink, heater = model.probability(probe, domains=["饮料", "热水器"])
    assert drink > 0.7 and heater < 0.3, (drink, heater)
    plain = ReviewSentiment(SentimentConfig(neighbours=0)).fit(texts, ratings=ratings)
    assert abs(plain.probability(probe)[0] - 0.5) < 0.2  # the same words, both ways
    # the clauses of a review, and the reasons, are read in its category too
    opinion = ReviewAnalyzer(model).analyze(["包装很好，水很凉"], domains=["热水器"])[0]
    assert opinion.clauses[1].probability < 0.5
    assert model.reasons("水很凉", domain="热水器")[0][1] < 0 < \
        model.reasons("水很凉", domain="饮料")[0][1]
    # an unknown category reads the shared weights; a saved model keeps its categories
    assert model.probability(["质量很好，很满意"], domains=["书籍"])[0] > 0.5
    model.save(tmp_path / "by-category")
    loaded = ReviewSentiment.load(tmp_path / "by-category")
    assert loaded.domains == model.domains
    np.testing.assert_allclose(loaded.probability(probe, domains=["饮料", "热水器"]),
                               [drink, heater], atol=1e-6)
    with pytest.raises(ConfigError, match="2 texts but 1 domains"):
        model.probability(probe, domains=["饮料"])


def test_residual_offsets_come_from_models_that_did_not_see_the_review():
    """Each text a unique nonsense word, labels at random: a member fitted on a review
    memorizes it, so only an out-of-fold logit says how unsure it is about a new one."""
    rng = np.random.default_rng(3)
    texts = ["".join(chr(0x4E00 + int(c)) for c in rng.integers(0, 20_000, 4))
             for _ in range(600)]
    labels = rng.integers(0, 2, len(texts))
    model = ReviewSentiment(SentimentConfig(encoder_residual_folds=3))
    model.vectorizer = NgramVectorizer(model.config.ngrams).fit(texts)
    features = model.vectorizer.transform(texts)
    offsets = model._residual_offsets(features, labels, np.full(len(texts), -1),
                                      np.zeros(10))
    out_of_fold = np.mean((offsets["offsets"] > 0) == labels)
    assert abs(out_of_fold - 0.5) < 0.1  # no better than chance
    assert np.abs(offsets["offsets"]).max() < 0.5  # and calibrated to say so
    assert offsets["validation_offsets"].shape == (10,)
    in_sample = fit_ratio_model(features, labels, model.config.strength).decision(features)
    assert np.mean((in_sample > 0) == labels) > out_of_fold + 0.05  # an in-sample claim


def test_encoder_fine_tuned_on_the_ratio_members_residual(make_reviews, tmp_path):
    texts, ratings = make_reviews(400, seed=9)
    tokenizer = ShopTokenizer.train(texts, TokenizerConfig(vocab_size=300, min_frequency=1))
    encoder = text_model(tokenizer, hidden=32, layers=1, heads=2).text
    model = ReviewSentiment(SentimentConfig(encoder_epochs=1, encoder_residual_folds=3)).fit(
        texts, ratings=ratings, encoder=TextEncoderSource(encoder, tokenizer))
    assert set(model.report_.stack_weights) == {"ngrams", "ngram_ratios", "lexicon",
                                                "neighbours", "encoder"}
    model.save(tmp_path / "residual")
    loaded = ReviewSentiment.load(tmp_path / "residual")
    assert loaded.config.encoder_residual_folds == 3
    assert np.allclose(loaded.probability(texts[:40], cascade=False),
                       model.probability(texts[:40], cascade=False), atol=1e-5)


def test_members_learn_again_from_the_held_out_reviews_after_stacking(make_reviews):
    """A complaint word written only in reviews the stack holds out: the refitted members
    know it; members kept as the stack saw them never met it."""
    texts, ratings = make_reviews(600, seed=11)
    config = SentimentConfig(neighbours=0)
    usable = np.flatnonzero(np.array(ratings) != 3)
    labels = (np.array(ratings)[usable] >= 4).astype(int)
    _, held = holdout_split(labels, config.validation_share, config.seed)
    for row in usable[held]:
        if ratings[row] <= 2:
            texts[row] += "，漏液"
    probe = ["漏液"]
    refit = ReviewSentiment(config).fit(texts, ratings=ratings)
    kept = ReviewSentiment(replace(config, refit_members=False)).fit(texts, ratings=ratings)
    assert refit.reasons(probe[0], top=1)[0][1] < 0
    assert kept.reasons(probe[0], top=1)[0][1] == 0
    assert refit.probability(probe)[0] < kept.probability(probe)[0]
    # the report still scores members that did not see the held-out reviews
    assert kept.report_.validation_accuracy == refit.report_.validation_accuracy


def test_the_stack_weighs_members_by_review_length_and_older_models_still_load(
        make_reviews, tmp_path):
    """Each member's logit enters the stack twice, alone and times the review's log length;
    a model saved before that (no `stack_length` in its config) is read without it, and one
    saved before the lexicon member without that member."""
    texts, ratings = make_reviews(400, seed=13)
    by_length = ReviewSentiment(SentimentConfig(neighbours=0)).fit(texts, ratings=ratings)
    members = set(by_length.report_.stack_weights)
    assert members == {"ngrams", "ngram_ratios", "lexicon"}
    assert len(by_length.stack.weights) == 2 * len(members)
    # as saved before the stack read lengths, and before the lexicon member
    plain = ReviewSentiment(SentimentConfig(neighbours=0, stack_length=False,
                                            lexicon=False)).fit(texts, ratings=ratings)
    assert len(plain.stack.weights) == len(members) - 1
    plain.save(tmp_path / "old")
    saved = json.loads((tmp_path / "old" / "config.json").read_text())
    del saved["config"]["stack_length"]
    del saved["config"]["encoder_domain_prefix"]
    del saved["config"]["lexicon"], saved["lexicon_bias"]
    (tmp_path / "old" / "config.json").write_text(json.dumps(saved))
    old = ReviewSentiment.load(tmp_path / "old")
    assert old.config.stack_length is False
    assert old.config.encoder_domain_prefix is False  # its encoder never read a category
    assert old.config.lexicon is False and old.lexicon_model is None
    probe = texts[:40]
    assert np.allclose(old.probability(probe), plain.probability(probe), atol=1e-6)


def test_the_encoder_reads_a_known_category_before_the_review():
    from shopformer.train.domain_linear import Domains

    model = ReviewSentiment(SentimentConfig())
    model.domains = Domains(("手机", "酒店"))
    codes = model.domains.codes(["酒店", None, "水果"], 3)
    assert model._encoder_texts(["很干净", "好", "甜"], codes) == ["酒店｜很干净", "好", "甜"]
    plain = ReviewSentiment(SentimentConfig(encoder_domain_prefix=False))
    plain.domains = model.domains
    assert plain._encoder_texts(["很干净"], codes[:1]) == ["很干净"]


def test_the_same_reviews_and_settings_give_the_same_model_in_every_run(make_reviews):
    """torch's default generator starts from another seed in each process: whatever state
    it is in, the encoder's weights and its classifier head come from the settings' seeds."""
    texts, ratings = make_reviews(300, seed=11)
    tokenizer = ShopTokenizer.train(texts, TokenizerConfig(vocab_size=300, min_frequency=1))
    probabilities = []
    for process_seed in (1, 2):
        torch.manual_seed(process_seed)  # as if another process
        encoder = text_model(tokenizer, hidden=32, layers=1, heads=2).text
        torch.rand(process_seed)  # and the generator moved on before fitting
        model = ReviewSentiment(SentimentConfig(encoder_epochs=1)).fit(
            texts, ratings=ratings, encoder=TextEncoderSource(encoder, tokenizer))
        probabilities.append(model.probability(texts[:60], cascade=False))
    assert np.array_equal(*probabilities)
