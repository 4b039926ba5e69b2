"""Query ↔ document alignment of a text encoder: the search log says which texts answer
which queries, and contrastive training on those pairs makes the encoder's vectors a
retriever for this shop's queries (a general-purpose encoder, the shop's own or an
external one, knows language but not what this shop's shoppers mean by "pull").

Each batch pairs queries with documents; every other document of the batch is a negative
(in-batch softmax, both directions, temperature τ). Vectors are the encoder's mean-pooled
token states, unit length — what `text_vectors` returns for retrieval.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from shopformer.core.errors import ConfigError
from shopformer.train.finetune import TextEncoderSource

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlignConfig:
    batch_size: int = 64
    learning_rate: float = 3e-5
    temperature: float = 0.05
    epochs: int = 1
    max_minutes: float | None = 10.0  # stops early when the budget is spent
    seed: int = 7

    def __post_init__(self) -> None:
        if self.batch_size < 2 or self.learning_rate <= 0 or self.temperature <= 0 or \
                self.epochs < 1 or (self.max_minutes is not None and self.max_minutes <= 0):
            raise ConfigError("alignment: batch_size >= 2, learning_rate, temperature, "
                              "epochs and max_minutes must be > 0")


def align_text_encoder(source: TextEncoderSource, queries: Sequence[str],
                       documents: Sequence[str], config: AlignConfig | None = None,
                       show_progress: bool = False) -> TextEncoderSource:
    """A copy of `source` trained so that `queries[i]` lies near `documents[i]`; the source
    itself is left as it was."""
    config = config or AlignConfig()
    if len(queries) != len(documents) or len(queries) < config.batch_size:
        raise ConfigError(f"alignment: need as many queries as documents, at least one "
                          f"batch ({config.batch_size}); got {len(queries)} and "
                          f"{len(documents)}")
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    encoder = copy.deepcopy(source.encoder)
    encoder.train()
    trainable = [p for p in encoder.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=config.learning_rate, weight_decay=0.01)
    started, steps = time.perf_counter(), 0
    deadline = None if config.max_minutes is None else started + config.max_minutes * 60
    # a document given for two queries of a batch is not a negative of either
    document_ids = np.unique(np.asarray(documents, dtype=object), return_inverse=True)[1]
    for chosen in _batches(len(queries), config, rng):
        q = _vectors(encoder, source.tokenizer, [queries[i] for i in chosen])
        d = _vectors(encoder, source.tokenizer, [documents[i] for i in chosen])
        logits = q @ d.T / config.temperature  # (B, B): the diagonal are the pairs
        same = torch.from_numpy(document_ids[chosen][:, None] == document_ids[chosen][None])
        logits = logits.masked_fill(same & ~torch.eye(len(chosen), dtype=torch.bool),
                                    float("-inf"))
        target = torch.arange(len(chosen))
        loss = (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        steps += 1
        if show_progress and steps % 50 == 0:
            log.info("alignment step %d: loss %.3f, %.0f s", steps, loss.item(),
                     time.perf_counter() - started)
        if deadline is not None and time.perf_counter() > deadline:
            break
    encoder.eval()
    log.info("alignment: %d steps in %.0f s", steps, time.perf_counter() - started)
    return TextEncoderSource(encoder, source.tokenizer)


def _batches(count: int, config: AlignConfig, rng: np.random.Generator):
    """Whole batches of shuffled positions, epoch after epoch."""
    for _ in range(config.epochs):
        order = rng.permutation(count)
        for begin in range(0, count - config.batch_size + 1, config.batch_size):
            yield order[begin:begin + config.batch_size]


def text_vectors(source: TextEncoderSource, batch_size: int = 256
                 ) -> Callable[[Sequence[str]], np.ndarray]:
    """texts → unit vectors (N, H) of the encoder (mean-pooled token states), shortest
    texts first (less padding); for retrieval, e.g. `SearchRanker.index(text_vectors=…)`."""

    @torch.no_grad()
    def encode(texts: Sequence[str]) -> np.ndarray:
        source.encoder.eval()
        texts = list(texts)
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), source.encoder.config.hidden), np.float32)
        for begin in range(0, len(order), batch_size):
            chosen = order[begin:begin + batch_size]
            out[chosen] = _vectors(source.encoder, source.tokenizer,
                                   [texts[i] for i in chosen]).numpy()
        return out

    return encode


def _vectors(encoder: torch.nn.Module, tokenizer, texts: list[str]) -> torch.Tensor:
    ids, attention = tokenizer.encode_batch(texts)
    ids_t, attention_t = torch.from_numpy(ids), torch.from_numpy(attention)
    return F.normalize(encoder.pool(encoder(ids_t, attention_t), attention_t), dim=-1)
