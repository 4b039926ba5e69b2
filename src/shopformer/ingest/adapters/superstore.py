"""Tableau "Sample - Superstore": US office-supply order lines, 2016–2019.

One file, three record kinds, so every source column lands somewhere:
- `event` per line: a purchase, event_id "ss-<Row ID>", account = Customer ID, item_id =
  Product ID, quantity, price = Sales / Quantity (unit price paid, after discount),
  session_id = Order ID, ts = Order Date; Sales, Discount, Profit and the line's Product Name
  stay in `extra`.
- `order` per Order ID (read after the whole file, since an order's lines may span batches):
  amount = sum of its lines' Sales, ts = Order Date, with Ship Mode, Ship Date, Segment,
  Country, City, State, Postal Code, Region and Customer Name in `extra`; Customer Name is
  personal and listed in `pii_columns`. Its row is the order's first line.
- `item` per Product ID, first occurrence per file (a few ids carry two different products;
  the store upserts items, the events keep each line's own name): title = Product Name,
  category "Category > Sub-Category", price = the list price Sales / Quantity / (1 − Discount)
  rounded to cents, derived because the data has none.
There is no sales channel (Ship Mode is delivery speed), so the channel is `web`. SOURCE.md
calls the file latin-1/cp1252, but this copy is UTF-8 with a BOM ("Résumé" is C3 A9):
UTF-8 is used when the whole file decodes as UTF-8, cp1252 (Tableau's own edition) otherwise.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shopformer.ingest.adapters import files
from shopformer.ingest.adapters.base import ADAPTERS, DatasetAdapter
from shopformer.ingest.adapters.tables import (
    constant,
    first_seen,
    numbers,
    prefixed,
    reject,
)
from shopformer.ingest.readers import BATCH_ROWS, read_csv
from shopformer.ingest.source import RawBatch
from shopformer.schema.validate import ParseOptions

_OPTIONS = ParseOptions(time_format="%m/%d/%Y")
_ORDER_EXTRAS = ("Ship Mode", "Ship Date", "Segment", "Country", "City", "State", "Postal Code",
                 "Region", "Customer Name")


def _is_superstore_file(path: Path) -> bool:
    return files.has_header(path, "Row ID", "Order ID", "Order Date", suffixes=(".csv",))


def _encoding(path: Path) -> str:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def _without_mojibake_bom(column: str) -> str:
    """A UTF-8 BOM read as cp1252 ("ï»¿") sticks to the first column name of a cp1252 file."""
    return column.removeprefix(codecs.BOM_UTF8.decode("cp1252"))


@ADAPTERS.register("superstore")
class Superstore(DatasetAdapter):
    name = "superstore"
    description = "Tableau Sample Superstore order lines: purchase events, orders and items"
    pii_columns: ClassVar[tuple[str, ...]] = ("Customer Name",)

    @classmethod
    def matches(cls, path: Path) -> bool:
        return files.matches(path, _is_superstore_file)

    def batches(self, path: Path, *, keep_going: bool = False,
                batch_rows: int = BATCH_ROWS) -> Iterator[RawBatch]:
        for file in files.data_files(path, _is_superstore_file):
            yield from self._file(file, keep_going, batch_rows)

    def _file(self, file: Path, keep_going: bool, batch_rows: int) -> Iterator[RawBatch]:
        seen_items: set[str] = set()
        order_lines: list[pa.Table] = []
        for table, rows, rejections in read_csv(file, batch_rows, keep_going=keep_going,
                                                encoding=_encoding(file)):
            table = table.rename_columns([_without_mojibake_bom(c) for c in table.column_names])
            table, rows, bad = _numeric_lines(table, rows, str(file), keep_going)
            items, item_rows = _new_items(table, rows, seen_items)
            yield RawBatch("item", items, item_rows, str(file))
            yield RawBatch("event", _events(table), rows, str(file), _OPTIONS,
                           rejections + bad)
            order_lines.append(table.select(["Order ID", "Customer ID", "Order Date",
                                             *_ORDER_EXTRAS, "sales"])
                               .append_column("row", pa.array(rows, pa.int64())))
        if order_lines:
            orders = _orders(pa.concat_tables(order_lines))
            for start in range(0, orders.num_rows, batch_rows):
                part = orders.slice(start, batch_rows)
                yield RawBatch("order", part.drop_columns(["row"]),
                               part.column("row").to_numpy(), str(file), _OPTIONS)


def _numeric_lines(table: pa.Table, rows: np.ndarray, file: str, keep_going: bool
                   ) -> tuple[pa.Table, np.ndarray, list]:
    """Parse Sales, Quantity and Discount once; a line without them cannot be summed."""
    sales, bad_sales = numbers(table.column("Sales"))
    quantity, bad_quantity = numbers(table.column("Quantity"))
    discount, bad_discount = numbers(table.column("Discount"))
    bad = bad_sales | bad_quantity | bad_discount | np.isnan(sales) | np.isnan(quantity)
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = np.round(sales / quantity, 4)
        listed = np.round(unit / (1 - np.nan_to_num(discount)), 2)
    table = table.append_column("sales", pa.array(sales)) \
        .append_column("unit_price", pa.array(unit, mask=~np.isfinite(unit))) \
        .append_column("list_price", pa.array(listed, mask=~np.isfinite(listed)))
    return reject(table, rows, bad, file, "price",
                  lambda i, t=table: "expected Sales, Quantity and Discount as numbers, got "
                                     f"{t['Sales'][i]}, {t['Quantity'][i]}, {t['Discount'][i]}",
                  keep_going)


def _new_items(table: pa.Table, rows: np.ndarray, seen: set[str]) -> tuple[pa.Table, np.ndarray]:
    first = first_seen(table.column("Product ID"), seen)
    lines = table.take(pa.array(first))
    items = pa.table({
        "item_id": lines.column("Product ID"),
        "title": lines.column("Product Name"),
        "category": pc.binary_join_element_wise(lines.column("Category"),
                                                lines.column("Sub-Category"), " > "),
        "price": lines.column("list_price"),
    })
    return items, rows[first]


def _events(table: pa.Table) -> pa.Table:
    n = table.num_rows
    return pa.table({
        "event_id": prefixed("ss-", table.column("Row ID")),
        "ts": table.column("Order Date"),
        "account": table.column("Customer ID"),
        "channel": constant("web", n),
        "type": constant("purchase", n),
        "item_id": table.column("Product ID"),
        "price": table.column("unit_price"),
        "quantity": table.column("Quantity"),
        "session_id": table.column("Order ID"),
        **{name: table.column(name) for name in ("Sales", "Discount", "Profit", "Product Name")},
    })


def _orders(lines: pa.Table) -> pa.Table:
    first = ["Customer ID", "Order Date", *_ORDER_EXTRAS]
    grouped = lines.group_by("Order ID", use_threads=False).aggregate(
        [("sales", "sum"), ("row", "min"), *((name, "first") for name in first)])
    grouped = grouped.sort_by("row_min")
    n = grouped.num_rows
    return pa.table({
        "order_id": grouped.column("Order ID"),
        "account": grouped.column("Customer ID_first"),
        "channel": constant("web", n),
        "ts": grouped.column("Order Date_first"),
        "amount": pa.array(np.round(grouped.column("sales_sum").to_numpy(), 4)),
        **{name: grouped.column(f"{name}_first") for name in _ORDER_EXTRAS},
        "row": grouped.column("row_min"),
    })
