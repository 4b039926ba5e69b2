"""Self-supervised losses, one per file, registered by name in `OBJECTIVES`."""

from shopformer.model.objectives import (  # noqa: F401  (each module registers itself)
    masked_event,
    masked_language,
    next_event,
    text_item_alignment,
)
from shopformer.model.objectives.base import OBJECTIVES, Objective

__all__ = ["OBJECTIVES", "Objective"]
