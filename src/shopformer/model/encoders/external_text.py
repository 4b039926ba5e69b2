"""A local Hugging Face encoder (BERT-like) as the shop's text encoder, adapted with LoRA.

The base model is read from a directory on this machine — never downloaded — and its own
weights stay frozen: only the LoRA adapters on its attention projections train, with our bag
of words norm (with `lora_rank=0` the whole base trains instead). It answers like
`TextEncoder` (`forward`, `pool`, `bag_of_words`, `embed`, `config`, `tokens`), so every
objective and head works with either. transformers and peft are imported here, lazily:
`import shopformer` never loads them.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from shopformer.core.errors import ConfigError
from shopformer.core.huggingface import missing_extra, offline
from shopformer.model.config import ExternalTextConfig, TextEncoderConfig
from shopformer.model.encoders.text import ordinary_tokens

# Preferred LoRA targets, by family: BERT/RoBERTa, LLaMA-style, DistilBERT, T5.
PREFERRED_TARGETS = (("query", "value"), ("q_proj", "v_proj"), ("q_lin", "v_lin"), ("q", "v"))
# Otherwise any linear layer whose name says it projects queries, keys or values.
PROJECTION_NAME = re.compile(r"^(query|key|value|w?qkv|[qkv](_?proj|_lin)?|in_proj)$",
                             re.IGNORECASE)


def external_text_config(external: ExternalTextConfig, *, pad_id: int, mask_id: int | None,
                         special_ids: Sequence[int]) -> TextEncoderConfig:
    """The text settings the rest of the shop model reads, taken from the base's own
    config.json: its hidden size and vocabulary, and the special ids of its tokenizer."""
    base = _load(external.path, "AutoConfig")
    limit = getattr(base, "max_position_embeddings", None)
    if limit is not None and external.max_tokens > limit:
        raise ConfigError(f"{external.path}: the model reads at most {limit} tokens, "
                          f"max_tokens is {external.max_tokens}")
    heads = getattr(base, "num_attention_heads", 1)
    return TextEncoderConfig(
        vocab_size=base.vocab_size, hidden=base.hidden_size,
        layers=getattr(base, "num_hidden_layers", 1), heads=heads,
        ffn=getattr(base, "intermediate_size", base.hidden_size * 4),
        max_tokens=external.max_tokens, dropout=getattr(base, "hidden_dropout_prob", 0.0),
        pad_id=pad_id, mask_id=mask_id, special_ids=tuple(sorted(set(special_ids))))


class ExternalTextEncoder(nn.Module):
    def __init__(self, external: ExternalTextConfig, config: TextEncoderConfig) -> None:
        super().__init__()
        self.external = external
        self.config = config
        base = _load(external.path, "AutoModel")
        _check_matches(base, config, external.path)
        if external.lora_rank == 0:  # full fine-tuning: every weight trains and is saved
            self.base = base
            self.base_keys: frozenset[str] = frozenset()
            self.bag_norm = nn.LayerNorm(config.hidden)
            return
        for parameter in base.parameters():
            parameter.requires_grad_(False)
        self.base = _with_lora(base, external)
        trainable = {name for name, parameter in self.base.named_parameters(
            remove_duplicate=False) if parameter.requires_grad}
        # What `from_pretrained` reads from the base directory again, so a saved shop model
        # holds only the adapters and our own layers.
        self.base_keys = frozenset(f"base.{key}" for key in self.base.state_dict()
                                   if key not in trainable)
        self.bag_norm = nn.LayerNorm(config.hidden)

    @property
    def tokens(self) -> nn.Embedding:
        """The base's word embeddings: the tied masked-language head reads them."""
        return self.base.get_input_embeddings()

    def forward(self, token_ids: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
        """Token states (B, L, H) for (B, L) token ids and a bool attention mask."""
        output = self.base(input_ids=token_ids, attention_mask=attention.long())
        return output.last_hidden_state  # (B, L, H)

    def pool(self, states: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
        """One vector per text: the mean of its token states (B, H)."""
        weights = attention.unsqueeze(-1).to(states.dtype)  # (B, L, 1)
        return (states * weights).sum(1) / weights.sum(1).clamp_min(1.0)

    def bag_of_words(self, token_ids: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
        """Mean input embedding of the text's words (B, H), as in `TextEncoder`: a new
        combination of known words still lands near texts using the same words."""
        ordinary = ordinary_tokens(token_ids, attention, self.config)
        weights = ordinary.unsqueeze(-1).to(self.tokens.weight.dtype)  # (B, L, 1)
        mean = (self.tokens(token_ids) * weights).sum(1) / weights.sum(1).clamp_min(1.0)
        return self.bag_norm(mean)

    def embed(self, token_ids: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
        """One vector per text: contextual (base + LoRA) plus word-by-word (bag of words)."""
        contextual = self.pool(self.forward(token_ids, attention), attention)
        return contextual + self.bag_of_words(token_ids, attention)


def lora_targets(base: nn.Module) -> list[str]:
    """Names of the attention projections to adapt: a known pair (BERT's query and value)
    when the model has it, else every linear layer named like a q/k/v projection."""
    names = {name.rsplit(".", 1)[-1] for name, module in base.named_modules()
             if isinstance(module, nn.Linear)}
    for pair in PREFERRED_TARGETS:
        if set(pair) <= names:
            return list(pair)
    found = sorted(name for name in names if PROJECTION_NAME.match(name))
    if not found:
        raise ConfigError(f"no attention projections to adapt with LoRA among the model's "
                          f"linear layers {sorted(names)}")
    return found


def _with_lora(base: nn.Module, external: ExternalTextConfig) -> nn.Module:
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError as error:
        raise missing_extra(error) from None
    lora = LoraConfig(r=external.lora_rank, lora_alpha=external.lora_alpha,
                      lora_dropout=external.lora_dropout, target_modules=lora_targets(base))
    with warnings.catch_warnings():  # peft asks transformers about a renamed flag
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing",
                                category=FutureWarning)
        return get_peft_model(base, lora)


def _load(path: str, kind: str) -> Any:
    """`transformers.<kind>.from_pretrained(path)` from a local directory, offline."""
    if not Path(path).is_dir():
        raise ConfigError(f"external text model directory {path} is missing; put the base "
                          f"model there (the same files it was trained with)")
    with offline():
        try:
            import transformers
        except ImportError as error:
            raise missing_extra(error) from None
        try:
            return getattr(transformers, kind).from_pretrained(path, local_files_only=True)
        except (OSError, ValueError, KeyError) as error:
            raise ConfigError(f"{path}: not a Hugging Face model directory this transformers "
                              f"can read ({error})") from None


def _check_matches(base: nn.Module, config: TextEncoderConfig, path: str) -> None:
    """The base must still be the one the shop model was built on (or saved with)."""
    rows, hidden = base.get_input_embeddings().weight.shape
    if (rows, hidden) != (config.vocab_size, config.hidden):
        raise ConfigError(f"{path}: the model has {rows} tokens of width {hidden}, the shop "
                          f"model expects {config.vocab_size} of width {config.hidden}; was "
                          f"the directory replaced by another model?")
