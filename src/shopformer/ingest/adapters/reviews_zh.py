"""Chinese online-shop reviews in ten categories (SophonPlus `online_shopping_10_cats`).

`cat,label,review` → review records with `text` = review and `polarity` = label (1 positive,
0 negative: what `shopformer review` learns sentiment from, there being no stars) and
`category` = cat (平板, 水果, 酒店, …: the sentiment model's domain, there being no catalog).
There is no item, account, channel or time, so two customers writing the same words would
look like one review: `review_id` is `reviews_zh-<row>` (the file is a fixed corpus, so its
row numbers are stable). A review that is empty in the source is rejected by the validator
(text is required): the full file has one such row.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pyarrow as pa

from shopformer.ingest.adapters import files
from shopformer.ingest.adapters.base import ADAPTERS, DatasetAdapter
from shopformer.ingest.adapters.tables import numbered, without_bom
from shopformer.ingest.readers import BATCH_ROWS, read_csv
from shopformer.ingest.source import RawBatch


def _is_reviews_file(path: Path) -> bool:
    return files.has_header(path, "cat", "label", "review", suffixes=(".csv",))


@ADAPTERS.register("reviews_zh")
class ReviewsZh(DatasetAdapter):
    name = "reviews_zh"
    description = "Chinese shop reviews in 10 categories with 1/0 sentiment: review records"
    pii_columns: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def matches(cls, path: Path) -> bool:
        return files.matches(path, _is_reviews_file)

    def batches(self, path: Path, *, keep_going: bool = False,
                batch_rows: int = BATCH_ROWS) -> Iterator[RawBatch]:
        for file in files.data_files(path, _is_reviews_file):
            for table, rows, rejections in read_csv(file, batch_rows, keep_going=keep_going):
                reviews = pa.table({"review_id": numbered("reviews_zh-", rows),
                                    "polarity": table.column("label"),
                                    "category": table.column("cat"),
                                    "text": without_bom(table.column("review"))})
                yield RawBatch("review", reviews, rows, str(file), rejections=rejections)
