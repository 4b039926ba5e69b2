"""Next-item evaluation by full ranking: every item is a candidate, no sampling."""

from __future__ import annotations

import numpy as np
import torch

from shopformer.data.batches import collate
from shopformer.data.sequences import PersonSequences
from shopformer.metrics.ranking import hit_rate, mrr, ndcg, ranks_of_targets
from shopformer.model.config import FIRST_ID
from shopformer.model.encoders.sequence import EventBatch
from shopformer.model.shop_model import ShopModel


def next_item_ranks(model: ShopModel, sequences: PersonSequences, persons: np.ndarray,
                    targets_at: np.ndarray, max_events: int, batch_size: int = 512
                    ) -> np.ndarray:
    """Rank of the item at event `targets_at[i]` of person `persons[i]`, predicted from the
    (at most `max_events`) events before it."""
    was_training = model.training
    model.eval()
    starts = np.maximum(sequences.offsets[persons], targets_at - max_events)
    targets = sequences.items[targets_at]
    ranks = []
    with torch.no_grad():
        all_items = model.items.all_items()
        for begin in range(0, len(persons), batch_size):
            part = slice(begin, begin + batch_size)
            spans = np.stack([starts[part], targets_at[part]], axis=1)
            batch = collate(sequences, spans)
            events = EventBatch(*(torch.from_numpy(a) for a in (batch.items, batch.types,
                                                                batch.channels, batch.gaps)))
            scores = (model.last_state(events) @ all_items.T).float().numpy()
            scores[:, :FIRST_ID] = -np.inf
            ranks.append(ranks_of_targets(scores, targets[part]))
    model.train(was_training)
    return np.concatenate(ranks) if ranks else np.zeros(0, np.int64)


def ranking_metrics(ranks: np.ndarray, k: int = 10) -> dict[str, float]:
    return {f"ndcg@{k}": round(ndcg(ranks, k), 5), f"hr@{k}": round(hit_rate(ranks, k), 5),
            "mrr": round(mrr(ranks), 5)}
