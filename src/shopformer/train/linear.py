"""L2-regularized linear models on sparse features, fitted with L-BFGS.

For bags of n-grams a linear model is hard to beat per CPU second, and it is the member
of an ensemble that keeps working when a shop has only a few thousand texts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import minimize
from scipy.special import expit, log_expit

from shopformer.core.errors import ConfigError


@dataclass
class LinearModel:
    weights: np.ndarray  # (F,)
    bias: float

    def decision(self, features: sparse.csr_matrix) -> np.ndarray:
        return np.asarray(features @ self.weights, np.float64) + self.bias


def fit_logistic(features: sparse.csr_matrix, labels: np.ndarray, *, strength: float = 10.0,
                 max_iterations: int = 500) -> LinearModel:
    """Binary logistic regression, loss = Σ log-loss + ‖w‖² / (2·strength) (the bias is
    not penalized); `strength` is scikit-learn's C."""
    y = np.asarray(labels, np.float64)
    if features.shape[0] != len(y) or not len(y):
        raise ConfigError(f"logistic: {features.shape[0]} rows but {len(y)} labels")
    if not np.isin(y, (0.0, 1.0)).all() or y.min() == y.max():
        raise ConfigError("logistic: labels must be 0/1 and hold both classes")
    if strength <= 0:
        raise ConfigError(f"logistic: strength must be > 0, got {strength}")
    x = features.tocsr().astype(np.float64)
    sign = 2 * y - 1

    def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        margin = sign * (x @ w + b)
        loss = -log_expit(margin).sum() + (w @ w) / (2 * strength)
        residual = -sign * expit(-margin)
        gradient = np.empty_like(theta)
        gradient[:-1] = x.T @ residual + w / strength
        gradient[-1] = residual.sum()
        return float(loss), gradient

    start = np.zeros(x.shape[1] + 1)
    result = minimize(loss_and_gradient, start, jac=True, method="L-BFGS-B",
                      options={"maxiter": max_iterations})
    return LinearModel(result.x[:-1].astype(np.float32), float(result.x[-1]))


def fit_ridge(features: sparse.csr_matrix, targets: np.ndarray, *, strength: float = 1.0,
              max_iterations: int = 500) -> LinearModel:
    """Least squares with an L2 penalty ‖w‖² · strength (the bias is not penalized)."""
    t = np.asarray(targets, np.float64)
    if features.shape[0] != len(t) or not len(t):
        raise ConfigError(f"ridge: {features.shape[0]} rows but {len(t)} targets")
    x = features.tocsr().astype(np.float64)

    def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        residual = x @ w + b - t
        gradient = np.empty_like(theta)
        gradient[:-1] = 2 * (x.T @ residual) + 2 * strength * w
        gradient[-1] = 2 * residual.sum()
        return float(residual @ residual + strength * (w @ w)), gradient

    start = np.zeros(x.shape[1] + 1)
    start[-1] = t.mean()
    result = minimize(loss_and_gradient, start, jac=True, method="L-BFGS-B",
                      options={"maxiter": max_iterations})
    return LinearModel(result.x[:-1].astype(np.float32), float(result.x[-1]))
