"""Cold items borrow behaviour from items that use the same words.

After pretraining, an item that never appeared in any event has an untrained id embedding.
Each such item with text gets, instead, the TF-IDF-weighted mean id embedding of the warm
items whose texts share the most informative words with it — a nearest-neighbour bridge
from text to behaviour that works from the first day an item is listed.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np
import torch

from shopformer.data.external_tokenizer import TextTokenizer
from shopformer.model.shop_model import ShopModel

NEIGHBOURS = 10


def fill_cold_items(model: ShopModel, tokenizer: TextTokenizer, items: np.ndarray,
                    texts: list[str], warm: np.ndarray) -> int:
    """`items` (N) are item indices with `texts` (N); `warm` marks item indices seen in
    behaviour. Returns how many cold items were given borrowed vectors."""
    if not len(items):
        return 0
    assert model.config.text is not None
    ids, attention = tokenizer.encode_batch(texts)
    ordinary = attention & ~np.isin(ids, model.config.text.special_ids)  # words, no [CLS]
    bags = [Counter(row[mask].tolist()) for row, mask in zip(ids, ordinary, strict=True)]
    frequency = Counter(token for bag in bags for token in bag)
    idf = {token: math.log((1 + len(bags)) / (1 + count)) + 1 for token, count in
           frequency.items()}
    vectors = [_tf_idf(bag, idf) for bag in bags]
    postings: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for row, (item, vector) in enumerate(zip(items, vectors, strict=True)):
        if warm[item]:
            for token, weight in vector.items():
                postings[token].append((row, weight))
    table = model.items.ids.weight
    filled = 0
    with torch.no_grad():
        for item, vector in zip(items, vectors, strict=True):
            if warm[item] or not vector:
                continue
            neighbours = _nearest(vector, postings)
            if not neighbours:
                continue
            rows = torch.tensor([items[row] for row, _ in neighbours])
            weights = torch.tensor([score for _, score in neighbours], dtype=table.dtype)
            table[int(item)] = (weights[:, None] * table[rows]).sum(0) / weights.sum()
            filled += 1
    return filled


def _tf_idf(bag: Counter, idf: dict[int, float]) -> dict[int, float]:
    weights = {token: count * idf[token] for token, count in bag.items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {token: w / norm for token, w in weights.items()}


def _nearest(vector: dict[int, float], postings: dict[int, list[tuple[int, float]]]
             ) -> list[tuple[int, float]]:
    scores: dict[int, float] = defaultdict(float)
    for token, weight in vector.items():
        for row, other in postings.get(token, ()):
            scores[row] += weight * other
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:NEIGHBOURS]
