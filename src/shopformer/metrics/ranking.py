"""Full-ranking metrics for next-item prediction: where did the true item land?

All take `ranks`: the 0-based position of each case's true item among all candidates
(0 = ranked first). Computing ranks once and deriving every metric from them keeps the
numbers consistent with each other.
"""

from __future__ import annotations

import numpy as np


def ranks_of_targets(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Rank of each target in its row of scores (ties count against the target)."""
    target_scores = scores[np.arange(len(targets)), targets][:, None]
    return (scores >= target_scores).sum(axis=1) - 1


def hit_rate(ranks: np.ndarray, k: int) -> float:
    return float(np.mean(ranks < k)) if len(ranks) else 0.0


def ndcg(ranks: np.ndarray, k: int) -> float:
    """One relevant item per case, so the ideal DCG is 1."""
    if not len(ranks):
        return 0.0
    gains = np.where(ranks < k, 1.0 / np.log2(ranks + 2.0), 0.0)
    return float(np.mean(gains))


def mrr(ranks: np.ndarray) -> float:
    return float(np.mean(1.0 / (ranks + 1.0))) if len(ranks) else 0.0
