"""`QuestionMatcher`: do two customer questions ask the same thing? The confidence behind
answer retrieval ("this FAQ answers you") and behind the hand-off when nothing does.

Each pair is described by overlap numbers a person could check — n-gram TF-IDF cosine,
rarity-weighted word overlap, containment, character-bigram Jaccard, longest common
subsequence, length ratio, a negation or number that only one side has — each cut into
quantile bins so a logistic regression can learn a curve per number. With the shop
model's text encoder, a fine-tuned cross-encoder reads both questions at once
("花呗怎么还款" vs "花呗还款日是哪天") and a second logistic regression on held-out pairs
stacks the two, which also calibrates the probability.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np
import torch
from scipy import sparse
from scipy.special import expit

from shopformer.core.errors import ConfigError, InputError, Location
from shopformer.data.tokenizer import ShopTokenizer
from shopformer.model.heads.text_classifier import TextClassifier
from shopformer.tasks.reviews.ngrams import NgramConfig, NgramVectorizer, saved_ngram_config
from shopformer.train.classifier_io import load_classifier, read_model_dir, write_model_dir
from shopformer.train.finetune import (
    FinetuneConfig,
    TextEncoderSource,
    class_logits,
    fit_text_classifier,
    holdout_split,
    new_text_classifier,
)
from shopformer.train.linear import LinearModel, fit_logistic

FORMAT_VERSION = 1
PAIR_FEATURES = ("ngram_cosine", "word_overlap", "containment_low", "containment_high",
                 "bigram_jaccard", "common_subsequence", "length_ratio", "negation_differs",
                 "numbers_differ", "unshared_rarity")
NEGATION = re.compile(r"不|没|无|未|别|非|\bnot\b|\bno\b|n't|\bnever\b|\bwithout\b")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
PAIR_SEPARATOR = " ｜ "  # how a pair is written for the cross-encoder


@dataclass(frozen=True)
class MatcherConfig:
    ngrams: NgramConfig = field(default_factory=lambda: NgramConfig(
        char_min=1, char_max=2, word_max=1, min_count=2))
    bins: int = 16  # quantile bins per pair feature
    strength: float = 1.0  # inverse L2 penalty of the feature regression
    validation_share: float = 0.1
    encoder_epochs: int = 3
    encoder_batch_size: int = 64
    encoder_learning_rate: float = 3e-4
    seed: int = 7

    def __post_init__(self) -> None:
        if isinstance(self.ngrams, dict):
            object.__setattr__(self, "ngrams", NgramConfig(**self.ngrams))
        if self.bins < 2 or self.strength <= 0 or self.encoder_epochs < 1:
            raise ConfigError("matcher: bins must be >= 2, strength > 0, encoder_epochs >= 1")
        if not 0 < self.validation_share < 0.5:
            raise ConfigError("matcher: validation_share must be in (0, 0.5)")


@dataclass
class MatcherFitReport:
    pairs: int
    validation_pairs: int
    validation_accuracy: dict[str, float]
    stack_weights: dict[str, float]


class QuestionMatcher:
    def __init__(self, config: MatcherConfig | None = None) -> None:
        self.config = config or MatcherConfig()
        self.vectorizer: NgramVectorizer | None = None
        self.edges_: np.ndarray | None = None  # (features, bins - 1) quantile edges
        self.feature_model: LinearModel | None = None
        self.classifier: TextClassifier | None = None
        self.tokenizer: ShopTokenizer | None = None
        self.stack: LinearModel | None = None
        self.report_: MatcherFitReport | None = None

    # ---- training -------------------------------------------------------------------
    def fit(self, first: Sequence[str], second: Sequence[str], labels: Sequence[int], *,
            encoder: TextEncoderSource | None = None) -> QuestionMatcher:
        """Learn from labelled pairs: `labels[i]` is 1 when `first[i]` and `second[i]` ask
        the same thing, 0 when not."""
        first, second, y = _pairs(first, second, labels)
        train, held = holdout_split(y, self.config.validation_share, self.config.seed)
        if len(np.unique(y[held])) < 2:
            raise ConfigError("matcher: need at least two matching and two other pairs")
        self._use_vectorizer(NgramVectorizer(self.config.ngrams).fit(
            [first[i] for i in train] + [second[i] for i in train]))
        raw = self.pair_features(first, second)
        self.edges_ = np.quantile(raw[train], np.linspace(0, 1, self.config.bins + 1)[1:-1],
                                  axis=0).T.copy()
        design = self._design(raw)
        self.feature_model = fit_logistic(design[train], y[train], strength=self.config.strength)
        members = {"features": self.feature_model.decision(design[held])}
        if encoder is not None:
            self.tokenizer = encoder.tokenizer
            self.classifier = new_text_classifier(encoder, 2, self.config.seed)
            joined = [_joined(a, b) for a, b in zip(first, second, strict=True)]
            # both orders: a pair means the same whichever question comes first
            flipped = [_joined(second[i], first[i]) for i in train]
            fit_text_classifier(
                self.classifier, encoder.tokenizer, [joined[i] for i in train] + flipped,
                np.concatenate([y[train], y[train]]).tolist(),
                [joined[i] for i in held], y[held].tolist(),
                FinetuneConfig(epochs=self.config.encoder_epochs,
                               batch_size=self.config.encoder_batch_size,
                               learning_rate=self.config.encoder_learning_rate, patience=1,
                               seed=self.config.seed))
            members["encoder"] = self._encoder_logits([first[i] for i in held],
                                                      [second[i] for i in held])
        stacked = np.column_stack(list(members.values()))
        self.stack = fit_logistic(sparse.csr_matrix(stacked), y[held], strength=100.0)
        accuracy = {name: float(np.mean((z > 0) == y[held])) for name, z in members.items()}
        accuracy["stacked"] = float(np.mean(
            (self.stack.decision(sparse.csr_matrix(stacked)) > 0) == y[held]))
        self.report_ = MatcherFitReport(len(y), len(held), accuracy,
                                        dict(zip(members, self.stack.weights.tolist(),
                                                 strict=True)))
        return self

    # ---- prediction -----------------------------------------------------------------
    def probability(self, first: Sequence[str], second: Sequence[str]) -> np.ndarray:
        """P(same question) per pair, calibrated on held-out pairs."""
        self._check_fitted()
        first, second = list(first), list(second)
        if len(first) != len(second):
            raise ConfigError(f"matcher: {len(first)} first questions but {len(second)} second")
        if not first:
            return np.zeros(0)
        members = [self.feature_model.decision(self._design(self.pair_features(first,
                                                                               second)))]
        if self.classifier is not None:
            members.append(self._encoder_logits(first, second))
        return expit(self.stack.decision(sparse.csr_matrix(np.column_stack(members))))

    def pair_features(self, first: Sequence[str], second: Sequence[str]) -> np.ndarray:
        """(pairs, len(PAIR_FEATURES)) raw overlap numbers."""
        a_vectors = self.vectorizer.transform(first)
        b_vectors = self.vectorizer.transform(second)
        cosine = np.asarray(a_vectors.multiply(b_vectors).sum(1)).ravel()
        word_idf = self._rarity
        out = np.zeros((len(first), len(PAIR_FEATURES)), np.float64)
        out[:, 0] = cosine
        for row, (a, b) in enumerate(zip(first, second, strict=True)):
            a, b = self.vectorizer.normalized(a), self.vectorizer.normalized(b)
            wa = set(self.vectorizer.word_grams(a))
            wb = set(self.vectorizer.word_grams(b))
            shared, union = wa & wb, wa | wb
            rarity = {w: word_idf.get(w, self._unseen_rarity) for w in union}
            total = sum(rarity.values()) or 1.0
            out[row, 1] = sum(rarity[w] for w in shared) / total
            containment = (len(shared) / max(len(wa), 1), len(shared) / max(len(wb), 1))
            out[row, 2], out[row, 3] = min(containment), max(containment)
            ga, gb = _bigrams(a), _bigrams(b)
            out[row, 4] = len(ga & gb) / max(len(ga | gb), 1)
            matcher = SequenceMatcher(None, a, b, autojunk=False)
            out[row, 5] = sum(m.size for m in matcher.get_matching_blocks()) / max(
                min(len(a), len(b)), 1)
            out[row, 6] = min(len(a), len(b)) / max(len(a), len(b), 1)
            out[row, 7] = float(len(NEGATION.findall(a)) % 2 != len(NEGATION.findall(b)) % 2)
            out[row, 8] = float(set(NUMBER.findall(a)) != set(NUMBER.findall(b)))
            out[row, 9] = sum(rarity[w] for w in union - shared)
        return out

    def _use_vectorizer(self, vectorizer: NgramVectorizer) -> None:
        """The vocabulary, and each known word's rarity (IDF) for the overlap numbers."""
        self.vectorizer = vectorizer
        self._rarity = {g: float(vectorizer.idf[i]) for g, i in vectorizer.index.items()
                        if g.startswith(" ")}
        self._unseen_rarity = float(vectorizer.idf.max(initial=1.0))

    def _design(self, raw: np.ndarray) -> sparse.csr_matrix:
        """Raw numbers beside one-hot quantile bins of each: a curve per number."""
        rows, features = raw.shape
        bins = self.config.bins
        columns = [np.searchsorted(self.edges_[f], raw[:, f], side="right") + f * bins
                   for f in range(features)]
        onehot = sparse.csr_matrix((np.ones(rows * features),
                                    (np.repeat(np.arange(rows), features),
                                     np.column_stack(columns).ravel())),
                                   shape=(rows, features * bins))
        return sparse.hstack([sparse.csr_matrix(raw), onehot]).tocsr()

    def _encoder_logits(self, first: Sequence[str], second: Sequence[str]) -> np.ndarray:
        """Both orders, averaged: the cross-encoder's answer does not depend on the order."""
        total = np.zeros(len(first))
        for a, b in ((first, second), (second, first)):
            logits = class_logits(self.classifier, self.tokenizer,
                                  [_joined(x, y) for x, y in zip(a, b, strict=True)])
            total += (logits[:, 1] - logits[:, 0]).double().numpy()
        return total / 2

    def _check_fitted(self) -> None:
        if self.stack is None or self.feature_model is None:
            raise ConfigError("matcher: the model is not trained yet (call fit, or load one)")

    # ---- directory ------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        self._check_fitted()
        config = {"format_version": FORMAT_VERSION, "kind": "question_matcher",
                  "config": asdict(self.config), "features": list(PAIR_FEATURES),
                  "feature_bias": self.feature_model.bias, "stack_bias": self.stack.bias,
                  "report": None if self.report_ is None else asdict(self.report_)}
        state = {"feature.weights": torch.from_numpy(self.feature_model.weights),
                 "stack.weights": torch.from_numpy(self.stack.weights),
                 "edges": torch.from_numpy(self.edges_)}
        write_model_dir(directory, config, state, self.classifier, self.tokenizer)
        self.vectorizer.save(Path(directory))

    @classmethod
    def load(cls, directory: Path) -> QuestionMatcher:
        directory = Path(directory)
        config, state = read_model_dir(directory, "question_matcher", FORMAT_VERSION,
                                       "a question matcher")
        settings = config["config"]
        settings["ngrams"] = saved_ngram_config(settings["ngrams"])
        model = cls(MatcherConfig(**settings))
        model._use_vectorizer(NgramVectorizer.load(directory))
        model.edges_ = state["edges"].numpy()
        model.feature_model = LinearModel(state["feature.weights"].numpy(),
                                          config["feature_bias"])
        model.stack = LinearModel(state["stack.weights"].numpy(), config["stack_bias"])
        if config["encoder"] is not None:
            model.classifier, model.tokenizer = load_classifier(
                config["encoder"], state, directory, 2)
        if config["report"] is not None:
            model.report_ = MatcherFitReport(**config["report"])
        return model


def _pairs(first: Sequence[str], second: Sequence[str], labels: Sequence[int]
           ) -> tuple[list[str], list[str], np.ndarray]:
    first, second = list(first), list(second)
    if not len(first) == len(second) == len(labels):
        raise ConfigError(f"matcher: {len(first)} first questions, {len(second)} second, "
                          f"{len(labels)} labels: one each per pair")
    for row, (a, b) in enumerate(zip(first, second, strict=True), start=1):
        for name, text in (("first", a), ("second", b)):
            if not isinstance(text, str) or not text.strip():
                raise InputError("question must be a non-empty string",
                                 Location(row=row, field=name))
    y = np.asarray(labels)
    bad = np.flatnonzero(~np.isin(y, (0, 1)))
    if len(bad):
        raise InputError(f"label must be 1 (same question) or 0, got {y[bad[0]]!r}",
                         Location(row=int(bad[0]) + 1, field="label"))
    return first, second, y.astype(np.int64)


def _bigrams(text: str) -> set[str]:
    compact = text.replace(" ", "")
    return {compact[i:i + 2] for i in range(len(compact) - 1)} or {compact}


def _joined(first: str, second: str) -> str:
    return f"{first}{PAIR_SEPARATOR}{second}"
