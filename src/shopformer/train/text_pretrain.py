"""Masked-language pretraining of the text encoder alone, for text-heavy shops and for
measuring text throughput (tokens per second)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from shopformer.data.tokenizer import ShopTokenizer
from shopformer.model.config import ShopModelConfig, TextEncoderConfig
from shopformer.model.encoders.sequence import EventBatch
from shopformer.model.objectives import OBJECTIVES
from shopformer.model.shop_model import PretrainBatch, ShopModel, TextBatch
from shopformer.train.finetune import length_batches, warmup_then_decay

WARMUP_SHARE = 0.05  # of the budget, when the rate decays
_NO_EVENTS = EventBatch(*(torch.zeros(1, 1, dtype=torch.long) for _ in range(4)))


@dataclass
class TextPretrainResult:
    model: ShopModel
    steps: int
    tokens: int
    seconds: float
    loss: float = float("nan")  # mean MLM loss of the last 5 % of steps (at least one)

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / max(self.seconds, 1e-9)


def text_model(tokenizer: ShopTokenizer, hidden: int = 128, layers: int = 2, heads: int = 4,
               seed: int = 7) -> ShopModel:
    """A text-only shop model, its weights drawn from `seed` (torch's default generator
    starts from a different seed in every process)."""
    torch.manual_seed(seed)
    text = TextEncoderConfig(vocab_size=tokenizer.vocab_size, hidden=hidden, layers=layers,
                             heads=heads, ffn=hidden * 2, max_tokens=tokenizer.config.max_tokens,
                             pad_id=tokenizer.pad_id)
    return ShopModel(ShopModelConfig(num_items=2, text=text))


def pretrain_text(model: ShopModel, tokenizer: ShopTokenizer, texts: Sequence[str], *,
                  minutes: float | None = None, epochs: float = 1.0, batch_size: int = 64,
                  learning_rate: float = 1e-3, seed: int = 7,
                  precision: str = "fp32", decay: bool = False) -> TextPretrainResult:
    """MLM over `texts` for `epochs` passes or `minutes`, whichever ends first.

    With `decay` the rate warms up over the first 5 % and then falls linearly to zero at
    the end, the end being whichever budget (steps or minutes) runs out first; a run cut
    by the clock then still ends on small steps instead of mid-stride."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    objective = OBJECTIVES.get("masked_language")()
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    total_steps = max(1, int(epochs * len(texts) / batch_size))
    model.train()
    steps = tokens = 0
    losses: list[float] = []
    started = time.perf_counter()

    def progress() -> float:  # share of the budget spent
        spent = steps / total_steps
        if minutes is not None:
            spent = max(spent, (time.perf_counter() - started) / (minutes * 60))
        return min(1.0, spent)

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, (
        lambda _: warmup_then_decay(progress(), WARMUP_SHARE, 1.0))
        if decay else (lambda _: 1.0))
    batches: list[np.ndarray] = []
    while steps < total_steps:
        if not batches:  # similar lengths per batch: less padding, same texts seen
            batches = length_batches(texts, min(batch_size, len(texts)), rng)
        chosen = batches.pop()
        ids, attention = tokenizer.encode_batch([texts[i] for i in chosen])
        batch = PretrainBatch(_NO_EVENTS, TextBatch(torch.from_numpy(ids),
                                                    torch.from_numpy(attention)))
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            loss = objective.loss(model, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        steps += 1
        schedule.step()
        losses.append(float(loss.detach()))
        tokens += int(attention.sum())
        if minutes is not None and time.perf_counter() - started > minutes * 60:
            break
    model.eval()
    return TextPretrainResult(model, steps, tokens, time.perf_counter() - started,
                              float(np.mean(losses[-max(1, len(losses) // 20):])))
