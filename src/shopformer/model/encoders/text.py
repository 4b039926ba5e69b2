"""A small transformer over the shop tokenizer's tokens (reviews, titles, conversations)."""

from __future__ import annotations

import torch
from torch import nn

from shopformer.model.config import TextEncoderConfig


def ordinary_tokens(token_ids: torch.Tensor, attention: torch.Tensor,
                    config: TextEncoderConfig) -> torch.Tensor:
    """True (B, L) where a token is a word of the text: attended and not a special token
    ([CLS], [MASK], …), whichever ids the tokenizer gave its special tokens."""
    special = torch.tensor(config.special_ids, device=token_ids.device)
    return attention & ~torch.isin(token_ids, special)


class TextEncoder(nn.Module):
    def __init__(self, config: TextEncoderConfig) -> None:
        super().__init__()
        self.config = config
        self.tokens = nn.Embedding(config.vocab_size, config.hidden, padding_idx=config.pad_id)
        self.positions = nn.Embedding(config.max_tokens, config.hidden)
        layer = nn.TransformerEncoderLayer(config.hidden, config.heads, config.ffn,
                                           config.dropout, batch_first=True, norm_first=True)
        self.transformer = nn.TransformerEncoder(layer, config.layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(config.hidden)
        self.bag_norm = nn.LayerNorm(config.hidden)
        for table in (self.tokens, self.positions):
            nn.init.normal_(table.weight, std=0.02)
        self.tokens.weight.data[config.pad_id].zero_()

    def forward(self, token_ids: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
        """Token states (B, L, H) for (B, L) token ids and a bool attention mask."""
        length = token_ids.shape[1]
        positions = torch.arange(length, device=token_ids.device)
        states = self.tokens(token_ids) + self.positions(positions)[None]  # (B, L, H)
        states = self.transformer(states, src_key_padding_mask=~attention)
        return self.norm(states)

    def pool(self, states: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
        """One vector per text: the mean of its token states (B, H)."""
        weights = attention.unsqueeze(-1).to(states.dtype)  # (B, L, 1)
        return (states * weights).sum(1) / weights.sum(1).clamp_min(1.0)

    def bag_of_words(self, token_ids: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
        """Mean embedding of the ordinary tokens (B, H): shares what a text says word by word,
        so a new combination of known words still lands near texts using the same words."""
        ordinary = ordinary_tokens(token_ids, attention, self.config)
        weights = ordinary.unsqueeze(-1).to(self.tokens.weight.dtype)  # (B, L, 1)
        mean = (self.tokens(token_ids) * weights).sum(1) / weights.sum(1).clamp_min(1.0)
        return self.bag_norm(mean)  # on the same scale as the contextual part

    def embed(self, token_ids: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
        """One vector per text: contextual (transformer) plus word-by-word (bag of words)."""
        contextual = self.pool(self.forward(token_ids, attention), attention)
        return contextual + self.bag_of_words(token_ids, attention)
