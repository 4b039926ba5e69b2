"""The records every part of Shopformer agrees on, and their validation."""

from shopformer.schema.records import RECORDS, FieldSpec, FieldType, RecordSpec, record_spec

__all__ = ["RECORDS", "FieldSpec", "FieldType", "RecordSpec", "record_spec"]
