"""The item softmax: full when it is cheap, sampled with log-Q correction when it is not."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from shopformer.model.config import FIRST_ID, ShopModelConfig
from shopformer.model.encoders.item import ItemEncoder
from shopformer.model.objectives.sampled_softmax import item_softmax_loss


def encoder(num_items: int) -> ItemEncoder:
    torch.manual_seed(0)
    return ItemEncoder(ShopModelConfig(num_items=num_items, hidden=16, heads=2,
                                       item_id_dropout=0.0))


def test_enough_negatives_means_the_full_softmax():
    items = encoder(6000)  # above the always-full size
    states = torch.randn(5, 16)
    targets = torch.tensor([2, 7, 7, 100, 5999])
    logits = (states * 16 ** -0.5) @ items.all_items().T
    logits[:, :FIRST_ID] = float("-inf")
    expected = F.cross_entropy(logits, targets)
    assert torch.allclose(item_softmax_loss(states, targets, items, negatives=6000), expected)


def test_sampled_softmax_corrects_for_targets_drawn_by_popularity():
    items = encoder(6000)
    states = torch.zeros(4, 16)  # every item scores 0: only the correction tells them apart
    targets = torch.tensor([10, 10, 10, 20])  # item 10 is popular in this batch
    torch.manual_seed(1)
    loss = item_softmax_loss(states, targets, items, negatives=100)
    # Each candidate's logit is minus the log of how often it was expected among candidates,
    # relative to a uniform draw: item 10 (3 in the batch) is discounted most.
    uniform = 100 / (6000 - FIRST_ID)
    torch.manual_seed(1)
    sampled = torch.randint(FIRST_ID, 6000, (100,))
    candidates, inverse = torch.unique(torch.cat([targets, sampled]), return_inverse=True)
    in_batch = torch.zeros(len(candidates)).index_add_(0, inverse[:4], torch.ones(4))
    logits = math.log(uniform) - torch.log(uniform + in_batch)
    expected = F.cross_entropy(logits.expand(4, -1), inverse[:4])
    assert torch.allclose(loss, expected)
    assert loss.item() > 0


def test_logit_scale_is_learned():
    items = encoder(6000)
    states = torch.randn(8, 16, requires_grad=True)
    loss = item_softmax_loss(states, torch.arange(8) + 2, items, negatives=6000)
    loss.backward()
    assert items.logit_scale.grad is not None and items.logit_scale.grad.abs() > 0


def test_known_frequencies_correct_by_each_candidates_chance_of_being_drawn():
    items = encoder(6000)
    states = torch.zeros(4, 16)
    targets = torch.tensor([10, 10, 10, 20])
    frequency = torch.zeros(6000)
    frequency[10], frequency[20] = 0.5, 0.001  # 10 is popular overall, 20 rare
    torch.manual_seed(1)
    loss = item_softmax_loss(states, targets, items, negatives=100, frequency=frequency)
    uniform = 100 / (6000 - FIRST_ID)
    torch.manual_seed(1)
    sampled = torch.randint(FIRST_ID, 6000, (100,))
    candidates, inverse = torch.unique(torch.cat([targets, sampled]), return_inverse=True)
    drawn = uniform + 4 * frequency[candidates]
    logits = math.log1p(-math.exp(-uniform)) - torch.log1p(-torch.exp(-drawn))
    assert torch.allclose(loss, F.cross_entropy(logits.expand(4, -1), inverse[:4]))
    # Items never among the targets keep their plain score; the popular one is discounted.
    assert logits[candidates == 20].item() < 0 and logits[candidates == 10] < logits[
        candidates == 20]
    assert torch.allclose(logits[frequency[candidates] == 0], torch.zeros(()), atol=1e-5)


def test_item_norm_off_keeps_the_length_of_item_vectors():
    torch.manual_seed(0)
    normed = ItemEncoder(ShopModelConfig(num_items=50, hidden=16, heads=2, item_id_dropout=0.0))
    free = ItemEncoder(ShopModelConfig(num_items=50, hidden=16, heads=2, item_id_dropout=0.0,
                                       item_norm=False))
    free.load_state_dict(normed.state_dict())
    with torch.no_grad():
        free.ids.weight[5] *= 10
    items = torch.tensor([4, 5])
    lengths = free(items).norm(dim=-1)
    assert lengths[1] > 5 * lengths[0]  # the scaled id embedding stays long
    assert torch.allclose(free(items), free.ids(items) + free.side_vectors(items))
    normed_lengths = normed(items).norm(dim=-1)  # layer norm: about sqrt(16) each
    assert (normed_lengths - 4.0).abs().max() < 0.15
    assert ShopModelConfig.from_dict({"num_items": 50}).item_norm  # older models: normed
