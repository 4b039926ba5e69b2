"""Next-item evaluation by full ranking: every item is a candidate, no sampling."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from shopformer.data.batches import SequenceBatch, collate
from shopformer.data.sequences import PersonSequences
from shopformer.metrics.ranking import hit_rate, mrr, ndcg, ranks_of_targets
from shopformer.model.config import FIRST_ID
from shopformer.model.encoders.sequence import EventBatch
from shopformer.model.shop_model import ShopModel


def event_batch(batch: SequenceBatch) -> EventBatch:
    return EventBatch(*(torch.from_numpy(a) for a in (batch.items, batch.types, batch.channels,
                                                      batch.gaps)))


def history_scorer(model: ShopModel, sequences: PersonSequences
                   ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Scores of every item (B, N) for persons[i] just before their event `targets_at[i]`,
    from at most `max_events` events before it; PAD and MASK score -inf."""
    model.eval()
    max_events = model.config.max_events
    with torch.no_grad():
        all_items = model.items.all_items()

    def score(persons: np.ndarray, targets_at: np.ndarray) -> np.ndarray:
        starts = np.maximum(sequences.offsets[persons], targets_at - max_events)
        events = event_batch(collate(sequences, np.stack([starts, targets_at], axis=1)))
        with torch.no_grad():
            scores = (model.last_state(events) @ all_items.T).float().numpy()
        scores[:, :FIRST_ID] = -np.inf
        return scores

    return score


def next_item_ranks(model: ShopModel, sequences: PersonSequences, persons: np.ndarray,
                    targets_at: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Rank of the item at event `targets_at[i]` of person `persons[i]` among all items."""
    was_training = model.training
    score = history_scorer(model, sequences)
    targets = sequences.items[targets_at]
    ranks = [ranks_of_targets(score(persons[part], targets_at[part]), targets[part])
             for part in (slice(b, b + batch_size) for b in range(0, len(persons), batch_size))]
    model.train(was_training)
    return np.concatenate(ranks) if ranks else np.zeros(0, np.int64)


def popularity_ranks(sequences: PersonSequences, targets_at: np.ndarray) -> np.ndarray:
    """Rank of each held-out event's item when every person gets the same list, the items
    by how often they occur in the other events (ties count against the target, as for
    the model): the baseline a shop model has to beat."""
    held = np.zeros(sequences.events, bool)
    held[targets_at] = True
    counts = np.bincount(sequences.items[~held], minlength=int(sequences.items.max()) + 1)
    counts = counts[FIRST_ID:]
    order = np.sort(counts)
    target = counts[sequences.items[targets_at] - FIRST_ID]
    return len(counts) - np.searchsorted(order, target, side="left") - 1


def ranking_metrics(ranks: np.ndarray, k: int = 10) -> dict[str, float]:
    return {f"ndcg@{k}": round(ndcg(ranks, k), 5), f"hr@{k}": round(hit_rate(ranks, k), 5),
            "mrr": round(mrr(ranks), 5)}
