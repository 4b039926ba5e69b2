"""Question matching and answer retrieval: paraphrases of one FAQ question find its answer,
the matcher's confidence separates same from different questions, the shop's past
conversations become answers, and bad input is refused with where."""

from __future__ import annotations

import numpy as np
import pytest
from tests.tasks.support.test_intents import OPENERS, PHRASES

from shopformer.core.errors import ConfigError, InputError
from shopformer.data.tokenizer import ShopTokenizer, TokenizerConfig
from shopformer.tasks.past_answers import said_in
from shopformer.tasks.support.answers import (
    AnswerIndex,
    KnownAnswer,
    conversation_answers,
    faq_answers,
    faq_from_file,
)
from shopformer.tasks.support.matching import MatcherConfig, QuestionMatcher
from shopformer.train.finetune import TextEncoderSource
from shopformer.train.text_pretrain import text_model

FAQ = [
    {"question": "How long does delivery take?", "answer": "Orders arrive in 3-5 working "
     "days; remote areas take up to 7.", "variants": ["when will my parcel arrive",
                                                     "多久能到货", "发货后几天到"]},
    {"question": "Can I return an item?", "answer": "Unused items can be returned within 7 "
     "days of delivery for a full refund.", "variants": ["七天无理由退货吗", "怎么退货"]},
    {"question": "Do you ship abroad?", "answer": "We ship to Hong Kong, Macau and Taiwan; "
     "other countries are not served yet.", "variants": ["能寄到香港吗", "international "
                                                          "shipping available?"]},
    {"question": "How do I use a coupon?", "answer": "Enter the coupon code at checkout; one "
     "coupon per order.", "variants": ["优惠券怎么用", "where do I enter my discount code"]},
]


def question_pairs(seed: int, count: int) -> tuple[list[str], list[str], list[int]]:
    """Pairs of customer messages: 1 when both ask the same question in other words (the
    same core, another greeting and punctuation), 0 when they ask different things (often
    with the same greeting)."""
    rng = np.random.default_rng(seed)
    cores = [core for (phrases,) in PHRASES.values() for core in phrases]
    first, second, labels = [], [], []
    for _ in range(count):
        i = int(rng.integers(len(cores)))
        same = rng.random() < 0.5
        j = i if same else int((i + rng.integers(1, len(cores))) % len(cores))
        opener = OPENERS[rng.integers(len(OPENERS))]
        other = opener if not same and rng.random() < 0.5 else OPENERS[rng.integers(
            len(OPENERS))]
        first.append(opener + cores[i])
        second.append(other + cores[j] + ("?" if rng.random() < 0.5 else ""))
        labels.append(int(same))
    return first, second, labels


@pytest.fixture(scope="module")
def matcher() -> QuestionMatcher:
    return QuestionMatcher().fit(*question_pairs(0, 400))


def test_matcher_separates_same_from_different_questions(matcher):
    first, second, labels = question_pairs(1, 200)
    p = matcher.probability(first, second)
    y = np.array(labels)
    assert np.mean((p >= 0.5) == y) > 0.85
    assert p[y == 1].mean() > p[y == 0].mean() + 0.3


def test_cross_encoder_member_is_stacked_and_survives_save_and_load(tmp_path):
    first, second, labels = question_pairs(2, 200)
    texts = list(dict.fromkeys(first + second))
    tokenizer = ShopTokenizer.train(texts, TokenizerConfig(vocab_size=400, max_tokens=48))
    encoder = text_model(tokenizer, hidden=32, layers=1, heads=2).text
    model = QuestionMatcher(MatcherConfig(encoder_epochs=1)).fit(
        first, second, labels, encoder=TextEncoderSource(encoder, tokenizer))
    assert set(model.report_.stack_weights) == {"features", "encoder"}
    model.save(tmp_path / "matcher")
    loaded = QuestionMatcher.load(tmp_path / "matcher")
    probe_a, probe_b = ["我要退款", "where is my order"], ["退款什么时候到账", "我想改收货地址"]
    assert np.allclose(loaded.probability(probe_a, probe_b),
                       model.probability(probe_a, probe_b), atol=1e-6)
    # a pair means the same in either order
    assert np.allclose(model.probability(probe_a, probe_b),
                       model.probability(probe_b, probe_a), atol=0.05)


def test_paraphrases_find_their_faq_answer():
    index = AnswerIndex(faq_answers(FAQ))
    for question, expected in [("how many days until my order arrives", "3-5 working days"),
                               ("几天能到货", "3-5 working days"),
                               ("can I send the item back", "returned within 7 days"),
                               ("可以退货吗", "returned within 7 days"),
                               ("寄香港可以吗", "Hong Kong"),
                               ("how to use my coupon code", "coupon code at checkout")]:
        best = index.find(question, k=1)[0]
        assert expected in best.known.answer, (question, best)
        assert not best.calibrated


