"""Each pretraining objective learns something on a tiny planted shop: its loss falls."""

from __future__ import annotations

import pytest
import torch

from shopformer.model.config import ShopModelConfig, TextEncoderConfig
from shopformer.model.encoders.sequence import EventBatch
from shopformer.model.objectives import OBJECTIVES
from shopformer.model.shop_model import PretrainBatch, ShopModel, TextBatch

ITEMS = 40  # indices 2..39 are items


def planted_batch(generator: torch.Generator) -> PretrainBatch:
    """Persons walk the catalog in steps of one: item k is always followed by item k+1."""
    starts = torch.randint(2, ITEMS - 12, (32,), generator=generator)
    items = starts[:, None] + torch.arange(10)[None]  # (B, T)
    ones = torch.ones_like(items)
    events = EventBatch(items, ones, ones, ones)
    # Texts: two kinds of sentences whose words always come together.
    words = torch.tensor([[10, 11, 12, 13, 14, 15], [20, 21, 22, 23, 24, 25]])
    texts = words[torch.randint(0, 2, (16,), generator=generator)]
    text_batch = TextBatch(texts, torch.ones_like(texts, dtype=torch.bool))
    # Item texts: each item has its own word besides the words of its kind.
    item_ids = torch.arange(2, 18)
    item_tokens = torch.cat([words[item_ids % 2], (30 + item_ids)[:, None]], dim=1)
    item_batch = TextBatch(item_tokens, torch.ones_like(item_tokens, dtype=torch.bool), item_ids)
    return PretrainBatch(events, text_batch, item_batch)


def make_model() -> ShopModel:
    text = TextEncoderConfig(vocab_size=60, hidden=32, layers=1, heads=2, ffn=64, max_tokens=16)
    return ShopModel(ShopModelConfig(num_items=ITEMS, hidden=32, layers=1, heads=2,
                                     max_events=16, dropout=0.0, text=text))


@pytest.mark.parametrize("name", ["next_event", "masked_event", "masked_language",
                                  "text_item_alignment"])
def test_loss_falls(name):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model = make_model()
    if name == "text_item_alignment":  # each item's behaviour, for its text to point at
        with torch.no_grad():
            model.items.ids.weight[2:18] = torch.randn(16, 32)
    objective = OBJECTIVES.get(name)()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(60):
        batch = planted_batch(generator)
        assert objective.available(model, batch)
        loss = objective.loss(model, batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    early, late = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert late < 0.6 * early, f"{name}: {early:.3f} → {late:.3f}"


def test_text_objectives_switch_off_without_text():
    model = ShopModel(ShopModelConfig(num_items=ITEMS, hidden=32, heads=2))
    batch = planted_batch(torch.Generator().manual_seed(1))
    assert not OBJECTIVES.get("masked_language")().available(model, batch)
    assert not OBJECTIVES.get("text_item_alignment")().available(model, batch)
    assert OBJECTIVES.get("next_event")().available(model, batch)


def test_unknown_objective_lists_the_known_ones():
    with pytest.raises(Exception, match="masked_event"):
        OBJECTIVES.get("contrastive_magic")


def test_causal_states_do_not_see_the_future():
    model = make_model().eval()
    batch = planted_batch(torch.Generator().manual_seed(2)).events
    changed = EventBatch(batch.items.clone(), batch.types, batch.channels, batch.gaps)
    changed.items[:, -1] = 3
    with torch.no_grad():
        before = model.encode_events(batch, causal=True)
        after = model.encode_events(changed, causal=True)
        both_ways = model.encode_events(changed, causal=False)
    assert torch.allclose(before[:, :-1], after[:, :-1], atol=1e-5)
    assert not torch.allclose(model.encode_events(batch, causal=False)[:, 0], both_ways[:, 0])
