"""Calibration and ranking metrics against hand-computed answers and brute force."""

from __future__ import annotations

import numpy as np
import pytest

from shopformer.core.errors import ConfigError
from shopformer.metrics.calibration import (
    expected_calibration_error,
    log_loss,
    reliability_table,
    roc_auc,
)


def brute_force_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    positives, negatives = scores[labels == 1], scores[labels == 0]
    wins = (positives[:, None] > negatives[None, :]).sum()
    ties = (positives[:, None] == negatives[None, :]).sum()
    return (wins + 0.5 * ties) / (len(positives) * len(negatives))


def test_auc_matches_pair_counting_with_ties():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 300)
    scores = rng.integers(0, 8, 300).astype(float)  # many ties
    assert roc_auc(labels, scores) == pytest.approx(brute_force_auc(labels, scores))


def test_auc_of_perfect_reversed_and_constant_scores():
    labels = np.array([0, 0, 1, 1])
    assert roc_auc(labels, np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    assert roc_auc(labels, np.array([0.9, 0.8, 0.2, 0.1])) == 0.0
    assert roc_auc(labels, np.ones(4)) == 0.5
    assert roc_auc(labels, np.array([-3.0, -1.0, 2.0, 40.0])) == 1.0  # any real scores


def test_auc_needs_both_classes():
    with pytest.raises(ValueError, match="both classes"):
        roc_auc(np.ones(3), np.array([0.1, 0.2, 0.3]))


def test_log_loss_by_hand_and_clipped():
    labels = np.array([1, 0])
    expected = -(np.log(0.8) + np.log(0.6)) / 2
    assert log_loss(labels, np.array([0.8, 0.4])) == pytest.approx(expected)
    certain_and_wrong = log_loss(np.array([1]), np.array([0.0]))
    assert np.isfinite(certain_and_wrong) and certain_and_wrong == pytest.approx(-np.log(1e-15))


def test_reliability_table_counts_means_and_rates():
    labels = np.array([0, 0, 1, 1, 1])
    probabilities = np.array([0.05, 0.15, 0.55, 0.65, 1.0])
    table = reliability_table(labels, probabilities, bins=2)
    assert table["count"].tolist() == [2, 3]
    assert table["predicted"] == pytest.approx([0.10, (0.55 + 0.65 + 1.0) / 3])
    assert table["observed"].tolist() == [0.0, 1.0]
    assert table["lower"].tolist() == [0.0, 0.5] and table["upper"].tolist() == [0.5, 1.0]
    empty = reliability_table(labels, probabilities, bins=10)
    assert empty["count"].sum() == 5 and np.isnan(empty["observed"][3])


def test_ece_by_hand():
    # bin [0.2, 0.4): predicted 0.3 four times, observed 1/4 → gap 0.05;
    # bin [0.8, 1.0]: predicted 0.9 once, observed 0 → gap 0.9; weights 4/5 and 1/5.
    labels = np.array([1, 0, 0, 0, 0])
    probabilities = np.array([0.3, 0.3, 0.3, 0.3, 0.9])
    ece = expected_calibration_error(labels, probabilities, bins=5)
    assert ece == pytest.approx(0.8 * 0.05 + 0.2 * 0.9)


def test_ece_is_small_for_honest_and_large_for_overconfident_probabilities():
    rng = np.random.default_rng(1)
    truth = rng.uniform(0, 1, 20_000)
    labels = (rng.uniform(0, 1, truth.size) < truth).astype(int)
    assert expected_calibration_error(labels, truth) < 0.02
    overconfident = np.where(truth > 0.5, 0.99, 0.01)
    assert expected_calibration_error(labels, overconfident) > 0.2


@pytest.mark.parametrize(("labels", "values", "message"), [
    ([0, 1], [0.5], "differ in length"),
    ([0, 2], [0.5, 0.5], "0 or 1"),
    ([0, 1], [0.5, 1.5], r"\[0, 1\]"),
    ([0, 1], [0.5, np.nan], "finite"),
    ([], [], "no labels"),
])
def test_bad_inputs_say_what_is_wrong(labels, values, message):
    with pytest.raises(ValueError, match=message):
        expected_calibration_error(np.array(labels), np.array(values))


def test_bins_must_be_positive():
    with pytest.raises(ConfigError, match="bins"):
        reliability_table(np.array([0, 1]), np.array([0.2, 0.8]), bins=0)
