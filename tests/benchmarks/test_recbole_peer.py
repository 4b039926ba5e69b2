"""The RecBole peer trains on our split and hands back our ranks (opt-in: -m bench).

Builds RecBole's own venv on first use (about a minute), then trains SASRec for at most a
minute on a tiny shop whose next item is always determined by the last one.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from tests.benchmarks.conftest import benchmark_module

pytestmark = pytest.mark.bench
N_ITEMS = 30


@pytest.fixture(scope="module")
def peer():
    with benchmark_module("peers.recbole_peer") as module:
        yield module


def cyclic_shop(n_users: int = 300, seed: int = 7) -> dict[str, list[str]]:
    """Every person walks the item ring i0 -> i1 -> ... -> i29 -> i0 from a random start."""
    rng = random.Random(seed)
    shop = {}
    for user in range(n_users):
        start, length = rng.randrange(N_ITEMS), rng.randint(6, 12)
        shop[f"u{user}"] = [f"i{(start + k) % N_ITEMS}" for k in range(length)]
    return shop


def test_too_short_a_history_is_refused(peer, tmp_path: Path):
    with pytest.raises(ValueError, match="at least 3"):
        peer.write_inter({"u1": ["a", "b"]}, tmp_path / "x" / "x.inter")


def test_sasrec_learns_the_ring_and_ranks_are_ours(peer, tmp_path: Path):
    shop = cyclic_shop()
    negatives = {u: [f"i{(int(seq[-1][1:]) + 15 + k) % N_ITEMS}" for k in range(10)]
                 for u, seq in shop.items()}
    result = peer.run_recbole("SASRec", shop, budget_minutes=1.0, work_dir=tmp_path,
                              negatives=negatives, threads=1)

    assert set(result["test_ranks"]) == set(shop) == set(result["valid_ranks"])
    assert all(0 <= r < N_ITEMS for r in result["test_ranks"].values())
    assert all(0 <= r <= 10 for r in result["test_sampled_ranks"].values())
    full = peer.ranking_summary(result["test_ranks"])
    assert full["hr@10"] > 0.9, full  # chance is 10/30
    assert peer.ranking_summary(result["test_sampled_ranks"])["mrr"] > 0.9
    # our tie-pessimistic ranks agree with RecBole's own evaluator on the same model
    assert full["ndcg@10"] == pytest.approx(result["recbole_test_metrics"]["ndcg@10"], abs=2e-4)
    assert result["curve"] and result["train_seconds"] <= 60 + 30
