"""A text classifier on the shop's text encoder: pooled text vector → class logits.

The head is the base of review sentiment and support intents; starting it from the
pretrained encoder instead of random weights is what pretraining is for.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from shopformer.model.heads.base import HeadOutput


class TextClassifier(nn.Module):
    def __init__(self, encoder: nn.Module, classes: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(hidden, classes)

    def forward(self, token_ids: torch.Tensor, attention: torch.Tensor,
                labels: torch.Tensor | None = None) -> HeadOutput:
        vectors = self.encoder.embed(token_ids, attention)  # (B, H)
        logits = self.output(self.dropout(vectors))  # (B, classes)
        loss = F.cross_entropy(logits, labels) if labels is not None else None
        return HeadOutput(logits, loss)
