"""Which product category each review is about: the sentiment model's domain.

Words mean more in one kind of product than another ("流畅" praises a phone, "凉" may fault
a water heater and praise a drink), so sentiment learns per-category corrections
(`train/domain_linear.py`) and is read with the reviewed item's category from the catalog:
its top level ("数码 Electronics" of "数码 Electronics > 手机"), where the words of
reviews change, and where a shop has enough reviews per category to learn them.
"""

from __future__ import annotations

from collections.abc import Sequence

from shopformer.schema.records import top_category
from shopformer.tasks.reviews.products import CatalogProducts


def domain_of(category: str | None) -> str | None:
    """A catalog category path → the sentiment domain it belongs to (its top level)."""
    return top_category(category) if category and category.strip() else None


def review_domains(products: CatalogProducts, reviewed: Sequence[str | None],
                   own: Sequence[str | None] | None = None) -> list[str | None]:
    """The domain of each reviewed item or product (`CatalogProducts.reviewed`) from the
    catalog; where the catalog gives none, the review's own category (`own`, the review's
    `category` field: a data set of reviews without a catalog); None when neither is
    known."""
    own = own if own is not None else [None] * len(reviewed)
    return [domain_of(products.field(key, "category")) or domain_of(mine)
            for key, mine in zip(reviewed, own, strict=True)]
