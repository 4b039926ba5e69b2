"""Small heads on top of the shop model's encoders: `forward(batch) -> HeadOutput`."""

from shopformer.model.heads.base import HeadOutput

__all__ = ["HeadOutput"]
