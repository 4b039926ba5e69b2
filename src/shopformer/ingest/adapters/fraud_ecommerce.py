"""E-commerce transaction fraud ("Fraud_Data.csv" of the take-home challenges): labelled orders.

One row is one purchase by a new user (`user_id` is unique per row, so the order id is
"fraud-<user_id>"): account = user_id on `web`, ts = purchase_time, amount = purchase_value,
device = device_id, label = class (1 fraud, 0 legit; the validator maps the codes). The
source's signup_time, source, browser, sex and age stay in `extra`.

Where the file has `ip_address` (a float such as 732758368.8), `ip` is its dotted quad
(whole part) and `country` in `extra` is looked up here, before the pipeline pseudonymizes
the address, in the `IpAddress_to_Country.csv` beside it (see `ip_country`).

The two copies are prefixes of one original: the same orders appear in both. A directory
yields the files with an IP column first, and a later copy only the orders an earlier one
did not give: the store updates a known order with what a later row says (an order's status
moves on), so the poorer copy, its times written M/D/YY, would overwrite the richer one on
every run. Their time layouts differ (M/D/YY vs M/D/YYYY);
each file's is read from its first row. Both copies end in a cut-short row without a class:
such rows are rejected here (or stop the read without `keep_going`), never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import numpy as np
import pyarrow as pa

from shopformer.ingest.adapters import files
from shopformer.ingest.adapters.base import ADAPTERS, DatasetAdapter
from shopformer.ingest.adapters.ip_country import IP_TABLE_NAME, countries, dotted_quads
from shopformer.ingest.adapters.tables import constant, is_blank, numbers, prefixed, reject
from shopformer.ingest.readers import BATCH_ROWS, read_csv
from shopformer.ingest.source import RawBatch
from shopformer.schema.validate import ParseOptions

_LEADING = ("user_id", "signup_time", "purchase_time", "purchase_value", "device_id")
_RENAMED = {"purchase_time": "ts", "purchase_value": "amount", "device_id": "device",
            "class": "label"}


def _is_fraud_file(path: Path) -> bool:
    return files.has_header(path, *_LEADING, suffixes=(".csv",))


def _time_format(file: Path) -> str:
    lines = files.first_lines(file, 2)
    purchase_time = lines[1].split(",")[2] if len(lines) > 1 else ""
    year = "%Y" if re.match(r"^\s*\d+/\d+/\d{4}\b", purchase_time) else "%y"
    return f"%m/%d/{year} %H:%M"


@ADAPTERS.register("fraud_ecommerce")
class FraudEcommerce(DatasetAdapter):
    name = "fraud_ecommerce"
    description = ("E-commerce fraud data (signup/purchase time, device, IP): orders labelled "
                   "fraud/legit, with the IP's country")
    pii_columns: ClassVar[tuple[str, ...]] = ("order_id",)  # built from the raw user id

    @classmethod
    def matches(cls, path: Path) -> bool:
        return files.matches(path, _is_fraud_file)

    def batches(self, path: Path, *, keep_going: bool = False,
                batch_rows: int = BATCH_ROWS) -> Iterator[RawBatch]:
        found = files.data_files(path, _is_fraud_file)
        given: set[str] = set()  # users whose order an earlier (richer) copy gave
        for file in sorted(found, key=lambda f: ("ip_address" not in files.header(f), f.name)):
            options = ParseOptions(time_format=_time_format(file))
            for table, rows, rejections in read_csv(file, batch_rows, keep_going=keep_going):
                table, rows, cut = _complete_rows(table, rows, str(file), keep_going)
                users = table.column("user_id").to_pylist()
                fresh = np.array([user not in given for user in users], bool)
                table, rows = table.filter(pa.array(fresh)), rows[fresh]
                given.update(u for u, new in zip(users, fresh, strict=True) if new)
                orders = _orders(table)
                if "ip_address" in table.column_names:
                    orders, rows, bad_ip = _with_ip(orders, rows, str(file), keep_going,
                                                    file.parent / IP_TABLE_NAME)
                    cut += bad_ip
                yield RawBatch("order", orders, rows, str(file), options, rejections + cut)


def _complete_rows(table: pa.Table, rows: np.ndarray, file: str, keep_going: bool
                   ) -> tuple[pa.Table, np.ndarray, list]:
    """Every row of this data set has a class; a row without one was cut short."""
    return reject(table, rows, is_blank(table.column("class")), file, "label",
                  lambda i: "the row is cut short: it has no class (1 fraud / 0 legit); "
                            "the copies of this data set end in a truncated row", keep_going)


def _orders(table: pa.Table) -> pa.Table:
    n = table.num_rows
    renamed = table.rename_columns([_RENAMED.get(c, c) for c in table.column_names])
    return renamed.rename_columns(
        ["account" if c == "user_id" else c for c in renamed.column_names]) \
        .append_column("order_id", prefixed("fraud-", table.column("user_id"))) \
        .append_column("channel", constant("web", n))


def _with_ip(orders: pa.Table, rows: np.ndarray, file: str, keep_going: bool, ip_table: Path
             ) -> tuple[pa.Table, np.ndarray, list]:
    """Replace the float `ip_address` by `ip` (dotted quad) and its `country`."""
    raw = orders.column("ip_address")
    address, not_number = numbers(raw)
    bad = not_number | (address < 0) | (address >= 2**32)
    orders, rows, cut = reject(
        orders, rows, bad, file, "ip",
        lambda i: f"expected ip_address as a number from 0 to 2^32 - 1, got {raw[i]}", keep_going)
    address = address[~bad]
    at = orders.column_names.index("ip_address")
    orders = orders.remove_column(at).append_column("ip", dotted_quads(address)) \
        .append_column("country", countries(ip_table, address))
    return orders, rows, cut
