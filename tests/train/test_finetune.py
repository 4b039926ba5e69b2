"""Text pretraining and a fine-tuned text classifier on a tiny planted review set."""

from __future__ import annotations

import random

import numpy as np
import pytest

from shopformer.data.tokenizer import ShopTokenizer, TokenizerConfig
from shopformer.model.heads.text_classifier import TextClassifier
from shopformer.train.finetune import (
    FinetuneConfig,
    class_logits,
    fit_text_classifier,
    predict_classes,
)
from shopformer.train.text_pretrain import pretrain_text, text_model

GOOD = ["质量很好", "物流很快", "非常满意", "great quality", "fast delivery", "love it"]
BAD = ["质量太差", "物流太慢", "非常失望", "poor quality", "slow delivery", "hate it"]
FILLER = ["这个", "东西", "买了", "this", "item", "bought", "今天", "收到"]


def reviews(count: int, seed: int) -> tuple[list[str], list[int]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for _ in range(count):
        label = rng.randrange(2)
        words = [*rng.sample(FILLER, 3), rng.choice(GOOD if label else BAD)]
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(label)
    return texts, labels


def test_mlm_pretraining_then_classifier_learns_planted_sentiment():
    texts, labels = reviews(400, 1)
    tokenizer = ShopTokenizer.train(texts, TokenizerConfig(vocab_size=200, min_frequency=1))
    model = text_model(tokenizer, hidden=32, layers=1, heads=2)
    result = pretrain_text(model, tokenizer, texts, epochs=2, batch_size=32)
    assert result.steps == 25 and result.tokens > 0 and result.tokens_per_second > 0
    classifier = TextClassifier(model.text, classes=2)
    fitted = fit_text_classifier(classifier, tokenizer, texts[:300], labels[:300], texts[300:],
                                 labels[300:], FinetuneConfig(epochs=6, batch_size=32,
                                                              learning_rate=3e-3))
    assert fitted.validation_accuracy > 0.9
    test_texts, test_labels = reviews(100, 2)
    accuracy = np.mean(predict_classes(fitted.model, tokenizer, test_texts) == test_labels)
    assert accuracy > 0.9
    assert fitted.history[fitted.best_epoch - 1]["validation_accuracy"] == \
        round(fitted.validation_accuracy, 4)


def test_decayed_pretraining_learns_and_takes_other_steps_than_a_constant_rate():
    texts, _ = reviews(400, 3)
    tokenizer = ShopTokenizer.train(texts, TokenizerConfig(vocab_size=200, min_frequency=1))
    runs = {}
    for decay in (False, True):
        model = text_model(tokenizer, hidden=32, layers=1, heads=2)
        runs[decay] = pretrain_text(model, tokenizer, texts, epochs=10, batch_size=32,
                                    decay=decay)
    chance = np.log(tokenizer.vocab_size)  # the loss of a model that learnt nothing
    assert all(0 < run.loss < 0.85 * chance for run in runs.values())
    constant, decayed = (run.model.text.state_dict() for run in runs.values())
    assert any(not (constant[name] == decayed[name]).all() for name in constant)


def test_with_offsets_the_classifier_learns_only_what_they_miss():
    """Offsets right everywhere except on "love it", where they point the wrong way: the
    classifier learns to overturn them there and adds little where they are right."""
    texts, labels = reviews(400, 4)
    tokenizer = ShopTokenizer.train(texts, TokenizerConfig(vocab_size=200, min_frequency=1))
    offsets = [(-3.0 if "love it" in t else 3.0) if y else -3.0
               for t, y in zip(texts, labels, strict=True)]
    classifier = TextClassifier(text_model(tokenizer, hidden=32, layers=1, heads=2).text, 2)
    fitted = fit_text_classifier(
        classifier, tokenizer, texts[:300], labels[:300], texts[300:], labels[300:],
        FinetuneConfig(epochs=4, batch_size=32, learning_rate=3e-3), offsets=offsets[:300],
        validation_offsets=offsets[300:])
    assert fitted.validation_accuracy > 0.9  # scored with the offsets added
    logits = class_logits(classifier, tokenizer, ["this item love it", "this item great quality",
                                                  "this item poor quality"])
    love, great, poor = (logits[:, 1] - logits[:, 0]).tolist()
    assert love > 3.0  # overturns its offset of −3
    assert abs(great) < 0.5 * love and abs(poor) < 0.5 * love


def test_offsets_must_come_in_pairs_one_per_text():
    texts, labels = reviews(20, 5)
    tokenizer = ShopTokenizer.train(texts, TokenizerConfig(vocab_size=200, min_frequency=1))
    classifier = TextClassifier(text_model(tokenizer, hidden=32, layers=1, heads=2).text, 2)
    with pytest.raises(ValueError, match="together"):
        fit_text_classifier(classifier, tokenizer, texts[:10], labels[:10], texts[10:],
                            labels[10:], offsets=[0.0] * 10)
    with pytest.raises(ValueError, match="one per text"):
        fit_text_classifier(classifier, tokenizer, texts[:10], labels[:10], texts[10:],
                            labels[10:], offsets=[0.0] * 9, validation_offsets=[0.0] * 10)
