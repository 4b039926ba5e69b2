"""The neighbour vote on rows whose answer is known: near copies vote their label,
weights decide what counts as near, and a saved vote reads the same."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from shopformer.core.errors import ConfigError
from shopformer.train.neighbour_vote import NeighbourConfig, NeighbourVote


def rows(rng: np.random.Generator, n: int, features: int = 40) -> tuple[sparse.csr_matrix,
                                                                        np.ndarray]:
    """Label 1 rows use features 0–9, label 0 rows 10–19; every row also has two of the
    noise features 20–39."""
    labels = rng.integers(0, 2, n)
    dense = np.zeros((n, features))
    for i, label in enumerate(labels):
        dense[i, rng.choice(10, 3, replace=False) + (0 if label else 10)] = 1.0
        dense[i, rng.choice(20, 2, replace=False) + 20] = 1.0
    return sparse.csr_matrix(dense), labels


def fitted(seed: int, weights: np.ndarray, neighbours: int
           ) -> tuple[NeighbourVote, sparse.csr_matrix, np.ndarray]:
    """(a vote over 400 stored rows, 100 probe rows, their labels)."""
    rng = np.random.default_rng(seed)
    stored, labels = rows(rng, 400)
    probe, truth = rows(rng, 100)
    config = NeighbourConfig(neighbours=neighbours, max_share=1.0)
    return NeighbourVote.fit(stored, labels, weights, config), probe, truth


def test_rows_vote_the_label_of_rows_like_them():
    vote, probe, truth = fitted(0, np.ones(40), 10)
    votes = vote.vote(probe)
    assert votes.min() >= -1 and votes.max() <= 1
    assert np.mean((votes > 0) == truth) > 0.95


def test_weights_choose_what_makes_rows_near():
    noise_only = np.r_[np.zeros(20), np.ones(20)]  # the label features weigh nothing
    vote, probe, truth = fitted(1, noise_only, 10)
    blind = vote.vote(probe)
    assert abs(np.mean((blind > 0) == truth) - 0.5) < 0.2


def test_common_features_and_light_entries_are_dropped():
    rng = np.random.default_rng(2)
    stored, labels = rows(rng, 200)
    vote = NeighbourVote.fit(stored, labels, np.ones(40),
                             NeighbourConfig(neighbours=5, keep=2, max_share=0.5))
    assert vote.stored_by_feature.T.tocsr().getnnz(1).max() <= 2
    common = np.asarray((stored > 0).mean(0)).ravel() > 0.5
    assert not common.any() or (vote.weights[common] == 0).all()


def test_a_saved_vote_reads_the_same():
    vote, probe, _ = fitted(3, np.random.default_rng(3).random(40), 7)
    again = NeighbourVote.from_state(vote.state("n"), "n", 7)
    assert np.allclose(again.vote(probe), vote.vote(probe))


def test_bad_input_says_what_is_wrong():
    stored, labels = rows(np.random.default_rng(4), 20)
    with pytest.raises(ConfigError, match="rows but"):
        NeighbourVote.fit(stored, labels[:5], np.ones(40))
    with pytest.raises(ConfigError, match="one weight"):
        NeighbourVote.fit(stored, labels, np.ones(3))
    with pytest.raises(ConfigError, match="features"):
        NeighbourVote.fit(stored, labels, np.ones(40)).vote(sparse.csr_matrix((2, 7)))
    with pytest.raises(ConfigError, match="max_share"):
        NeighbourConfig(max_share=0.0)
