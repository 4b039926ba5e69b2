"""What the ranker reads of a title: its product type."""

from __future__ import annotations

import pytest

from shopformer.tasks.search.analyze import Analyzer
from shopformer.tasks.search.features import product_type_term


@pytest.mark.parametrize(("title", "expected"), [
    ("DeWalt 20V Max Cordless Drill with Battery", "drill"),
    ("Glacier Bay 2-Piece 1.28 GPF Round Toilet in White", "toilet"),
    ("Rheem Performance 40 Gal. Tall Water Heater", "heater"),
    ("Husky Tool Box, 22 in.", "box"),
    ("Paint Brushes (3-Pack)", "brush"),
    ("索尼降噪耳机", "耳机"),
    ("48 in.", ""),
])
def test_the_product_type_ends_the_titles_main_clause(title, expected):
    assert product_type_term(title, Analyzer().terms) == expected
