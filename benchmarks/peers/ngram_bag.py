"""The fastText-style peer (Joulin et al., 2017, "Bag of Tricks"): hashed word uni- and
bigrams plus character bigrams, averaged embeddings, one linear layer, softmax; SGD with
a linearly decaying learning rate, as fastText's supervised mode trains.

Written here in PyTorch (sparse embedding gradients, so a step touches only the rows it
uses) to keep the benchmark free of a compiled extension; the recipe follows fastText's
supervised mode: 2M hash buckets, word bigrams (wordNgrams 2), 5 epochs, dimension 50. The
learning rate is per batch of 32 here, so it is chosen on the validation split.
"""

from __future__ import annotations

import zlib
from itertools import pairwise

import jieba
import numpy as np
import torch
from torch import nn

BUCKETS = 2_000_000


def tokens(text: str) -> list[str]:
    words = [w for w in jieba.lcut(text.lower()) if w.strip()]
    grams = words + [f"{a} {b}" for a, b in pairwise(words)]
    chars = [c for c in text if not c.isspace()]
    grams += [f"#{a}{b}" for a, b in pairwise(chars)]
    return grams


def hashed(texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    ids, offsets = [], [0]
    for text in texts:
        row = [zlib.crc32(g.encode()) % BUCKETS for g in tokens(text)] or [0]
        ids.extend(row)
        offsets.append(offsets[-1] + len(row))
    return torch.tensor(ids), torch.tensor(offsets[:-1])


class NgramBag(nn.Module):
    def __init__(self, dim: int, classes: int = 2) -> None:
        super().__init__()
        self.embedding = nn.EmbeddingBag(BUCKETS, dim, mode="mean", sparse=True)
        self.output = nn.Linear(dim, classes)
        nn.init.uniform_(self.embedding.weight, -1 / dim, 1 / dim)
        nn.init.zeros_(self.output.weight)

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return self.output(self.embedding(ids, offsets))


def fit_ngram_bag(texts: list[str], labels: np.ndarray, *, dim: int = 50, epochs: int = 5,
                  learning_rate: float = 4.0, seed: int = 0) -> NgramBag:
    """Mini-batches of 32, the learning rate decaying linearly to 0 as in fastText."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = NgramBag(dim)
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    encoded = [hashed([t]) for t in texts]
    y = torch.as_tensor(labels, dtype=torch.long)
    steps, done = epochs * int(np.ceil(len(texts) / 32)), 0
    for _ in range(epochs):
        order = rng.permutation(len(texts))
        for begin in range(0, len(order), 32):
            chosen = order[begin:begin + 32]
            ids = torch.cat([encoded[i][0] for i in chosen])
            lengths = [len(encoded[i][0]) for i in chosen]
            offsets = torch.tensor(np.concatenate([[0], np.cumsum(lengths)[:-1]]))
            for group in optimizer.param_groups:
                group["lr"] = learning_rate * (1 - done / steps)
            loss = nn.functional.cross_entropy(model(ids, offsets), y[chosen])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            done += 1
    return model


@torch.no_grad()
def positive_probability(model: NgramBag, texts: list[str]) -> np.ndarray:
    out = []
    for begin in range(0, len(texts), 1024):
        ids, offsets = hashed(texts[begin:begin + 1024])
        out.append(torch.softmax(model(ids, offsets), -1)[:, 1].numpy())
    return np.concatenate(out) if out else np.zeros(0)
