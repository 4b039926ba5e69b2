"""IPv4 numbers to dotted quads and countries, a whole column at a time.

The range table is `IpAddress_to_Country.csv` of the fraud data set (lower bound, upper
bound, country). This copy has two flaws, both repaired here and logged: a few lower bounds
were rounded by a spreadsheet to forms such as "1.02E+09" (they are the previous range's
upper bound + 1, as everywhere else in the table), and the file ends in a cut-short row
("Can"): a last row whose country appears nowhere else but begins another country's name
("Canada") is skipped. Addresses outside every
range (the copy stops at 199.166.x.x) get no country.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

log = logging.getLogger(__name__)
IP_TABLE_NAME = "IpAddress_to_Country.csv"


@dataclass(frozen=True)
class IpRanges:
    lower: np.ndarray  # int64, sorted
    upper: np.ndarray  # int64
    country: pa.Array  # string


def dotted_quads(address: np.ndarray) -> pa.Array:
    """Float addresses (NaN = none) to "a.b.c.d"; the fraction some exports add is dropped."""
    missing = np.isnan(address)
    whole = np.where(missing, 0, address).astype(np.int64)
    octets = [pc.cast(pa.array((whole >> shift) & 255, mask=missing), pa.string())
              for shift in (24, 16, 8, 0)]
    return pc.binary_join_element_wise(*octets, ".")


def countries(table_path: Path, address: np.ndarray) -> pa.Array:
    """The country of each address, null where unknown (or when there is no range table)."""
    if not table_path.is_file():
        log.warning("%s: not found, so orders get no country", table_path)
        return pa.nulls(len(address), pa.string())
    ranges = load_ranges(table_path, table_path.stat().st_mtime_ns)
    whole = np.where(np.isnan(address), -1, address).astype(np.int64)
    at = np.searchsorted(ranges.lower, whole, side="right") - 1
    safe = np.clip(at, 0, None)
    inside = (at >= 0) & (whole >= 0) & (whole <= ranges.upper[safe])
    return pc.take(ranges.country, pa.array(safe, mask=~inside))


@lru_cache(maxsize=4)
def load_ranges(path: Path, mtime_ns: int) -> IpRanges:
    """The sorted ranges; cached per file version, since every batch of a file needs them."""
    table = pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(
        column_types={"lower_bound_ip_address": pa.string(),
                      "upper_bound_ip_address": pa.string(), "country": pa.string()}))
    lower_text = table.column("lower_bound_ip_address")
    lower = pc.cast(lower_text, pa.float64()).to_numpy().astype(np.int64)
    upper = pc.cast(table.column("upper_bound_ip_address"), pa.float64()).to_numpy()
    upper = upper.astype(np.int64)
    rounded = pc.match_substring_regex(lower_text, "[eE.]").to_numpy(zero_copy_only=False)
    rounded[0] = False
    lower[rounded] = upper[np.flatnonzero(rounded) - 1] + 1
    if rounded.any():
        log.info("%s: %d spreadsheet-rounded lower bounds rebuilt from the previous range",
                 path, int(rounded.sum()))
    country = table.column("country").combine_chunks()
    keep = np.ones(len(lower), bool)
    if len(keep) > 1 and _looks_cut(country[-1].as_py(), country.slice(0, len(keep) - 1)):
        keep[-1] = False
        log.warning("%s: last row %r looks cut short; skipped", path, country[-1].as_py())
    order = np.argsort(lower[keep], kind="stable")
    return IpRanges(lower[keep][order], upper[keep][order],
                    pc.take(country.filter(pa.array(keep)), pa.array(order)))


def _looks_cut(last: str | None, others: pa.Array) -> bool:
    names = set(others.to_pylist()) - {None}
    return bool(last) and last not in names and any(n.startswith(last) for n in names)
