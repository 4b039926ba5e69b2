"""Softmax over items without scoring the whole catalog every step.

Candidates are the batch's own target items (in-batch negatives for each other) plus a
shared set of uniformly sampled items; a small catalog is scored in full instead.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from shopformer.model.config import FIRST_ID
from shopformer.model.encoders.item import ItemEncoder

FULL_SOFTMAX_ITEMS = 4096


def item_softmax_loss(states: torch.Tensor, targets: torch.Tensor, items: ItemEncoder,
                      negatives: int = 1024) -> torch.Tensor:
    """Cross-entropy of predicting `targets` (N) from `states` (N, H)."""
    num_items = items.config.num_items
    states = states * items.config.hidden ** -0.5  # both sides are layer-normed: tame the scale
    if num_items <= FULL_SOFTMAX_ITEMS:
        logits = states @ items.all_items().T  # (N, num_items)
        logits[:, :FIRST_ID] = float("-inf")
        return F.cross_entropy(logits, targets)
    sampled = torch.randint(FIRST_ID, num_items, (negatives,), device=states.device)
    candidates, inverse = torch.unique(torch.cat([targets, sampled]), return_inverse=True)
    labels = inverse[: len(targets)]
    logits = states @ items(candidates).T  # (N, C)
    return F.cross_entropy(logits, labels)
