"""Adapters: one per public data set or file layout, registered by a short name.

`find_adapter` imports every adapter module (registering it) on first use, so importing
this package stays cheap.
"""

from shopformer.ingest.adapters.base import (
    ADAPTERS,
    DatasetAdapter,
    find_adapter,
    layout_adapter,
    load_all,
)

__all__ = ["ADAPTERS", "DatasetAdapter", "find_adapter", "layout_adapter", "load_all"]
