"""Adapters: one per public data set or file layout, registered by a short name.

Importing this package registers every adapter, so `ADAPTERS` lists them all.
"""

from shopformer.ingest.adapters.base import ADAPTERS, DatasetAdapter, find_adapter

__all__ = ["ADAPTERS", "DatasetAdapter", "find_adapter"]
