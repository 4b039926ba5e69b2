"""A seeded synthetic multi-channel shop with planted patterns and the truths beside it.

`build_demo_shop(out_dir)` writes items, events, reviews, support turns, orders and identity
links as plain files that ingest reads, plus `truth.json` naming every planted answer (taste,
seasonality, elasticities, promotions, item quality, the complaint burst, the fraud ring,
unlinked persons, planted personal data) so the capabilities can be tested against it.
"""

from shopformer.demo.build import DemoManifest, build_demo_shop
from shopformer.demo.config import DemoConfig

__all__ = ["DemoConfig", "DemoManifest", "build_demo_shop"]
