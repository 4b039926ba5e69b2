"""Crediting what a search led to: the first item found counts in full, each further item
of the same session less, and an item keeps the place it was first engaged at."""

from __future__ import annotations

import pytest

from shopformer.tasks.search.trail import ENGAGEMENT_GAINS, TRAIL_DECAY, SearchTrail


def test_the_first_item_found_counts_in_full_and_each_further_one_less():
    trail = SearchTrail("winter coat")
    assert trail.credit("click", "parka") == ENGAGEMENT_GAINS["click"]
    assert trail.credit("view", "chips") == pytest.approx(ENGAGEMENT_GAINS["view"] * TRAIL_DECAY)
    assert trail.credit("cart", "water") == pytest.approx(
        ENGAGEMENT_GAINS["cart"] * TRAIL_DECAY ** 2)


def test_an_item_keeps_its_place_when_engaged_again():
    trail = SearchTrail("winter coat")
    trail.credit("click", "parka")
    trail.credit("click", "chips")
    assert trail.credit("purchase", "parka") == ENGAGEMENT_GAINS["purchase"]  # first find
    assert trail.credit("purchase", "chips") == pytest.approx(
        ENGAGEMENT_GAINS["purchase"] * TRAIL_DECAY)


def test_what_is_not_an_engagement_earns_nothing():
    trail = SearchTrail("tea", gains={"purchase": 1.0})
    assert trail.credit("click", "a") is None and trail.credit("return", "a") is None
    assert trail.credit("purchase", "a") == 1.0  # the first engagement, not the first event
