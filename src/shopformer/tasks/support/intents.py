"""`IntentClassifier`: what a customer wants ("where is my order", "退货", …), in the shop's
own intent labels, with a confidence the assistant can act on (answer, or hand off).

Two members, as for review sentiment: a multinomial logistic regression over character and
word n-grams (strong with a handful of examples per intent), and the shop model's text
encoder fine-tuned as a classifier (reads word order and paraphrase). On a held-out share
of the examples the two members' logits are weighted and scaled (three numbers fitted by
log-loss), which both combines them and calibrates the confidence. The n-gram member is
then refitted on every example: with ten examples per intent, one more counts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from scipy import sparse
from scipy.optimize import minimize
from scipy.special import log_softmax

from shopformer.core.errors import ConfigError, InputError, Location
from shopformer.data.chinese_script import simplified
from shopformer.data.tokenizer import ShopTokenizer
from shopformer.model.heads.text_classifier import TextClassifier
from shopformer.tasks.reviews.ngrams import NgramConfig, NgramVectorizer, saved_ngram_config
from shopformer.tasks.support.typicality import Typicality
from shopformer.train.classifier_io import load_classifier, read_model_dir, write_model_dir
from shopformer.train.finetune import (
    FinetuneConfig,
    TextEncoderSource,
    class_logits,
    fit_text_classifier,
    holdout_split,
    new_text_classifier,
)
from shopformer.train.linear import SoftmaxModel, fit_softmax

FORMAT_VERSION = 1


@dataclass(frozen=True)
class IntentConfig:
    ngrams: NgramConfig = field(default_factory=lambda: NgramConfig(min_count=1))
    strengths: tuple[float, ...] = (3.0, 10.0, 30.0)  # inverse L2 penalties of the n-gram
    # softmax regression tried; the one with the best held-out log-loss is kept
    validation_share: float = 0.1  # held out for the encoder's epochs and the stacking
    encoder_epochs: int = 10
    encoder_batch_size: int = 32
    encoder_learning_rate: float = 5e-4
    encoder_patience: int = 2
    # a whole pretrained transformer (an external model with lora_rank=0) fine-tunes best
    # at about 1e-4 with its new output layer at 2e-3 and a 6 % warm-up, then a decay
    encoder_head_learning_rate: float | None = None
    encoder_warmup_share: float = 0.0
    seed: int = 7
    # read Traditional characters as Simplified, in training and when answering (a model
    # saved before this setting reads text as it is: `load`)
    simplified_chinese: bool = True
    # A message less like the training messages of the intent it is read as than this
    # share of held-out messages is "not typical" (`typicality.py`): a question the shop's
    # chats never asked. 0: every message is typical.
    novelty_quantile: float = 0.05

    def __post_init__(self) -> None:
        if isinstance(self.ngrams, dict):
            object.__setattr__(self, "ngrams", NgramConfig(**self.ngrams))
        if not 0 < self.validation_share < 0.5:
            raise ConfigError("intents: validation_share must be in (0, 0.5)")
        if not 0 <= self.novelty_quantile < 1:
            raise ConfigError("intents: novelty_quantile must be in [0, 1)")
        object.__setattr__(self, "strengths", tuple(float(s) for s in self.strengths))
        if not self.strengths or min(self.strengths) <= 0 or self.encoder_epochs < 1 or \
                self.encoder_patience < 1:
            raise ConfigError("intents: strengths must be > 0 (at least one), encoder_epochs "
                              "and encoder_patience >= 1")


# an order, tracking or phone number: letters at most four, then five digits or more
ID = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{0,4}\d{5,}[A-Za-z0-9]*")


def without_ids(text: str) -> str:
    """The message without order, tracking and phone numbers, which say nothing of its
    intent: the numbers of the shop's past chats were learned as words ("where is my order
    O0000001" read as a complaint, 0.40; without the number, order_status 0.93). A message
    that is only a number stays as it is."""
    rest = " ".join(ID.sub(" ", text).split())
    return rest or text


@dataclass(frozen=True)
class IntentGuess:
    intent: str
    confidence: float  # calibrated P(intent)
    alternatives: tuple[tuple[str, float], ...]  # the next most likely, with their P
    typical: bool = True  # like the messages the intent was learned from (`typicality.py`)

    def to_dict(self) -> dict:
        return {"intent": self.intent, "confidence": round(self.confidence, 4),
                "typical": self.typical,
                "alternatives": [{"intent": i, "confidence": round(p, 4)}
                                 for i, p in self.alternatives]}


@dataclass
class IntentFitReport:
    examples: int
    validation_examples: int
    validation_accuracy: dict[str, float]  # member or "stacked" → accuracy on held-out
    stack: dict[str, float]  # member → weight of its logits
    encoder_epoch: int = 0
    strength: float = 0.0  # the n-gram member's chosen inverse penalty


class IntentClassifier:
    def __init__(self, config: IntentConfig | None = None) -> None:
        self.config = config or IntentConfig()
        self.intents_: list[str] = []
        self.vectorizer: NgramVectorizer | None = None
        self.ngram_model: SoftmaxModel | None = None
        self.classifier: TextClassifier | None = None
        self.tokenizer: ShopTokenizer | None = None
        self.stack_: dict[str, float] = {}
        self.typical_: Typicality | None = None
        self.report_: IntentFitReport | None = None

    # ---- training -------------------------------------------------------------------
    def fit(self, texts: Sequence[str], intents: Sequence[str], *,
            encoder: TextEncoderSource | None = None) -> IntentClassifier:
        """Learn from labelled customer messages: `intents[i]` is the shop's label of
        `texts[i]`; at least two intents, and at least two examples of each to be held out
        (intents with one example only train)."""
        texts, y = self._examples(texts, intents)
        train, held = holdout_split(y, self.config.validation_share, self.config.seed)
        if not len(held):
            raise ConfigError("intents: need at least two examples of some intent to hold "
                              "one out for calibration")
        classes = len(self.intents_)
        train_texts = [texts[i] for i in train]
        held_texts = [texts[i] for i in held]
        self.vectorizer = NgramVectorizer(self.config.ngrams).fit(train_texts)
        train_x = self.vectorizer.transform(train_texts)
        held_x = self.vectorizer.transform(held_texts)
        tried = {}
        for strength in self.config.strengths:
            model = fit_softmax(train_x, y[train], classes, strength=strength)
            z = model.decision(held_x)
            tried[strength] = (float(-log_softmax(z, axis=1)[np.arange(len(held)), y[held]]
                                     .mean()), z)
        self.strength_ = min(tried, key=lambda s: tried[s][0])
        members = {"ngrams": tried[self.strength_][1]}
        epoch = 0
        if encoder is not None:
            self.tokenizer = encoder.tokenizer
            self.classifier = new_text_classifier(encoder, classes, self.config.seed)
            result = fit_text_classifier(
                self.classifier, encoder.tokenizer, train_texts, y[train].tolist(),
                held_texts, y[held].tolist(),
                FinetuneConfig(epochs=self.config.encoder_epochs,
                               batch_size=self.config.encoder_batch_size,
                               learning_rate=self.config.encoder_learning_rate,
                               patience=self.config.encoder_patience, seed=self.config.seed,
                               head_learning_rate=self.config.encoder_head_learning_rate,
                               warmup_share=self.config.encoder_warmup_share))
            epoch = result.best_epoch
            members["encoder"] = self._encoder_logits(held_texts)
        self.stack_ = _fit_stack(members, y[held])
        read_as = self._stacked(members).argmax(1)
        accuracy = {name: float(np.mean(z.argmax(1) == y[held])) for name, z in members.items()}
        accuracy["stacked"] = float(np.mean(read_as == y[held]))
        quantile = self.config.novelty_quantile
        floor = None if not quantile else Typicality.held_out_floor(
            train_x, y[train], held_x, read_as, quantile)
        # the stack is chosen; the n-gram member now learns from every example
        self.vectorizer = NgramVectorizer(self.config.ngrams).fit(texts)
        every_x = self.vectorizer.transform(texts)
        self.ngram_model = fit_softmax(every_x, y, classes, strength=self.strength_)
        self.typical_ = None if floor is None else \
            Typicality.of(every_x, y, floor, self.config.seed)
        self.report_ = IntentFitReport(len(texts), len(held), accuracy, dict(self.stack_),
                                       epoch, self.strength_)
        return self

    def _examples(self, texts: Sequence[str], intents: Sequence[str]
                  ) -> tuple[list[str], np.ndarray]:
        texts, intents = list(texts), list(intents)
        if len(texts) != len(intents):
            raise ConfigError(f"intents: {len(texts)} texts but {len(intents)} intents")
        for row, (text, intent) in enumerate(zip(texts, intents, strict=True)):
            if not isinstance(text, str) or not text.strip():
                raise InputError("text must be a non-empty string", Location(row=row + 1,
                                                                             field="text"))
            if not isinstance(intent, str) or not intent.strip():
                raise InputError("intent must be a non-empty label",
                                 Location(row=row + 1, field="intent"))
        self.intents_ = sorted(set(intents))
        if len(self.intents_) < 2:
            raise ConfigError("intents: need examples of at least two intents")
        index = {name: i for i, name in enumerate(self.intents_)}
        return [self._clean(t) for t in texts], np.array([index[i] for i in intents],
                                                          np.int64)

    def add_intent(self, name: str, examples: Sequence[str], margin: float = 2.0
                   ) -> IntentClassifier:
        """A new intent from a handful of examples, without retraining: each member gains
        a class whose weights are the examples' mean vector (n-grams; the encoder's pooled
        text vector), scaled so that each example, scored against the mean of the *other*
        examples, beats its best old intent by `margin` logits (the median example does).
        The stack weights stay; retrain (`fit`) once the intent has more examples."""
        self._check_fitted()
        examples = [self._clean(t) for t in (examples or []) if isinstance(t, str) and t.strip()]
        if not name or not isinstance(name, str) or not name.strip():
            raise ConfigError("intents: the new intent needs a name")
        if name in self.intents_:
            raise ConfigError(f"intents: {name!r} is already an intent")
        if len(examples) < 2:
            raise ConfigError("intents: a new intent needs at least two examples")
        # its words may be new to the vocabulary: new columns, zero for the old intents
        added = self.vectorizer.extend(examples)
        old = np.vstack([self.ngram_model.weights,
                         np.zeros((added, len(self.intents_)), np.float32)])
        self.ngram_model = SoftmaxModel(old, self.ngram_model.bias)
        x = self.vectorizer.transform(examples)
        weights, bias = _prototype_column(x.toarray(), self.ngram_model.decision(x),
                                          self.ngram_model.bias, margin)
        self.ngram_model = SoftmaxModel(
            np.hstack([old, weights[:, None].astype(np.float32)]),
            np.append(self.ngram_model.bias, np.float32(bias)))
        if self.classifier is not None:
            self._add_encoder_class(examples, margin)
        if self.typical_ is not None:  # its examples are what it is typically asked
            self.typical_ = self.typical_.grown(len(self.vectorizer.index), x,
                                                len(self.intents_))
        self.intents_ = [*self.intents_, name.strip()]
        return self

    def _add_encoder_class(self, examples: list[str], margin: float) -> None:
        output = self.classifier.output
        with torch.no_grad():
            self.classifier.eval()
            ids, attention = self.tokenizer.encode_batch(examples)
            vectors = self.classifier.encoder.embed(torch.from_numpy(ids),
                                                    torch.from_numpy(attention))
            logits = output(vectors).double().numpy()
            weights, bias = _prototype_column(vectors.double().numpy(), logits,
                                              output.bias.double().numpy(), margin)
            grown = torch.nn.Linear(output.in_features, output.out_features + 1)
            grown.weight.copy_(torch.cat([output.weight,
                                          torch.from_numpy(weights).float()[None]]))
            grown.bias.copy_(torch.cat([output.bias, torch.tensor([bias]).float()]))
        self.classifier.output = grown

    # ---- prediction -----------------------------------------------------------------
    def log_probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """(N, intents) calibrated log P(intent | text), intents in `intents_` order."""
        return self._read(texts)[0]

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return np.exp(self.log_probabilities(texts))

    def predict(self, texts: Sequence[str], alternatives: int = 2) -> list[IntentGuess]:
        logp, rows = self._read(texts)
        p = np.exp(logp)
        typical = np.ones(len(p), bool) if self.typical_ is None or not len(p) else \
            self.typical_.typical(rows, p.argmax(1))
        out = []
        for row, usual in zip(p, typical, strict=True):
            order = np.argsort(-row, kind="stable")[:1 + alternatives]
            out.append(IntentGuess(self.intents_[order[0]], float(row[order[0]]),
                                   tuple((self.intents_[i], float(row[i]))
                                         for i in order[1:]), bool(usual)))
        return out

    def _read(self, texts: Sequence[str]) -> tuple[np.ndarray, sparse.csr_matrix | None]:
        """(log P(intent | text), the texts' n-gram rows: typicality reads them too)."""
        self._check_fitted()
        texts = [self._clean(t) for t in texts]
        if not texts:
            return np.zeros((0, len(self.intents_))), None
        rows = self.vectorizer.transform(texts)
        members = {"ngrams": self.ngram_model.decision(rows)}
        if self.classifier is not None:
            members["encoder"] = self._encoder_logits(texts)
        return log_softmax(self._stacked(members), axis=1), rows

    def reasons(self, text: str, top: int = 3) -> list[tuple[str, float]]:
        """The words (or, without any, the character n-grams) that pushed the n-gram member
        most toward its chosen intent, with their pushes."""
        self._check_fitted()
        row = self.vectorizer.transform([self._clean(text)])
        chosen = int(self.ngram_model.decision(row)[0].argmax())
        pushes = row.data * self.ngram_model.weights[row.indices, chosen]
        grams = sorted(self.vectorizer.index, key=self.vectorizer.index.__getitem__)
        found = [(grams[g], float(p)) for g, p in zip(row.indices, pushes, strict=True) if p > 0]
        said = set(self.vectorizer.word_grams(text))
        words = [(g, p) for g, p in found if g in said]
        found = sorted(words or found, key=lambda pair: -pair[1])[:top]
        return [(gram.strip(), round(push, 3)) for gram, push in found]

    def _clean(self, text: str) -> str:
        """What the members read of a message: no order numbers (`without_ids`), and
        Chinese in Simplified characters ("我的訂單" is "我的订单")."""
        text = without_ids(text)
        return simplified(text) if self.config.simplified_chinese else text

    def _stacked(self, members: dict[str, np.ndarray]) -> np.ndarray:
        return sum(self.stack_[name] * z for name, z in members.items())

    def _encoder_logits(self, texts: Sequence[str]) -> np.ndarray:
        return class_logits(self.classifier, self.tokenizer, list(texts)).double().numpy()

    def _check_fitted(self) -> None:
        if self.ngram_model is None or not self.stack_:
            raise ConfigError("intents: the model is not trained yet (call fit, or load one)")

    # ---- directory ------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        self._check_fitted()
        config = {"format_version": FORMAT_VERSION, "kind": "intent_classifier",
                  "config": asdict(self.config), "intents": self.intents_,
                  "stack": self.stack_,
                  "report": None if self.report_ is None else asdict(self.report_)}
        state = {"ngram.weights": torch.from_numpy(self.ngram_model.weights),
                 "ngram.bias": torch.from_numpy(self.ngram_model.bias)}
        if self.typical_ is not None:
            config["typical_floor"] = self.typical_.floor
            state.update(self.typical_.state())
        write_model_dir(directory, config, state, self.classifier, self.tokenizer)
        self.vectorizer.save(Path(directory))

    @classmethod
    def load(cls, directory: Path) -> IntentClassifier:
        directory = Path(directory)
        config, state = read_model_dir(directory, "intent_classifier", FORMAT_VERSION,
                                       "an intent model")
        settings = {"simplified_chinese": False, **config["config"]}
        settings["ngrams"] = saved_ngram_config(settings["ngrams"])
        model = cls(IntentConfig(**settings))
        model.intents_ = list(config["intents"])
        model.stack_ = {k: float(v) for k, v in config["stack"].items()}
        model.vectorizer = NgramVectorizer.load(directory)
        model.ngram_model = SoftmaxModel(state["ngram.weights"].numpy(),
                                         state["ngram.bias"].numpy())
        if "typical.data" in state:  # absent in models saved before it, or without it
            model.typical_ = Typicality.from_state(state, config["typical_floor"])
        if config["encoder"] is not None:
            model.classifier, model.tokenizer = load_classifier(
                config["encoder"], state, directory, len(model.intents_))
        if config["report"] is not None:
            model.report_ = IntentFitReport(**config["report"])
        return model


def _prototype_column(vectors: np.ndarray, old_logits: np.ndarray, old_bias: np.ndarray,
                      margin: float) -> tuple[np.ndarray, float]:
    """(weights, bias) of a new class from its examples' vectors (K, D): the mean vector,
    scaled so the median example's leave-one-out score beats its best old class by
    `margin`; the bias is the old classes' mean."""
    total = vectors.sum(0)
    count = len(vectors)
    others = (total[None, :] - vectors) / (count - 1)  # each example's leave-one-out mean
    similarity = np.einsum("kd,kd->k", vectors, others)
    bias = float(np.mean(old_bias))
    needed = old_logits.max(1) - bias + margin
    scale = float(np.median(needed) / max(np.median(similarity), 1e-6))
    return (total / count) * max(scale, 0.0), bias


def _fit_stack(members: dict[str, np.ndarray], labels: np.ndarray) -> dict[str, float]:
    """member → weight minimizing the held-out log-loss of softmax(Σ weight · logits);
    the weights are also the calibration (one temperature per member)."""
    names = list(members)
    logits = [members[n] for n in names]
    rows = np.arange(len(labels))

    def loss(weights: np.ndarray) -> float:
        z = sum(w * m for w, m in zip(weights, logits, strict=True))
        return float(-log_softmax(z, axis=1)[rows, labels].sum())

    start = np.full(len(names), 1.0 / len(names))
    result = minimize(loss, start, method="L-BFGS-B", bounds=[(0.0, 50.0)] * len(names))
    return {n: float(w) for n, w in zip(names, result.x, strict=True)}

