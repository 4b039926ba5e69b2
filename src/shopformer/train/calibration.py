"""Post-hoc calibration: held-out logits → probabilities that match observed rates.

A network trained to early-stop on validation ranks well but its raw probabilities drift
(over-confident after many epochs, shifted when the training rate differs from the served
one). A tiny map fitted on held-out logits fixes that without touching the ranking:
- `platt`: p = σ(a + b·logit), two numbers fitted by minimizing log-loss;
- `temperature`: p = σ(logit / T), one number, keeps p = 0.5 where it was;
- `isotonic`: any monotone step map (pool-adjacent-violators); needs more held-out rows;
- `none`: σ(logit).
The result is plain numbers, saved inside config.json.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit

from shopformer.core.errors import ConfigError

METHODS = ("platt", "temperature", "isotonic", "none")
ISOTONIC_FLOOR = 1e-6  # an isotonic block of all-0 labels must not predict exactly 0


@dataclass(frozen=True)
class Calibration:
    method: str = "none"
    slope: float = 1.0
    intercept: float = 0.0
    knots: tuple[float, ...] = ()  # isotonic: logits, increasing
    values: tuple[float, ...] = ()  # isotonic: the probability at each knot

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ConfigError(f"unknown calibration {self.method!r}; known: {', '.join(METHODS)}")
        object.__setattr__(self, "knots", tuple(float(k) for k in self.knots))
        object.__setattr__(self, "values", tuple(float(v) for v in self.values))
        if self.method == "isotonic" and (not self.knots or len(self.knots) != len(self.values)):
            raise ConfigError("isotonic calibration needs as many knots as values (at least 1)")

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        z = np.asarray(logits, dtype=np.float64)
        if self.method == "isotonic":
            return np.interp(z, self.knots, self.values)
        return expit(self.intercept + self.slope * z)

    def to_dict(self) -> dict:
        return {**asdict(self), "knots": list(self.knots), "values": list(self.values)}

    @classmethod
    def from_dict(cls, values: dict) -> Calibration:
        return cls(**values)


def fit_calibration(logits: np.ndarray, labels: np.ndarray, method: str = "platt"
                    ) -> Calibration:
    """Fit `method` on held-out (logit, 0/1 label) pairs — never on the rows the network
    trained on, whose logits are over-confident."""
    z = np.asarray(logits, dtype=np.float64).ravel()
    y = np.asarray(labels, dtype=np.float64).ravel()
    if len(z) != len(y) or not len(z):
        raise ConfigError(f"calibration needs as many labels as logits (got {len(y)} and "
                          f"{len(z)}), at least one")
    if method not in METHODS:
        raise ConfigError(f"unknown calibration {method!r}; known: {', '.join(METHODS)}")
    if method == "none" or y.min() == y.max():  # one class only: nothing to learn from
        return Calibration("none")
    if method == "isotonic":
        knots, values = _isotonic(z, y)
        return Calibration("isotonic", knots=tuple(knots), values=tuple(values))
    intercept, slope = _platt(z, y, fit_intercept=method == "platt")
    return Calibration(method, slope=slope, intercept=intercept)


def _platt(z: np.ndarray, y: np.ndarray, fit_intercept: bool) -> tuple[float, float]:
    def loss_and_gradient(params: np.ndarray) -> tuple[float, np.ndarray]:
        a, b = (params[0], params[1]) if fit_intercept else (0.0, params[0])
        t = a + b * z
        loss = -np.mean(y * log_expit(t) + (1.0 - y) * log_expit(-t))
        residual = expit(t) - y  # d loss / d t, per row
        grad_b = np.mean(residual * z)
        grad = np.array([np.mean(residual), grad_b]) if fit_intercept else np.array([grad_b])
        return float(loss), grad

    start = np.array([0.0, 1.0]) if fit_intercept else np.array([1.0])
    result = minimize(loss_and_gradient, start, jac=True, method="L-BFGS-B")
    params = result.x
    return (float(params[0]), float(params[1])) if fit_intercept else (0.0, float(params[0]))


def _isotonic(z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pool adjacent violators over rows sorted by logit; each pooled block contributes its
    first and last logit as knots, so the map is a step function with linear joins."""
    order = np.argsort(z, kind="mergesort")
    xs, first = np.unique(z[order], return_index=True)  # tied logits pool from the start
    weights = np.diff(np.append(first, len(z))).astype(np.float64)
    means = np.add.reduceat(y[order], first) / weights
    blocks: list[list[float]] = []  # [mean, weight, lowest x, highest x]
    for x, mean, weight in zip(xs, means, weights, strict=True):
        blocks.append([mean, weight, x, x])
        while len(blocks) > 1 and blocks[-2][0] >= blocks[-1][0]:
            mean_b, weight_b, _, high_b = blocks.pop()
            block = blocks[-1]
            total = block[1] + weight_b
            block[0] = (block[0] * block[1] + mean_b * weight_b) / total
            block[1], block[3] = total, high_b
    knots, values = [], []
    for mean, _, low, high in blocks:
        knots += [low] if low == high else [low, high]
        values += [mean] if low == high else [mean, mean]
    clipped = np.clip(values, ISOTONIC_FLOOR, 1.0 - ISOTONIC_FLOOR)
    return np.asarray(knots), clipped
