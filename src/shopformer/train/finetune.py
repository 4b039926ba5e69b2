"""Fine-tuning a text classifier head, with the epoch chosen on a validation split."""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from shopformer.data.tokenizer import ShopTokenizer
from shopformer.model.encoders.text import TextEncoder
from shopformer.model.heads.text_classifier import TextClassifier


@dataclass(frozen=True)
class TextEncoderSource:
    """The shop model's text side to fine-tune from: its encoder (copied, never changed)
    and tokenizer."""

    encoder: TextEncoder
    tokenizer: ShopTokenizer


def new_text_classifier(source: TextEncoderSource, classes: int, seed: int) -> TextClassifier:
    """A classifier on a copy of `source`'s encoder, its new head drawn from `seed`: torch's
    default generator starts from a different seed in every process, so an unseeded head
    would make the same data and settings give a different model in each run."""
    torch.manual_seed(seed)
    return TextClassifier(copy.deepcopy(source.encoder), classes)


@dataclass
class FinetuneConfig:
    epochs: int = 10
    batch_size: int = 32
    learning_rate: float = 5e-4
    weight_decay: float = 0.01
    patience: int = 3
    seed: int = 7
    # The new output layer may learn faster than the pretrained encoder under it (None: at
    # `learning_rate` too). A warm-up share > 0 ramps the rate up over that share of all
    # steps, then lets it fall linearly to zero at the last epoch: what a pretrained
    # transformer fine-tuned whole needs; 0 keeps the rate constant.
    head_learning_rate: float | None = None
    warmup_share: float = 0.0

    def __post_init__(self) -> None:
        if self.epochs <= 0 or self.batch_size <= 0 or self.learning_rate <= 0:
            raise ValueError("epochs, batch_size and learning_rate must be > 0")
        if self.head_learning_rate is not None and self.head_learning_rate <= 0:
            raise ValueError("head_learning_rate must be > 0")
        if not 0 <= self.warmup_share < 1:
            raise ValueError("warmup_share must be in [0, 1)")


@dataclass
class FinetuneResult:
    model: TextClassifier
    best_epoch: int
    validation_accuracy: float
    seconds: float
    history: list[dict] = field(default_factory=list)


