"""The shop model: item, text and sequence encoders under one roof.

Every capability is a head on top: it asks for item vectors, a person's states, or text
vectors, and `score_all` ranks every item for a state (the retrieval interface of DESIGN.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from shopformer.model.config import ShopModelConfig
from shopformer.model.encoders.external_text import ExternalTextEncoder
from shopformer.model.encoders.item import ItemEncoder
from shopformer.model.encoders.sequence import EventBatch, SequenceEncoder
from shopformer.model.encoders.text import TextEncoder


@dataclass
class TextBatch:
    """Token ids (N, L) with their attention mask; for items, `items` (N) says whose text."""

    ids: torch.Tensor
    attention: torch.Tensor
    items: torch.Tensor | None = None


@dataclass
class PretrainBatch:
    events: EventBatch
    texts: TextBatch | None = None  # free text for masked-language modelling
    item_texts: TextBatch | None = None  # item texts for text↔item alignment


class ShopModel(nn.Module):
    def __init__(self, config: ShopModelConfig) -> None:
        super().__init__()
        self.config = config
        self.items = ItemEncoder(config)
        self.sequence = SequenceEncoder(config)
        self.text: TextEncoder | ExternalTextEncoder | None = None
        if config.external_text is not None and config.text is not None:
            self.text = ExternalTextEncoder(config.external_text, config.text)
        elif config.text is not None:
            self.text = TextEncoder(config.text)
        if self.text is not None:
            text_config = config.text
            self.token_head_bias = nn.Parameter(torch.zeros(text_config.vocab_size))

    def encode_events(self, events: EventBatch, causal: bool,
                      item_vectors: torch.Tensor | None = None) -> torch.Tensor:
        """States (B, T, H) of each event given everything before it (causal) or around it."""
        vectors = self.items(events.items) if item_vectors is None else item_vectors
        return self.sequence(vectors, events, causal)

    def last_state(self, events: EventBatch, item_vectors: torch.Tensor | None = None
                   ) -> torch.Tensor:
        """The causal state after each person's last event (B, H): what they want next.
        `item_vectors` (B, T, H): the events' item vectors when the caller has them cached."""
        states = self.encode_events(events, causal=True, item_vectors=item_vectors)
        last = (~events.padding).sum(1).clamp_min(1) - 1  # (B,)
        return states[torch.arange(states.shape[0]), last]

    def score_all(self, states: torch.Tensor) -> torch.Tensor:
        """Scores of every item for each state (B, N_items)."""
        return states @ self.items.all_items().T

    def own_state_dict(self) -> dict[str, torch.Tensor]:
        """Every parameter and buffer but an external base's frozen weights: those are read
        from the base's own directory again, so a saved model holds only what we trained."""
        skipped = self._external_base_keys()
        return {key: value for key, value in self.state_dict().items() if key not in skipped}

    def load_own_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """The inverse of `own_state_dict`; strict about everything else."""
        missing, unexpected = self.load_state_dict(state, strict=False)
        missing = [key for key in missing if key not in self._external_base_keys()]
        if missing or unexpected:
            raise RuntimeError(f"shop model state does not fit: missing {missing}, "
                               f"unexpected {unexpected}")

    def _external_base_keys(self) -> frozenset[str]:
        if not isinstance(self.text, ExternalTextEncoder):
            return frozenset()
        return frozenset(f"text.{key}" for key in self.text.base_keys)

    def token_logits(self, token_states: torch.Tensor) -> torch.Tensor:
        """Vocabulary logits for masked-language modelling, tied to the token embedding."""
        assert self.text is not None
        return token_states @ self.text.tokens.weight.T + self.token_head_bias

    def text_vectors(self, texts: TextBatch) -> torch.Tensor:
        """Pooled text-encoder vectors (N, H_text)."""
        assert self.text is not None
        return self.text.embed(texts.ids, texts.attention)

    @torch.no_grad()
    def refresh_item_text(self, item_texts: TextBatch, batch_size: int = 256) -> None:
        """Cache each item's text vector so item vectors need no text encoder pass."""
        if self.text is None or item_texts.items is None:
            return
        was_training = self.training
        self.eval()
        for start in range(0, len(item_texts.ids), batch_size):
            part = slice(start, start + batch_size)
            ids, attention = item_texts.ids[part], item_texts.attention[part]
            vectors = self.text.embed(ids, attention)
            self.items.item_text[item_texts.items[part]] = vectors
            self.items.has_text[item_texts.items[part]] = True
        self.train(was_training)
