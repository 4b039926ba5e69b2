"""What every head returns (DESIGN.md: `forward(batch) -> Output(logits, loss)`)."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class HeadOutput:
    logits: torch.Tensor
    loss: torch.Tensor | None = None
