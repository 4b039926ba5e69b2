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
    x, used = _used_columns(features)
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
    return LinearModel(_scattered(result.x[:-1], used, features.shape[1]),
                       float(result.x[-1]))


def fit_ridge(features: sparse.csr_matrix, targets: np.ndarray, *, strength: float = 1.0,
              max_iterations: int = 500) -> LinearModel:
    """Least squares with an L2 penalty ‖w‖² · strength (the bias is not penalized)."""
    t = np.asarray(targets, np.float64)
    if features.shape[0] != len(t) or not len(t):
        raise ConfigError(f"ridge: {features.shape[0]} rows but {len(t)} targets")
    x, used = _used_columns(features)

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
    return LinearModel(_scattered(result.x[:-1], used, features.shape[1]),
                       float(result.x[-1]))


@dataclass
class SoftmaxModel:
    weights: np.ndarray  # (F, C)
    bias: np.ndarray  # (C,)

    def decision(self, features: sparse.csr_matrix) -> np.ndarray:
        """(N, C) class logits."""
        return np.asarray(features @ self.weights, np.float64) + self.bias


def fit_softmax(features: sparse.csr_matrix, labels: np.ndarray, classes: int, *,
                strength: float = 10.0, max_iterations: int = 300) -> SoftmaxModel:
    """Multinomial logistic regression over `classes` classes (labels 0 … classes − 1),
    loss = Σ cross-entropy + ‖W‖² / (2·strength), the biases not penalized."""
    y = np.asarray(labels, np.int64)
    if features.shape[0] != len(y) or not len(y):
        raise ConfigError(f"softmax: {features.shape[0]} rows but {len(y)} labels")
    if classes < 2 or y.min() < 0 or y.max() >= classes:
        raise ConfigError(f"softmax: labels must lie in 0 … {classes - 1}")
    if strength <= 0:
        raise ConfigError(f"softmax: strength must be > 0, got {strength}")
    x, used = _used_columns(features)
    f = x.shape[1]
    onehot = np.zeros((len(y), classes))
    onehot[np.arange(len(y)), y] = 1.0

    def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta[:f * classes].reshape(f, classes)
        b = theta[f * classes:]
        z = np.asarray(x @ w) + b
        z -= z.max(1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(1, keepdims=True))
        loss = -(onehot * log_p).sum() + (w * w).sum() / (2 * strength)
        residual = np.exp(log_p) - onehot  # (N, C)
        gradient = np.concatenate([(x.T @ residual + w / strength).ravel(),
                                   residual.sum(0)])
        return float(loss), gradient

    start = np.zeros(f * classes + classes)
    result = minimize(loss_and_gradient, start, jac=True, method="L-BFGS-B",
                      options={"maxiter": max_iterations})
    weights = np.zeros((features.shape[1], classes), np.float32)
    weights[used] = result.x[:f * classes].reshape(f, classes)
    return SoftmaxModel(weights, result.x[f * classes:].astype(np.float32))


def _used_columns(features: sparse.csr_matrix) -> tuple[sparse.csr_matrix, np.ndarray]:
    """The columns with a value in some row, and their indexes. A column empty in every
    row has weight 0 at the optimum (only the penalty acts on it), so the fit leaves it
    out: a bag widened per domain is mostly such columns, and L-BFGS's cost grows with
    the weights it carries."""
    x = features.tocsr().astype(np.float64)
    x.eliminate_zeros()
    used = np.flatnonzero(np.bincount(x.indices, minlength=x.shape[1]))
    return x[:, used].tocsr(), used


def _scattered(weights: np.ndarray, used: np.ndarray, width: int) -> np.ndarray:
    out = np.zeros(width, np.float32)
    out[used] = weights
    return out
