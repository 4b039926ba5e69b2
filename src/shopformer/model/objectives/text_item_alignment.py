"""Text↔item alignment: an item's text should point where its behaviour points.

Contrastive (InfoNCE, both directions) between the projected text vector of each item in the
batch and its behavioural id embedding, which is held fixed here (behaviour teaches text, not
the other way round); this is what lets an item nobody has touched yet be placed among
similar items by its words alone.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from shopformer.model.objectives.base import OBJECTIVES, Objective
from shopformer.model.shop_model import PretrainBatch, ShopModel

TEMPERATURE = 0.1


@OBJECTIVES.register("text_item_alignment")
class TextItemAlignment(Objective):
    name = "text_item_alignment"

    def available(self, model: ShopModel, batch: PretrainBatch) -> bool:
        texts = batch.item_texts
        return model.text is not None and texts is not None and len(texts.ids) >= 2

    def loss(self, model: ShopModel, batch: PretrainBatch) -> torch.Tensor:
        texts = batch.item_texts
        assert texts is not None and texts.items is not None
        text = model.items.text_projection(model.text_vectors(texts))  # (N, H)
        behaviour = model.items.ids(texts.items).detach()  # (N, H)
        text, behaviour = F.normalize(text, dim=-1), F.normalize(behaviour, dim=-1)
        logits = text @ behaviour.T / TEMPERATURE  # (N, N)
        labels = torch.arange(len(logits), device=logits.device)
        return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
