"""A person's cross-channel events → one state per event (causal or bidirectional).

Each event token = item vector + event type + channel + time-gap bucket + position.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from shopformer.model.config import PAD, ShopModelConfig


@dataclass
class EventBatch:
    """Padded event sequences; every tensor is (B, T), PAD (0) where there is no event."""

    items: torch.Tensor
    types: torch.Tensor
    channels: torch.Tensor
    gaps: torch.Tensor

    @property
    def padding(self) -> torch.Tensor:
        return self.items == PAD

    def to(self, device: torch.device | str) -> EventBatch:
        return EventBatch(*(t.to(device) for t in (self.items, self.types, self.channels,
                                                   self.gaps)))


class SequenceEncoder(nn.Module):
    def __init__(self, config: ShopModelConfig) -> None:
        super().__init__()
        self.config = config
        self.types = nn.Embedding(config.num_event_types, config.hidden, padding_idx=PAD)
        self.channels = nn.Embedding(config.num_channels, config.hidden, padding_idx=PAD)
        self.gaps = nn.Embedding(config.num_gap_buckets, config.hidden, padding_idx=PAD)
        self.positions = nn.Embedding(config.max_events, config.hidden)
        self.input_norm = nn.LayerNorm(config.hidden)
        self.dropout = nn.Dropout(config.dropout)
        layer = nn.TransformerEncoderLayer(config.hidden, config.heads, config.hidden * 4,
                                           config.dropout, batch_first=True, norm_first=True)
        self.transformer = nn.TransformerEncoder(layer, config.layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(config.hidden)
        for table in (self.types, self.channels, self.gaps, self.positions):
            nn.init.normal_(table.weight, std=0.02)

    def forward(self, item_vectors: torch.Tensor, batch: EventBatch, causal: bool
                ) -> torch.Tensor:
        """(B, T, H) item vectors + event context → (B, T, H) states."""
        length = batch.items.shape[1]
        positions = torch.arange(length, device=item_vectors.device)
        tokens = (item_vectors + self.types(batch.types) + self.channels(batch.channels)
                  + self.gaps(batch.gaps) + self.positions(positions)[None])  # (B, T, H)
        tokens = self.dropout(self.input_norm(tokens))
        mask = None
        if causal:  # True above the diagonal: no event sees the ones after it
            mask = torch.triu(torch.ones(length, length, dtype=torch.bool,
                                         device=tokens.device), diagonal=1)
        padding = batch.padding
        # A fully padded row would give NaN attention; let it attend to itself instead.
        padding = padding & ~padding.all(dim=1, keepdim=True)
        states = self.transformer(tokens, mask=mask, src_key_padding_mask=padding,
                                  is_causal=causal)
        return self.norm(states)
