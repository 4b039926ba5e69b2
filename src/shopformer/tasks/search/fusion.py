"""Reciprocal-rank fusion: merge ranked lists from retrievers whose scores are not on one
scale (BM25, cosine, …) by rank alone; an item high in any list comes up."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def top_indices(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """Indices of the k best positive scores, best first (fewer when fewer match)."""
    if allowed is not None:
        scores = np.where(allowed, scores, 0.0)
    matching = int(np.count_nonzero(scores > 0))
    k = min(k, matching)
    if k == 0:
        return np.zeros(0, np.int64)
    best = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    return best[np.argsort(-scores[best], kind="stable")]


def reciprocal_rank_fusion(lists: Sequence[np.ndarray], k: int = 60,
                           weights: Sequence[float] | None = None, limit: int | None = None
                           ) -> np.ndarray:
    """Items of all `lists` ordered by Σ weight / (k + rank); ties keep first-seen order."""
    weights = weights or [1.0] * len(lists)
    fused: dict[int, float] = {}
    for ranked, weight in zip(lists, weights, strict=True):
        for rank, item in enumerate(ranked.tolist(), start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    order = sorted(fused, key=fused.__getitem__, reverse=True)
    return np.array(order[:limit] if limit else order, np.int64)
