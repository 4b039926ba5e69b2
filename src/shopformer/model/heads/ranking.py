"""Learning to rank: a small network scores each (query, item, person) feature row, trained
listwise — the softmax over one query's candidates should put its mass where the gains are
(ListNet with graded gains). Listwise losses optimize the order within a query, which is
what NDCG measures, instead of each item's label on its own."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from shopformer.model.heads.base import HeadOutput
from shopformer.model.heads.fast_dropout import FastDropout


class RankingHead(nn.Module):
    def __init__(self, features: int, hidden: int = 128, dropout: float = 0.1,
                 gain_weight: float = 1.0) -> None:
        super().__init__()
        self.features = features
        self.gain_weight = gain_weight
        self.trunk = nn.Sequential(
            nn.Linear(features, hidden), nn.GELU(), FastDropout(dropout),
            nn.Linear(hidden, hidden // 2), nn.GELU())
        self.order = nn.Linear(hidden // 2, 1)
        # The gain itself, trained pointwise beside the listwise order: shops (and the
        # pool benchmark) also want "how relevant", not only "which first".
        self.gain = nn.Linear(hidden // 2, 1)

    def forward(self, features: torch.Tensor, gains: torch.Tensor | None = None,
                valid: torch.Tensor | None = None) -> HeadOutput:
        """`features` (Q, K, F) for Q queries of K candidates; `gains` (Q, K) ≥ 0; `valid`
        (Q, K) marks real candidates (a short list is padded). Logits (Q, K)."""
        hidden = self.trunk(features)
        logits = self.order(hidden).squeeze(-1)
        if valid is not None:
            logits = logits.masked_fill(~valid, -1e4)
        loss = None
        if gains is not None:
            predicted = self.gain(hidden).squeeze(-1)
            mask = valid if valid is not None else torch.ones_like(gains, dtype=torch.bool)
            loss = listwise_loss(logits, gains)
            if self.gain_weight:
                loss = loss + self.gain_weight * F.mse_loss(predicted[mask], gains[mask])
        return HeadOutput(logits, loss)

    def predict_gain(self, features: torch.Tensor) -> torch.Tensor:
        return self.gain(self.trunk(features)).squeeze(-1)


class RankingEnsemble(nn.Module):
    """Several ranking heads trained from different seeds, scores averaged. On small search
    logs one head's order of near-equal candidates depends on its seed; the average does
    not, and on large logs it ranks a little better too."""

    def __init__(self, heads: list[RankingHead]) -> None:
        super().__init__()
        self.heads = nn.ModuleList(heads)

    def forward(self, features: torch.Tensor, valid: torch.Tensor | None = None
                ) -> HeadOutput:
        logits = torch.stack([head(features, valid=valid).logits for head in self.heads])
        return HeadOutput(logits.mean(0), None)

    def predict_gain(self, features: torch.Tensor) -> torch.Tensor:
        return torch.stack([head.predict_gain(features) for head in self.heads]).mean(0)


def listwise_loss(logits: torch.Tensor, gains: torch.Tensor) -> torch.Tensor:
    """Cross-entropy between the gains' share and the softmax of the scores, over the
    queries that have any gain (a list with nothing relevant teaches no order)."""
    useful = gains.sum(1) > 0
    if not useful.any():
        return logits.sum() * 0.0
    target = gains[useful] / gains[useful].sum(1, keepdim=True)
    return -(target * F.log_softmax(logits[useful], dim=1)).sum(1).mean()
