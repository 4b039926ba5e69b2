"""Per-domain linear models with shared weights: the widened layout, domain codes, a word
whose meaning flips between domains, and save/load of the corrections."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from shopformer.core.errors import ConfigError
from shopformer.train.domain_linear import UNKNOWN, DomainLinear, Domains
from shopformer.train.linear import fit_logistic


def test_widen_puts_each_row_in_the_shared_block_and_its_own():
    domains = Domains(("drinks", "heaters"))
    features = sparse.csr_matrix(np.array([[1.0, 2.0, 0.0], [0.0, 3.0, 4.0], [5.0, 0.0, 0.0]]))
    codes = domains.codes(["heaters", None, "drinks"], 3)
    assert codes.tolist() == [1, UNKNOWN, 0]
    wide = domains.widen(features, codes).toarray()
    assert wide.shape == (3, 9)
    np.testing.assert_array_equal(wide[:, :3], features.toarray())
    np.testing.assert_array_equal(wide[0], [1, 2, 0, 0, 0, 0, 1, 2, 0])
    np.testing.assert_array_equal(wide[1], [0, 3, 4, 0, 0, 0, 0, 0, 0])  # unknown: shared only
    np.testing.assert_array_equal(wide[2], [5, 0, 0, 5, 0, 0, 0, 0, 0])


def test_only_domains_with_enough_rows_get_a_block():
    domains = Domains.learned(["a"] * 5 + ["b"] * 2 + [None] * 9, min_rows=3)
    assert domains.names == ("a",)
    assert domains.codes(["b", "a", None], 3).tolist() == [UNKNOWN, 0, UNKNOWN]
    assert Domains().codes(None, 2).tolist() == [UNKNOWN, UNKNOWN]


def test_bad_domains_say_what_is_wrong():
    with pytest.raises(ConfigError, match="3 texts but 2 domains"):
        Domains(("a",)).codes(["a", "a"], 3)
    with pytest.raises(ConfigError, match="row 1: a domain must be a string"):
        Domains(("a",)).codes(["a", 7], 2)


def flip_data(rows: int = 400, seed: int = 0):
    """Feature 0 ("cold") praises a drink and faults a heater; feature 1 is plain praise."""
    rng = np.random.default_rng(seed)
    cold, praise = rng.random(rows) < 0.5, rng.random(rows) < 0.5
    heater = rng.random(rows) < 0.5
    labels = np.where(cold, ~heater, praise).astype(int)
    features = sparse.csr_matrix(np.column_stack([cold, praise & ~cold, np.ones(rows)])
                                 .astype(float))
    return features, labels, ["heaters" if h else "drinks" for h in heater]


def test_a_word_that_flips_between_domains_is_read_per_domain(tmp_path):
    features, labels, names = flip_data()
    domains = Domains.learned(names, min_rows=10)
    codes = domains.codes(names, len(names))
    model = DomainLinear.from_wide(fit_logistic(domains.widen(features, codes), labels,
                                                strength=10.0), domains, features.shape[1])
    plain = fit_logistic(features, labels, strength=10.0)
    cold = sparse.csr_matrix(np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 1.0]]))
    in_domains = domains.codes(["drinks", "heaters"], 2)
    assert (model.decision(cold, in_domains) > 0).tolist() == [True, False]
    plain_says = plain.decision(cold) > 0
    assert plain_says[0] == plain_says[1]  # one weight per word cannot tell them apart
    accuracy = np.mean((model.decision(features, codes) > 0) == labels)
    assert accuracy > np.mean((plain.decision(features) > 0) == labels) + 0.2
    # the weights one row reads are the shared ones plus its domain's corrections
    drinks, heaters = (model.row_weights(int(code)) for code in in_domains)
    assert heaters[0] < drinks[0] - 1.0
    np.testing.assert_allclose(model.row_weights(UNKNOWN), model.shared.weights)
    state = model.state("m")
    again = DomainLinear.from_state(state, "m", model.shared.bias, domains)
    np.testing.assert_allclose(again.decision(features, codes), model.decision(features, codes),
                               rtol=1e-6)


def test_scaled_domain_copies_fold_back_into_the_corrections():
    features, labels, names = flip_data(seed=1)
    domains = Domains.learned(names, min_rows=10)
    codes = domains.codes(names, len(names))
    for scale in (1.0, 0.5):
        wide = domains.widen(features, codes, scale)
        assert wide[:, features.shape[1]:].max() == scale
        fitted = fit_logistic(wide, labels, strength=10.0)
        model = DomainLinear.from_wide(fitted, domains, features.shape[1], scale)
        np.testing.assert_allclose(model.decision(features, codes), fitted.decision(wide),
                                   rtol=1e-5, atol=1e-5)
