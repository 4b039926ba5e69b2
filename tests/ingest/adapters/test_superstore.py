"""Sample Superstore: purchase events per line, orders summed from their lines, items once."""

from __future__ import annotations

from datetime import datetime

import pytest

from shopformer.ingest.adapters.superstore import Superstore

SUPERSTORE = "sales_superstore/Sample_Superstore.csv"


@pytest.fixture
def superstore(sliced):
    return sliced(SUPERSTORE, range(0, 701), range(9000, 9100))


def test_events_per_line(superstore, ingest, source_line) -> None:
    result = ingest(superstore, "superstore")
    assert result.rejections == []
    events = result.by("event", "event_id")
    assert len(events) == 800
    first = events["ss-1"]
    assert (first["account"], first["channel"], first["type"]) == ("CG-12520", "web", "purchase")
    assert (first["item_id"], first["quantity"], first["price"]) == ("FUR-BO-10001798", 2, 130.98)
    assert (first["session_id"], first["ts"]) == ("CA-2018-152156", datetime(2018, 11, 8))
    assert first["extra"] == {"Sales": "261.96", "Discount": "0", "Profit": "41.9136",
                              "Product Name": "Bush Somerset Collection Bookcase"}
    assert events["ss-9000"]["_row"] == 701  # the middle slice starts after 700 rows
    for event in list(events.values())[::31]:
        assert source_line(superstore, event["_row"]).startswith(
            f"{event['event_id'][3:]},{event['session_id']},")


def test_orders_sum_their_lines(superstore, ingest) -> None:
    result = ingest(superstore, "superstore", batch_rows=3)  # orders span batches
    assert result.rejections == []
    orders = result.by("order", "order_id")
    events = result.records("event")
    order = orders["CA-2018-152156"]
    assert order["amount"] == pytest.approx(261.96 + 731.94)
    assert (order["account"], order["ts"], order["_row"]) == ("CG-12520", datetime(2018, 11, 8), 1)
    assert order["extra"]["Customer Name"] == "Claire Gute"
    assert order["extra"]["Ship Mode"] == "Second Class"
    assert "Customer Name" in Superstore.pii_columns
    for order_id, order in list(orders.items())[::11]:
        lines = [float(e["extra"]["Sales"]) for e in events if e["session_id"] == order_id]
        assert order["amount"] == pytest.approx(sum(lines))
    assert len(orders) == len({e["session_id"] for e in events})


def test_items_once_with_derived_list_price_and_accents(superstore, ingest) -> None:
    result = ingest(superstore, "superstore")
    items = result.records("item")
    assert len(items) == len({i["item_id"] for i in items})
    by_id = {i["item_id"]: i for i in items}
    table = by_id["FUR-TA-10000577"]  # 957.5775 for 5 at 45% off
    assert table["price"] == pytest.approx(957.5775 / 5 / 0.55, abs=0.005)
    assert table["category"] == "Furniture > Tables"
    assert by_id["OFF-PA-10002137"]["title"] == "Southworth 100% Résumé Paper, 24lb."
    konftel = "Konftel 250 Conference\xa0phone\xa0- Charcoal black"  # no-break spaces
    assert by_id["TEC-PH-10002033"]["title"] == konftel
    assert by_id["OFF-PA-10002137"]["_row"] == 675


def test_cp1252_edition_is_decoded_too(superstore, ingest) -> None:
    """Tableau ships the file in cp1252 (this copy is UTF-8): both must read the same."""
    lines = superstore.read_bytes().decode("utf-8-sig").splitlines(keepends=True)
    superstore.write_bytes(b"\xef\xbb\xbf" + "".join(lines[:1] + lines[670:680]).encode("cp1252"))
    items = ingest(superstore, "superstore").by("item", "item_id")
    assert items["OFF-PA-10002137"]["title"] == "Southworth 100% Résumé Paper, 24lb."
