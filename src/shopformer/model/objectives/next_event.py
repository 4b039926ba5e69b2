"""Next-event prediction: from everything a person did so far, which item comes next."""

from __future__ import annotations

import torch

from shopformer.model.config import PAD
from shopformer.model.objectives.base import OBJECTIVES, Objective
from shopformer.model.objectives.sampled_softmax import item_softmax_loss
from shopformer.model.shop_model import PretrainBatch, ShopModel


@OBJECTIVES.register("next_event")
class NextEvent(Objective):
    name = "next_event"

    def available(self, model: ShopModel, batch: PretrainBatch) -> bool:
        return bool(((batch.events.items[:, 1:] != PAD).any()).item())

    def loss(self, model: ShopModel, batch: PretrainBatch) -> torch.Tensor:
        states = model.encode_events(batch.events, causal=True)  # (B, T, H)
        targets = batch.events.items[:, 1:]  # (B, T-1)
        present = targets != PAD
        return item_softmax_loss(states[:, :-1][present], targets[present], model.items,
                                 self.negatives, self.item_frequency)