def fit_text_classifier(model: TextClassifier, tokenizer: ShopTokenizer,
                        texts: Sequence[str], labels: Sequence[int],
                        validation_texts: Sequence[str], validation_labels: Sequence[int],
                        config: FinetuneConfig | None = None, *,
                        offsets: Sequence[float] | None = None,
                        validation_offsets: Sequence[float] | None = None) -> FinetuneResult:
    """Train on (texts, labels); keep the epoch with the best validation accuracy.

    `offsets` (two classes only): another model's logit of class 1 per text, added to the
    classifier's before the loss, so the classifier learns what that model gets wrong (a
    boosting step); `validation_offsets` are added the same way when choosing the epoch."""
    config = config or FinetuneConfig()
    if (offsets is None) != (validation_offsets is None):
        raise ValueError("give offsets and validation_offsets together, or neither")
    if offsets is not None and (model.output.out_features != 2
                                or len(offsets) != len(texts)
                                or len(validation_offsets) != len(validation_texts)):
        raise ValueError("offsets need a two-class model and one per text")
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    head = [p for p in model.output.parameters() if p.requires_grad]
    body = [p for n, p in model.named_parameters()
            if p.requires_grad and not n.startswith("output.")]
    optimizer = torch.optim.AdamW(
        [{"params": body, "lr": config.learning_rate},
         {"params": head, "lr": config.head_learning_rate or config.learning_rate}],
        weight_decay=config.weight_decay)
    steps = config.epochs * -(-len(texts) // config.batch_size)
    warmup = max(1, round(config.warmup_share * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, (
        lambda step: warmup_then_decay(step, warmup, steps))
        if config.warmup_share > 0 else (lambda step: 1.0))
    targets = np.asarray(labels)
    shift = None if offsets is None else _class_one_shift(offsets)
    held_shift = None if validation_offsets is None else _class_one_shift(validation_offsets)
    best, best_epoch, best_state, history = -1.0, 0, copy.deepcopy(model.state_dict()), []
    started = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        model.train()
        for chosen in length_batches(texts, config.batch_size, rng):
            ids, attention = tokenizer.encode_batch([texts[i] for i in chosen])
            logits = model(torch.from_numpy(ids), torch.from_numpy(attention)).logits
            if shift is not None:
                logits = logits + shift[torch.from_numpy(chosen)]
            loss = F.cross_entropy(logits, torch.from_numpy(targets[chosen]))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
        held_logits = class_logits(model, tokenizer, validation_texts)
        if held_shift is not None:
            held_logits = held_logits + held_shift
        accuracy = float(np.mean(held_logits.argmax(-1).numpy()
                                 == np.asarray(validation_labels)))
        history.append({"epoch": epoch, "validation_accuracy": round(accuracy, 4)})
        if accuracy > best:
            best, best_epoch, best_state = accuracy, epoch, copy.deepcopy(model.state_dict())
        elif epoch - best_epoch >= config.patience:
            break
    model.load_state_dict(best_state)
    model.eval()
    return FinetuneResult(model, best_epoch, best, time.perf_counter() - started, history)


def _class_one_shift(offsets: Sequence[float]) -> torch.Tensor:
    """(N, 2) rows of (0, offset): added to two-class logits, they add `offset` to the
    logit of class 1 against class 0."""
    column = torch.as_tensor(np.asarray(offsets, np.float32))
    return torch.stack([torch.zeros_like(column), column], dim=1)


def warmup_then_decay(done: float, warmup: float, total: float) -> float:
    """Learning-rate factor: rises linearly over `warmup`, then falls linearly to zero at
    `total` (steps, or shares of a budget)."""
    return min(1.0, done / warmup) * max(0.0, (total - done) / total)


def length_batches(texts: Sequence[str], batch_size: int, rng: np.random.Generator,
                   pool: int = 50) -> list[np.ndarray]:
    """Shuffled batches of similar-length texts: a batch pads only to its longest text, so
    a short review does not pay for a long one (about twice as fast on reviews). Texts are
    shuffled, sorted by length within pools of `pool` batches, and the batches shuffled."""
    order = rng.permutation(len(texts))
    lengths = np.fromiter((len(texts[i]) for i in order), np.int64, len(order))
    batches = []
    span = batch_size * pool
    for begin in range(0, len(order), span):
        part = order[begin:begin + span]
        part = part[np.argsort(lengths[begin:begin + span], kind="stable")]
        batches.extend(part[b:b + batch_size] for b in range(0, len(part), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


@torch.no_grad()
def class_logits(model: TextClassifier, tokenizer: ShopTokenizer, texts: Sequence[str],
                 batch_size: int = 256) -> torch.Tensor:
    """(N, classes) logits, computed shortest texts first (less padding), in input order."""
    model.eval()
    order = np.argsort([len(t) for t in texts], kind="stable")
    out = []
    for begin in range(0, len(order), batch_size):
        ids, attention = tokenizer.encode_batch([texts[i] for i in order[begin:begin + batch_size]])
        out.append(model(torch.from_numpy(ids), torch.from_numpy(attention)).logits)
    if not out:
        return torch.zeros(0, model.output.out_features)
    logits = torch.cat(out)
    return logits[torch.from_numpy(np.argsort(order, kind="stable"))]


def predict_classes(model: TextClassifier, tokenizer: ShopTokenizer, texts: Sequence[str],
                    batch_size: int = 256) -> np.ndarray:
    if len(texts) == 0:
        return np.zeros(0, np.int64)
    return class_logits(model, tokenizer, texts, batch_size).argmax(-1).numpy()


def holdout_split(labels: np.ndarray, share: float, seed: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(train, held) positions with `share` of every class held out: at least one row of
    each class that has two or more, never its last one (a class of one only trains)."""
    rng = np.random.default_rng(seed)
    train, held = [], []
    for value in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == value))
        cut = 0 if len(rows) < 2 else min(len(rows) - 1, max(1, round(share * len(rows))))
        held.append(rows[:cut])
        train.append(rows[cut:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(held))
