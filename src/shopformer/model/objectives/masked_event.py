"""Masked-event prediction: hide some events' items, recover them from both sides."""

from __future__ import annotations

import torch

from shopformer.model.config import MASK, PAD
from shopformer.model.encoders.sequence import EventBatch
from shopformer.model.objectives.base import OBJECTIVES, Objective
from shopformer.model.objectives.sampled_softmax import item_softmax_loss
from shopformer.model.shop_model import PretrainBatch, ShopModel

MASK_SHARE = 0.2


@OBJECTIVES.register("masked_event")
class MaskedEvent(Objective):
    name = "masked_event"

    def available(self, model: ShopModel, batch: PretrainBatch) -> bool:
        return bool(((batch.events.items != PAD).sum(1) >= 2).any().item())

    def loss(self, model: ShopModel, batch: PretrainBatch) -> torch.Tensor:
        events = batch.events
        present = events.items != PAD
        hidden = (torch.rand(events.items.shape, device=events.items.device) < MASK_SHARE)
        hidden &= present
        # Always hide each person's last event too: it is what recommendation asks for.
        last = present.sum(1) - 1
        rows = torch.arange(len(last), device=last.device)
        hidden[rows[last >= 1], last[last >= 1]] = True
        masked = EventBatch(events.items.masked_fill(hidden, MASK), events.types,
                            events.channels, events.gaps)
        states = model.encode_events(masked, causal=False)  # (B, T, H)
        return item_softmax_loss(states[hidden], events.items[hidden], model.items,
                                 self.negatives, self.item_frequency)
