"""Two ranking protocols, never mixed: full ranking over all items, and the sampled one of
the BERT4Rec paper (the true item among 100 negatives the person never interacted with,
drawn by popularity or uniformly).

A scorer maps (persons, index of the event to predict) to one score per item; both
protocols read ranks off the same scores, so they differ only in the candidates.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from shopformer.data.sequences import PersonSequences
from shopformer.metrics.ranking import hit_rate, mrr, ndcg, ranks_of_targets

FIRST_ITEM = 2  # indices 0 and 1 are padding and "unknown"
Scorer = Callable[[np.ndarray, np.ndarray], np.ndarray]


def sample_negatives(sequences: PersonSequences, persons: np.ndarray, popularity: np.ndarray,
                     count: int = 100, by_popularity: bool = True, seed: int = 2026
                     ) -> np.ndarray:
    """(len(persons), count) item indices each person never interacted with."""
    rng = np.random.default_rng(seed)
    weights = popularity[FIRST_ITEM:].astype(float) if by_popularity else \
        np.ones(len(popularity) - FIRST_ITEM)
    weights = weights / weights.sum()
    out = np.zeros((len(persons), count), np.int64)
    for row, person in enumerate(persons):
        seen = set(sequences.items[sequences.offsets[person]:sequences.offsets[person + 1]])
        chosen: dict[int, None] = {}
        for _ in range(20):  # popular items a person has not seen run out only rarely
            for item in rng.choice(len(weights), size=2 * count, p=weights) + FIRST_ITEM:
                if int(item) not in seen:
                    chosen[int(item)] = None
            if len(chosen) >= count:
                break
        if len(chosen) < count:  # fill up uniformly from everything unseen
            unseen = np.setdiff1d(np.arange(FIRST_ITEM, len(popularity)), list(seen))
            extra = rng.permutation(np.setdiff1d(unseen, list(chosen)))
            chosen.update(dict.fromkeys(extra[: count - len(chosen)].tolist()))
        if len(chosen) < count:
            raise ValueError(f"person {person} has seen nearly every item: fewer than "
                             f"{count} negatives exist")
        out[row] = list(chosen)[:count]
    return out


def evaluate(scorer: Scorer, sequences: PersonSequences, persons: np.ndarray,
             targets_at: np.ndarray, negatives: dict[str, np.ndarray] | None = None,
             k: int = 10, batch_size: int = 1024) -> dict[str, float]:
    """Metrics named as in the results files: hr@k_full, ndcg@k_full, mrr_full, and per
    negative set `name`: hr@k_sampled100<name>, …"""
    full, sampled = [], {name: [] for name in (negatives or {})}
    targets = sequences.items[targets_at]
    for begin in range(0, len(persons), batch_size):
        part = slice(begin, begin + batch_size)
        scores = scorer(persons[part], targets_at[part]).astype(np.float64)
        scores[:, :FIRST_ITEM] = -np.inf
        full.append(ranks_of_targets(scores, targets[part]))
        for name, candidates in (negatives or {}).items():
            sampled[name].append(_sampled_ranks(scores, targets[part], candidates[part]))
    results = rank_metrics(np.concatenate(full), k, "full")
    for name, ranks in sampled.items():
        results.update(rank_metrics(np.concatenate(ranks), k, f"sampled100{name}"))
    return results


def _sampled_ranks(scores: np.ndarray, targets: np.ndarray, candidates: np.ndarray
                   ) -> np.ndarray:
    rows = np.arange(len(targets))[:, None]
    target_scores = scores[np.arange(len(targets)), targets][:, None]
    return (scores[rows, candidates] >= target_scores).sum(axis=1)


def rank_metrics(ranks: np.ndarray, k: int, suffix: str) -> dict[str, float]:
    """HR@k, NDCG@k and MRR of 0-based ranks, named with `suffix` (full, sampled100pop, …)."""
    return {f"hr@{k}_{suffix}": hit_rate(ranks, k), f"ndcg@{k}_{suffix}": ndcg(ranks, k),
            f"mrr_{suffix}": mrr(ranks)}
