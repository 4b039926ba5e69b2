"""Where records live: one `Store` interface, backends chosen by URL."""

from shopformer.storage.base import AppendResult, Store, open_store

__all__ = ["AppendResult", "Store", "open_store"]
