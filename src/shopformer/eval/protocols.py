"""Two ranking protocols, never mixed: full ranking over all items, and the sampled one of
the BERT4Rec paper (the true item among 100 negatives the person never interacted with,
drawn by popularity or uniformly).

A scorer maps (persons, index of the event to predict) to one score per item; both
protocols read ranks off the same scores, so they differ only in the candidates.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from shopformer.data.batches import span_positions
from shopformer.data.sequences import PersonSequences
from shopformer.metrics.ranking import hit_rate, mrr, ndcg, ranks_of_targets

FIRST_ITEM = 2  # indices 0 and 1 are padding and "unknown"
DRAWS = 3  # items drawn per negative wanted: room for the seen and the repeated ones
Scorer = Callable[[np.ndarray, np.ndarray], np.ndarray]


def sample_negatives(sequences: PersonSequences, persons: np.ndarray, popularity: np.ndarray,
                     count: int = 100, by_popularity: bool = True, seed: int = 2026
                     ) -> np.ndarray:
    """(len(persons), count) distinct item indices each person never interacted with.

    All persons draw at once: `DRAWS × count` items each, by popularity (or uniformly);
    drawn items a person has seen, and repeats within a row, are dropped, and each row keeps
    its first `count`. The rare row left short (a person who saw most popular items) is
    filled up uniformly from everything it has not seen.
    """
    rng = np.random.default_rng(seed)
    size = len(popularity)
    weights = popularity[FIRST_ITEM:].astype(float) if by_popularity else \
        np.ones(size - FIRST_ITEM)
    weights = weights / weights.sum()
    rows = np.arange(len(persons))
    drawn = rng.choice(size - FIRST_ITEM, size=(len(persons), DRAWS * count), p=weights)
    keys = rows[:, None] * size + drawn + FIRST_ITEM  # (row, item) as one number
    starts, ends = sequences.offsets[persons], sequences.offsets[persons + 1]
    lengths = ends - starts
    seen_rows = np.repeat(rows, lengths)
    seen_items = sequences.items[span_positions(np.stack([starts, ends], axis=1))]
    usable = ~np.isin(keys, seen_rows * size + seen_items)
    flat = keys.ravel()
    order = np.argsort(flat, kind="stable")
    repeat = np.zeros(flat.shape, bool)
    repeat[order[1:]] = flat[order[1:]] == flat[order[:-1]]  # later draws of the same item
    usable &= ~repeat.reshape(keys.shape)
    taken = usable & (np.cumsum(usable, axis=1) <= count)
    out = np.zeros((len(persons), count), np.int64)
    full = taken.sum(axis=1) == count
    out[full] = (keys[full][taken[full]] % size).reshape(-1, count)
    for row in np.flatnonzero(~full):
        chosen = (keys[row][taken[row]] % size).tolist()
        seen = set(seen_items[seen_rows == row].tolist())
        unseen = np.setdiff1d(np.arange(FIRST_ITEM, size), list(seen | set(chosen)))
        chosen += rng.permutation(unseen)[: count - len(chosen)].tolist()
        if len(chosen) < count:
            raise ValueError(f"person {persons[row]} has seen nearly every item: fewer than "
                             f"{count} negatives exist")
        out[row] = chosen
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
