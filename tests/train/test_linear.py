"""Sparse linear fits: a column no training row uses is left out of the optimization and
comes back with weight 0, and the other weights are those of the fit without it."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from shopformer.train.linear import fit_logistic, fit_ridge, fit_softmax


def _rows(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    dense = rng.random((60, 5)) * (rng.random((60, 5)) < 0.5)
    labels = (dense @ np.array([2.0, -1.0, 0.5, -2.0, 1.0]) + rng.normal(0, 0.3, 60) > 0)
    return dense, labels.astype(int)


def _with_empty_columns(dense: np.ndarray) -> sparse.csr_matrix:
    """The same rows with empty columns at 1 and at the end, one of them a stored zero."""
    wide = np.insert(dense, [1, 5], 0.0, axis=1)
    matrix = sparse.csr_matrix(wide)
    matrix = sparse.csr_matrix((np.append(matrix.data, 0.0),
                                np.append(matrix.indices, 6),
                                np.append(matrix.indptr[:-1], matrix.indptr[-1] + 1)),
                               shape=matrix.shape)
    assert matrix.nnz == np.count_nonzero(wide) + 1
    return matrix


@pytest.mark.parametrize("fit", ["logistic", "ridge"])
def test_unused_columns_get_weight_zero_and_change_nothing_else(fit):
    dense, labels = _rows()
    fitter = fit_logistic if fit == "logistic" else fit_ridge
    narrow = fitter(sparse.csr_matrix(dense), labels)
    wide = fitter(_with_empty_columns(dense), labels)
    assert wide.weights.shape == (7,)
    assert wide.weights[1] == 0 and wide.weights[6] == 0
    np.testing.assert_allclose(np.delete(wide.weights, [1, 6]), narrow.weights, atol=1e-5)
    assert wide.bias == pytest.approx(narrow.bias, abs=1e-5)
    assert np.abs(narrow.weights).min() > 1e-3  # every used column carries weight


def test_softmax_unused_columns_get_weight_zero():
    dense, labels = _rows(1)
    narrow = fit_softmax(sparse.csr_matrix(dense), labels, 3)
    wide = fit_softmax(_with_empty_columns(dense), labels, 3)
    assert wide.weights.shape == (7, 3)
    assert not wide.weights[[1, 6]].any()
    np.testing.assert_allclose(np.delete(wide.weights, [1, 6], axis=0), narrow.weights,
                               atol=1e-5)
