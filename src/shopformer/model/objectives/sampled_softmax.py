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
                      negatives: int = 1024, frequency: torch.Tensor | None = None
                      ) -> torch.Tensor:
    """Cross-entropy of predicting `targets` (N) from `states` (N, H); `frequency` (num_items)
    is each item's share of all training targets, for the log-Q correction."""
    num_items = items.config.num_items
    states = states * (items.logit_scale.exp() * items.config.hidden ** -0.5)
    if num_items <= FULL_SOFTMAX_ITEMS or negatives >= num_items - FIRST_ID:
        logits = states @ items.all_items().T  # (N, num_items)
        logits[:, :FIRST_ID] = float("-inf")
        return F.cross_entropy(logits, targets)
    sampled = torch.randint(FIRST_ID, num_items, (negatives,), device=states.device)
    candidates, inverse = torch.unique(torch.cat([targets, sampled]), return_inverse=True)
    labels = inverse[: len(targets)]
    uniform = negatives / (num_items - FIRST_ID)
    if frequency is None:  # expected draws estimated by the batch's own counts
        expected = uniform + torch.bincount(labels, minlength=len(candidates))
        correction = torch.log(expected) - math.log(uniform)
    else:
        # Chance of being a candidate: drawn uniformly or as one of the batch's targets. The
        # batch count would overstate it for rare items (present at all means count ≥ 1) and
        # leave them over-scored at serving time.
        drawn = uniform + len(targets) * frequency.to(states.device)[candidates]
        correction = torch.log1p(-torch.exp(-drawn)) - math.log1p(-math.exp(-uniform))
    logits = states @ items(candidates).T - correction[None]
    return F.cross_entropy(logits, labels)
