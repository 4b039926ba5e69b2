"""Fine-tuning a text classifier head, with the epoch chosen on a validation split."""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from shopformer.data.tokenizer import ShopTokenizer
from shopformer.model.heads.text_classifier import TextClassifier


@dataclass
class FinetuneConfig:
    epochs: int = 10
    batch_size: int = 32
    learning_rate: float = 5e-4
    weight_decay: float = 0.01
    patience: int = 3
    seed: int = 7

    def __post_init__(self) -> None:
        if self.epochs <= 0 or self.batch_size <= 0 or self.learning_rate <= 0:
            raise ValueError("epochs, batch_size and learning_rate must be > 0")


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
                        config: FinetuneConfig | None = None) -> FinetuneResult:
    """Train on (texts, labels); keep the epoch with the best validation accuracy."""
    config = config or FinetuneConfig()
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate,
                                  weight_decay=config.weight_decay)
    targets = np.asarray(labels)
    best, best_epoch, best_state, history = -1.0, 0, copy.deepcopy(model.state_dict()), []
    started = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        model.train()
        order = rng.permutation(len(texts))
        for begin in range(0, len(order), config.batch_size):
            chosen = order[begin:begin + config.batch_size]
            ids, attention = tokenizer.encode_batch([texts[i] for i in chosen])
            output = model(torch.from_numpy(ids), torch.from_numpy(attention),
                           torch.from_numpy(targets[chosen]))
            optimizer.zero_grad(set_to_none=True)
            output.loss.backward()  # type: ignore[union-attr]
            optimizer.step()
        accuracy = float(np.mean(predict_classes(model, tokenizer, validation_texts)
                                 == np.asarray(validation_labels)))
        history.append({"epoch": epoch, "validation_accuracy": round(accuracy, 4)})
        if accuracy > best:
            best, best_epoch, best_state = accuracy, epoch, copy.deepcopy(model.state_dict())
        elif epoch - best_epoch >= config.patience:
            break
    model.load_state_dict(best_state)
    model.eval()
    return FinetuneResult(model, best_epoch, best, time.perf_counter() - started, history)


@torch.no_grad()
def predict_classes(model: TextClassifier, tokenizer: ShopTokenizer, texts: Sequence[str],
                    batch_size: int = 256) -> np.ndarray:
    model.eval()
    out = []
    for begin in range(0, len(texts), batch_size):
        ids, attention = tokenizer.encode_batch(list(texts[begin:begin + batch_size]))
        out.append(model(torch.from_numpy(ids), torch.from_numpy(attention)).logits.argmax(-1))
    return torch.cat(out).numpy() if out else np.zeros(0, np.int64)
