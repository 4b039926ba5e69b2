"""What every objective is: a name, a check that its data is there, and a loss."""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch

from shopformer.core.registry import Registry
from shopformer.model.shop_model import PretrainBatch, ShopModel


class Objective(ABC):
    name: str

    def __init__(self, negatives: int = 1024, item_frequency: torch.Tensor | None = None
                 ) -> None:
        self.negatives = negatives  # sampled items per step, for the item softmax losses
        # Each item's share of the training targets, for the sampled softmax's correction.
        self.item_frequency = item_frequency

    @abstractmethod
    def available(self, model: ShopModel, batch: PretrainBatch) -> bool:
        """False when the shop lacks what this loss needs (no text, no events, …)."""

    @abstractmethod
    def loss(self, model: ShopModel, batch: PretrainBatch) -> torch.Tensor: ...


OBJECTIVES: Registry[type[Objective]] = Registry("objective")
