"""The shop model as a `Scorer`: encode the history before the event, score every item."""

from __future__ import annotations

import numpy as np
import torch

from shopformer.data.batches import collate
from shopformer.data.sequences import PersonSequences
from shopformer.eval.protocols import Scorer
from shopformer.model.encoders.sequence import EventBatch
from shopformer.model.shop_model import ShopModel


def shop_model_scorer(model: ShopModel, sequences: PersonSequences) -> Scorer:
    model.eval()
    max_events = model.config.max_events
    with torch.no_grad():
        items = model.items.all_items()

    def score(persons: np.ndarray, targets_at: np.ndarray) -> np.ndarray:
        starts = np.maximum(sequences.offsets[persons], targets_at - max_events)
        batch = collate(sequences, np.stack([starts, targets_at], axis=1))
        events = EventBatch(*(torch.from_numpy(a) for a in (batch.items, batch.types,
                                                            batch.channels, batch.gaps)))
        with torch.no_grad():
            return (model.last_state(events) @ items.T).float().numpy()

    return score
