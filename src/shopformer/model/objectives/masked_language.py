"""Masked-language modelling on the shop's own text (reviews, titles, conversations)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from shopformer.model.encoders.text import ordinary_tokens
from shopformer.model.objectives.base import OBJECTIVES, Objective
from shopformer.model.shop_model import PretrainBatch, ShopModel

MASK_SHARE = 0.15


@OBJECTIVES.register("masked_language")
class MaskedLanguage(Objective):
    name = "masked_language"

    def available(self, model: ShopModel, batch: PretrainBatch) -> bool:
        return (model.text is not None and model.text.config.mask_id is not None
                and batch.texts is not None and len(batch.texts.ids) > 0)

    def loss(self, model: ShopModel, batch: PretrainBatch) -> torch.Tensor:
        texts = batch.texts
        assert texts is not None and model.text is not None
        config = model.text.config  # the special ids are the tokenizer's, ours or external
        ids = texts.ids
        ordinary = ordinary_tokens(ids, texts.attention, config)
        chosen = (torch.rand(ids.shape, device=ids.device) < MASK_SHARE) & ordinary
        if not chosen.any():
            chosen = ordinary & (torch.cumsum(ordinary, 1) == 1)  # at least one per text
        roll = torch.rand(ids.shape, device=ids.device)
        random_tokens = torch.randint(config.first_ordinary_id, config.vocab_size, ids.shape,
                                      device=ids.device)
        # A special id can sit above ordinary ones (RoBERTa's <mask> is last): never draw it.
        special = torch.tensor(config.special_ids, device=ids.device)
        random_tokens = torch.where(torch.isin(random_tokens, special), ids, random_tokens)
        corrupted = torch.where(chosen & (roll < 0.8), config.mask_id, ids)  # 80% [MASK]
        corrupted = torch.where(chosen & (roll >= 0.8) & (roll < 0.9), random_tokens, corrupted)
        states = model.text(corrupted, texts.attention)  # (N, L, H_text)
        logits = model.token_logits(states[chosen])  # (M, vocab)
        return F.cross_entropy(logits, ids[chosen])
