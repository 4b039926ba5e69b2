"""E-commerce fraud orders: both copies, per-file time layouts, IP → country, cut rows rejected."""

from __future__ import annotations

import shutil
from datetime import datetime

import numpy as np
import pytest

from shopformer.core.errors import InputError
from shopformer.ingest.adapters.ip_country import countries, load_ranges

WITH_IP = "fraud_ecommerce/fraud_data_30k_with_ip.csv"
NO_IP = "fraud_ecommerce/Fraud_Data_51k_noip.csv"
IP_TABLE = "fraud_ecommerce/IpAddress_to_Country.csv"


@pytest.fixture
def fraud_dir(data, sliced):
    sliced(WITH_IP, range(0, 301))
    path = sliced(NO_IP, range(0, 201), range(1001, 1051))  # 50 beyond the IP copy's slice
    shutil.copy(data / IP_TABLE, path.parent)
    return path.parent


def test_orders_from_both_copies(fraud_dir, ingest, source_line) -> None:
    """The IP copy first; the other copy only adds the orders the IP copy lacks (the store
    updates a known order, so its poorer rows would overwrite the richer ones)."""
    result = ingest(fraud_dir, "fraud_ecommerce")
    assert result.rejections == []
    orders = result.records("order")
    assert len(orders) == 300 + 50
    assert [o["_file"] for o in orders[:300]] == ["fraud_data_30k_with_ip.csv"] * 300  # IP first
    assert {o["_file"] for o in orders[300:]} == {"Fraud_Data_51k_noip.csv"}
    assert len({o["order_id"] for o in orders}) == 350
    first, later = orders[0], orders[300]
    assert (first["order_id"], first["account"], first["channel"], first["amount"]) == (
        "fraud-22058", "22058", "web", 34.0)
    assert first["ts"] == datetime(2015, 4, 18, 2, 47)  # M/D/YYYY
    assert (first["device"], first["label"]) == ("QVPSPJUOCKZAR", "legit")
    assert first["extra"]["browser"] == "Chrome" and first["extra"]["signup_time"] == \
        "2/24/2015 22:55"
    assert (first["ip"], first["extra"]["country"]) == ("43.173.1.96", "Japan")
    assert (later["order_id"], later["amount"]) == ("fraud-54298", 50.0)
    assert later["ts"] == datetime(2015, 11, 1, 5, 53)  # M/D/YY read as well
    assert later["ip"] is None and "country" not in later["extra"]
    by_id = {o["order_id"]: o for o in orders[:300]}
    assert by_id["fraud-343378"]["extra"]["country"] == "China"  # 60.26.210.185, by hand
    assert by_id["fraud-343378"]["_row"] == 23
    assert "country" not in by_id["fraud-150084"]["extra"]  # 228.234.6.236: beyond the table
    assert {o["label"] for o in orders} == {"fraud", "legit"}
    for order in orders[::17]:
        assert source_line(fraud_dir / order["_file"], order["_row"]).startswith(
            order["account"] + ",")


def test_cut_last_row_is_rejected_never_dropped(data, sliced, ingest) -> None:
    for name, last in ((WITH_IP, 30_191), (NO_IP, 51_691)):
        path = sliced(name, range(0, 51), range(last - 1, last))
        result = ingest(path, "fraud_ecommerce", keep_going=True)
        assert len(result.records("order")) == 50
        [rejection] = result.rejections
        assert (rejection.row, rejection.field) == (51, "label")
        assert "cut short" in rejection.reason
        with pytest.raises(InputError, match=rf"{path.name}, row 51"):
            ingest(path, "fraud_ecommerce")
        path.unlink()


def test_ip_table_repairs(data) -> None:
    table = data / IP_TABLE
    found = countries(table, np.array([1_024_010_000.0, 1_023_995_000.0, 3_349_554_700.0,
                                       3_349_555_000.0, np.nan]))
    # 1.02E+09 is a rounded lower bound of the Philippines range; "Can" is a cut last row
    assert found.to_pylist() == ["Philippines", "Singapore", "Canada", None, None]
    ranges = load_ranges(table, table.stat().st_mtime_ns)
    assert (np.diff(ranges.lower) > 0).all() and (ranges.lower[1:] > ranges.upper[:-1]).all()
