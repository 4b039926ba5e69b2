"""Customer Personality Analysis ("marketing_campaign.csv", iFood case): one row per customer.

A profile aggregated over web, catalog and store purchases, labelled by whether the customer
accepted the last campaign. It is no event, so each row is a `sample` of the data set
"customer_personality": sample_id = "cp-<ID>", account = ID, label = Response (1 accepted,
0 not) and every other column (birth year, income, spend per product group, purchases per
channel, earlier campaigns, …) in `extra`. The channel is left empty: the row spans all
channels, and its per-channel counts (NumWebPurchases, NumCatalogPurchases,
NumStorePurchases, NumWebVisitsMonth) are features. No column names a person directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from shopformer.ingest.adapters import files
from shopformer.ingest.adapters.base import ADAPTERS, DatasetAdapter
from shopformer.ingest.adapters.tables import constant, prefixed
from shopformer.ingest.readers import BATCH_ROWS, read_csv
from shopformer.ingest.source import RawBatch


def _is_campaign_file(path: Path) -> bool:
    return files.has_header(path, "ID", "Year_Birth", "Education", delimiter=";",
                            suffixes=(".csv",))


@ADAPTERS.register("customer_personality")
class CustomerPersonality(DatasetAdapter):
    name = "customer_personality"
    description = ("Customer Personality Analysis: per-customer web/catalog/store profiles "
                   "labelled by campaign response, as samples")
    pii_columns: ClassVar[tuple[str, ...]] = ("sample_id",)  # built from the raw customer id

    @classmethod
    def matches(cls, path: Path) -> bool:
        return files.matches(path, _is_campaign_file)

    def batches(self, path: Path, *, keep_going: bool = False,
                batch_rows: int = BATCH_ROWS) -> Iterator[RawBatch]:
        for file in files.data_files(path, _is_campaign_file):
            for table, rows, rejections in read_csv(file, batch_rows, keep_going=keep_going,
                                                    delimiter=";"):
                customer = table.column("ID")
                samples = table.rename_columns(
                    ["account" if c == "ID" else "label" if c == "Response" else c
                     for c in table.column_names]) \
                    .append_column("sample_id", prefixed("cp-", customer)) \
                    .append_column("dataset", constant("customer_personality", table.num_rows))
                yield RawBatch("sample", samples, rows, str(file), rejections=rejections)