def test_confidence_comes_from_the_matcher_when_there_is_one(matcher):
    known = [KnownAnswer("亲，" + core, f"answer for {intent}", "faq")
             for intent, (cores,) in PHRASES.items() for core in cores]
    index = AnswerIndex(known, matcher)
    matches = index.find("你好，我的订单到哪了?", k=3)
    assert matches[0].calibrated and matches[0].known.question == "亲，我的订单到哪了"
    assert matches[0].confidence > 0.5
    assert [m.confidence for m in matches] == sorted((m.confidence for m in matches),
                                                     reverse=True)
    # nothing the shop has answered: whatever comes back, the matcher doubts it
    assert all(m.confidence < 0.5 for m in index.find("the weather is nice today", k=3))


def test_past_conversations_become_answers(demo_shop):
    workspace, _, _ = demo_shop
    known = conversation_answers(workspace.store)
    assert known and all(k.source.startswith("conversation:") for k in known)
    index = AnswerIndex(known)
    first = known[0]
    assert index.find(first.question, k=1)[0].known.question == first.question


def test_an_answer_about_what_its_customer_named_answers_only_that(demo_shop):
    """"What's the warranty on headphones?" got "The Foldable Phone Max has a one-year
    warranty": a past answer about one product, true of that product only."""
    workspace, _, _ = demo_shop
    known = conversation_answers(workspace.store)
    named = [k for k in known if k.only_for]
    assert named and all(said_in(k.only_for, k.question) for k in named)
    assert all(said_in(k.only_for, k.answer) for k in named)
    index = AnswerIndex(known)
    for k in named[:20]:
        assert index.find(k.question, k=1)[0].known.only_for == k.only_for, k
    general = index.find("How long is the warranty?", k=5) + index.find("保修多久？", k=5)
    assert not [m.known.answer for m in general if m.known.only_for]
    past = [KnownAnswer("How long is the warranty on the Foldable Phone Max?",
                        "The Foldable Phone Max has a one-year warranty.", "conversation:c1",
                        "the foldable phone max"),
            KnownAnswer("Where is my parcel?", "Share your order number, please.",
                        "conversation:c2")]
    two = AnswerIndex(past)
    assert [m.known.source for m in two.find("what's the warranty on headphones?")] == [
        "conversation:c2"]
    assert two.find("warranty of THE foldable  phone max?")[0].known.source == \
        "conversation:c1"


def test_an_faq_file_is_read_with_the_intent_each_entry_answers(tmp_path):
    path = tmp_path / "faq.jsonl"
    path.write_text('{"question": "Do you sell gift cards?", "answer": "Yes, online.", '
                    '"variants": ["礼品卡怎么买"], "intent": "gift_card"}\n\n'
                    '{"question": "Opening hours?", "answer": "9 to 5."}\n', encoding="utf-8")
    known = faq_from_file(path)
    assert [(k.question, k.intent) for k in known] == [
        ("Do you sell gift cards?", "gift_card"), ("礼品卡怎么买", "gift_card"),
        ("Opening hours?", "")]
    path.write_text('{"question": "a", "answer": "b"}\n\n{"question": "c", "answer": ""}\n',
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"faq.jsonl, row 3, field 'answer'"):
        faq_from_file(path)
    path.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"faq.jsonl, row 1: not a JSON object"):
        faq_from_file(path)


def test_bad_input_is_refused_with_where(tmp_path):
    with pytest.raises(ConfigError, match="at least one"):
        AnswerIndex([])
    with pytest.raises(InputError, match=r"row 2.*answer"):
        faq_answers([{"question": "a?", "answer": "b"}, {"question": "c?", "answer": " "}])
    with pytest.raises(InputError, match="variants"):
        faq_answers([{"question": "a?", "answer": "b", "variants": "not a list"}])
    with pytest.raises(ConfigError, match="non-empty"):
        AnswerIndex(faq_answers(FAQ)).find("  ")
    with pytest.raises(InputError, match=r"row 1.*label"):
        QuestionMatcher().fit(["a"], ["b"], [2])
    with pytest.raises(ConfigError, match="labels"):
        QuestionMatcher().fit(["a", "b"], ["c"], [1, 0])
    with pytest.raises(ConfigError, match="not trained"):
        QuestionMatcher().probability(["a"], ["b"])
    with pytest.raises(ConfigError, match="not a question matcher"):
        QuestionMatcher.load(tmp_path)
