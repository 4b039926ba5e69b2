"""Shopformer: one shop, one model, many answers."""

__version__ = "0.1.0"
