"""Are predicted probabilities honest, and do they rank well? Pure numpy.

A bid times a probability is money: a pCTR that is twice too high spends twice the budget,
so the ads metrics look at calibration (ECE, reliability, log-loss) next to ranking (AUC).
"""

from __future__ import annotations

import numpy as np

from shopformer.core.errors import ConfigError

EPSILON = 1e-15  # log-loss clips here so that one confident mistake stays finite


def expected_calibration_error(labels: np.ndarray, probabilities: np.ndarray,
                               bins: int = 15) -> float:
    """Mean |observed rate − mean prediction| over equal-width bins, weighted by bin size."""
    table = reliability_table(labels, probabilities, bins)
    counts = table["count"]
    used = counts > 0
    gaps = np.abs(table["observed"][used] - table["predicted"][used])
    return float(np.sum(gaps * counts[used]) / counts.sum())


def reliability_table(labels: np.ndarray, probabilities: np.ndarray,
                      bins: int = 10) -> dict[str, np.ndarray]:
    """Per equal-width bin of [0, 1]: its edges, count, mean prediction and observed rate
    (NaN where a bin is empty)."""
    y, p = _checked(labels, probabilities)
    if bins < 1:
        raise ConfigError(f"bins must be at least 1, got {bins}")
    edges = np.linspace(0.0, 1.0, bins + 1)
    # Bin i holds [edge_i, edge_i+1); a probability of exactly 1 goes to the last bin.
    index = np.minimum((p * bins).astype(np.int64), bins - 1)
    counts = np.bincount(index, minlength=bins).astype(np.float64)
    predicted_sum = np.bincount(index, weights=p, minlength=bins)
    observed_sum = np.bincount(index, weights=y, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        predicted = np.where(counts > 0, predicted_sum / counts, np.nan)
        observed = np.where(counts > 0, observed_sum / counts, np.nan)
    return {"lower": edges[:-1], "upper": edges[1:], "count": counts,
            "predicted": predicted, "observed": observed}


def log_loss(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean negative log-likelihood, probabilities clipped to [1e-15, 1 − 1e-15]."""
    y, p = _checked(labels, probabilities)
    p = np.clip(p, EPSILON, 1.0 - EPSILON)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log1p(-p)))


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Probability that a random positive outscores a random negative (ties count half),
    from the rank sum (Mann–Whitney U). Scores may be any real numbers."""
    y, s = _checked(labels, scores, probabilities=False)
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        raise ValueError("roc_auc needs both classes among the labels "
                         f"({positives} positive, {negatives} negative)")
    ranks = _average_ranks(s)
    u = ranks[y == 1].sum() - positives * (positives + 1) / 2.0
    return float(u / (positives * negatives))


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, tied values sharing the mean of their ranks."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    ends = np.append(starts[1:], len(values))  # exclusive
    mean_rank = (starts + ends + 1) / 2.0  # mean of starts+1 … ends
    ranks = np.empty(len(values))
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


def _checked(labels: np.ndarray, values: np.ndarray, probabilities: bool = True
             ) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels, dtype=np.float64).ravel()
    v = np.asarray(values, dtype=np.float64).ravel()
    what = "probabilities" if probabilities else "scores"
    if len(y) != len(v):
        raise ValueError(f"labels ({len(y)}) and {what} ({len(v)}) differ in length")
    if not len(y):
        raise ValueError("no labels to score")
    if not np.all((y == 0) | (y == 1)):
        bad = y[(y != 0) & (y != 1)][:3]
        raise ValueError(f"labels must be 0 or 1, found {bad.tolist()}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{what} must be finite numbers (found NaN or infinity)")
    if probabilities and (v.min() < 0.0 or v.max() > 1.0):
        raise ValueError(f"probabilities must lie in [0, 1], found {v.min():.6g} to "
                         f"{v.max():.6g}")
    return y, v
