"""Softmax over items without scoring the whole catalog every step, unless it is cheap.

With `negatives` at least the catalog size (or a small catalog) every item is scored: the
full cross-entropy, which ranks best. Otherwise candidates are a shared set of uniformly
sampled items plus the batch's own targets; targets serve as negatives for each other but
are drawn by popularity, so their logits get the log-Q correction (minus the log of how
often they appear as candidates) that keeps popular items from being pushed down.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from shopformer.model.config import FIRST_ID
from shopformer.model.encoders.item import ItemEncoder

FULL_SOFTMAX_ITEMS = 4096


def item_softmax_loss(states: torch.Tensor, targets: torch.Tensor, items: ItemEncoder,
                      negatives: int = 1024) -> torch.Tensor:
    """Cross-entropy of predicting `targets` (N) from `states` (N, H)."""
    num_items = items.config.num_items
    states = states * (items.logit_scale.exp() * items.config.hidden ** -0.5)
    if num_items <= FULL_SOFTMAX_ITEMS or negatives >= num_items - FIRST_ID:
        logits = states @ items.all_items().T  # (N, num_items)
        logits[:, :FIRST_ID] = float("-inf")
        return F.cross_entropy(logits, targets)
    sampled = torch.randint(FIRST_ID, num_items, (negatives,), device=states.device)
    candidates, inverse = torch.unique(torch.cat([targets, sampled]), return_inverse=True)
    labels = inverse[: len(targets)]
    # Expected number of times each candidate is drawn: uniform share plus its batch count.
    uniform = negatives / (num_items - FIRST_ID)
    expected = uniform + torch.bincount(labels, minlength=len(candidates))
    logits = states @ items(candidates).T - torch.log(expected)[None] + math.log(uniform)
    return F.cross_entropy(logits, labels)
