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
from shopformer.storage.base import Store


def domain_of(category: str | None) -> str | None:
    """A catalog category path → the sentiment domain it belongs to (its top level)."""
    return top_category(category) if category and category.strip() else None


def review_domains(store: Store, items: Sequence[str | None],
                   own: Sequence[str | None] | None = None) -> list[str | None]:
    """The domain of each reviewed item from the catalog; where the catalog gives none, the
    review's own category (`own`, the review's `category` field: a data set of reviews
    without a catalog); None when neither is known."""
    table = store.read_table("item", ["item_id", "category"])
    category = {item: domain_of(c) for item, c in zip(
        table["item_id"].to_pylist(), table["category"].to_pylist(), strict=True)}
    own = own if own is not None else [None] * len(items)
    return [(category.get(item) if item else None) or domain_of(mine)
            for item, mine in zip(items, own, strict=True)]
