"""The ranking head's dropout: torch's CPU dropout drew each element with a Mersenne
Twister (30 % of training a small shop's search ranker); this one must drop the same
share, keep the expected value, repeat under a seed and do nothing when evaluating."""

from __future__ import annotations

import pytest
import torch

from shopformer.model.heads.fast_dropout import FastDropout


def test_drops_the_share_asked_and_keeps_the_mean():
    torch.manual_seed(0)
    dropout = FastDropout(0.25).train()
    x = torch.ones(200, 500, requires_grad=True)
    y = dropout(x)
    dropped = (y == 0).float().mean().item()
    assert dropped == pytest.approx(0.25, abs=0.01)
    assert y.mean().item() == pytest.approx(1.0, abs=0.02)
    y.sum().backward()  # the gradient flows through the kept units only
    assert torch.equal(x.grad == 0, y == 0)


def test_repeats_under_a_seed_and_differs_between_calls():
    x = torch.randn(50, 40)
    torch.manual_seed(7)
    first = FastDropout(0.5).train()
    a, b = first(x), first(x)
    torch.manual_seed(7)
    again = FastDropout(0.5).train()
    assert torch.equal(a, again(x)) and not torch.equal(a, b)


def test_evaluating_or_no_dropout_passes_the_input_through():
    x = torch.randn(8, 4)
    assert FastDropout(0.3).eval()(x) is x
    assert FastDropout(0.0).train()(x) is x
    with pytest.raises(ValueError, match="probability"):
        FastDropout(1.0)
