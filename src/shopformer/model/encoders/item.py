"""Item vectors from id, text, category and price, so unseen items still get a useful one.

The id embedding starts near zero and is dropped at random during training: an item that
never appeared in behaviour keeps a negligible id part, and its vector comes from what it
shares with others — its text, category and price bucket.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from shopformer.model.config import MASK, PAD, ShopModelConfig


class ItemEncoder(nn.Module):
    def __init__(self, config: ShopModelConfig) -> None:
        super().__init__()
        self.config = config
        self.ids = nn.Embedding(config.num_items, config.hidden, padding_idx=PAD)
        self.categories = nn.Embedding(config.num_categories, config.hidden, padding_idx=PAD)
        self.prices = nn.Embedding(config.num_price_buckets, config.hidden, padding_idx=PAD)
        for table in (self.ids, self.categories, self.prices):
            nn.init.normal_(table.weight, std=0.02)
            table.weight.data[PAD].zero_()
        self.mask_vector = nn.Parameter(torch.randn(config.hidden) * 0.02)
        text_hidden = config.text.hidden if config.text else 1
        self.text_projection = nn.Linear(text_hidden, config.hidden, bias=False)
        self.text_gate = nn.Parameter(torch.tensor(0.5))
        self.norm = nn.LayerNorm(config.hidden)
        # How sharp the item softmax may get: both sides are layer-normed, so without a
        # learned scale a 50k-item catalog could never put much probability on one item.
        self.logit_scale = nn.Parameter(torch.zeros(()))  # log of the scale; starts at 1
        # Per-item side information (filled from the catalog; zeros where unknown).
        self.register_buffer("item_category", torch.zeros(config.num_items, dtype=torch.long))
        self.register_buffer("item_price", torch.zeros(config.num_items, dtype=torch.long))
        self.register_buffer("item_text", torch.zeros(config.num_items, text_hidden))
        self.register_buffer("has_text", torch.zeros(config.num_items, dtype=torch.bool))

    def side_vectors(self, items: torch.Tensor) -> torch.Tensor:
        """What an item shares with others: text, category, price bucket (…, H)."""
        side = self.categories(self.item_category[items]) + self.prices(self.item_price[items])
        # Text enters on the scale of the id embeddings, by a learned amount: warm items keep
        # their behaviour, cold ones still get direction from their words.
        text = F.normalize(self.text_projection(self.item_text[items]), dim=-1) * self.text_gate
        return side + text * self.has_text[items].unsqueeze(-1).to(text.dtype)

    def forward(self, items: torch.Tensor) -> torch.Tensor:
        """(…) item indices → (…, H) vectors; MASK gives the learned mask vector."""
        ids = self.ids(items)
        if self.training and self.config.item_id_dropout > 0:
            keep = torch.rand(items.shape, device=items.device) >= self.config.item_id_dropout
            ids = ids * keep.unsqueeze(-1).to(ids.dtype)
        vectors = ids + self.side_vectors(items)
        if self.config.item_norm:
            vectors = self.norm(vectors)
        is_mask = (items == MASK).unsqueeze(-1)
        return torch.where(is_mask, self.mask_vector.expand_as(vectors), vectors)

    def all_items(self) -> torch.Tensor:
        """Vectors of every item (N, H), for full ranking."""
        return self.forward(torch.arange(self.config.num_items, device=self.ids.weight.device))
