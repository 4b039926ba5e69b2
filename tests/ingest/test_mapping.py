"""The shop's own column names and codes, mapped by a TOML file or by flags."""

from __future__ import annotations

from datetime import datetime

import pytest
from tests.conftest import write

from shopformer.core.errors import ConfigError
from shopformer.ingest.mapping import ColumnMapping

SHOP_EXPORT = ("uid;when;what;sku;amount;note\n"
               "1001;03/11/2024 20:15;pv;A-1;12,5;first visit\n"
               "1001;03/11/2024 20:20;buy;A-1;12.5;\n")


def test_toml_mapping_renames_translates_and_keeps_extras(workspace, tmp_path):
    mapping_file = write(tmp_path / "map.toml", """
kind = "event"
delimiter = ";"
time_format = "%d/%m/%Y %H:%M"
timezone = "Asia/Shanghai"
[columns]
account = "uid"
ts = "when"
type = "what"
item_id = "sku"
[constants]
channel = "mini"
[values.type]
pv = "view"
buy = "purchase"
""")
    data = write(tmp_path / "export.txt", SHOP_EXPORT.replace("12,5", "12.5"))
    summary = workspace.ingest(data, mapping=ColumnMapping.from_toml(mapping_file))
    assert summary.kinds["event"].accepted == 2
    batches = workspace.store.read_batches("event", order_by=["ts"])
    rows = [r for b in batches for r in b.to_pylist()]
    assert [r["type"] for r in rows] == ["view", "purchase"]
    assert rows[0]["ts"] == datetime(2024, 11, 3, 12, 15)  # 20:15 in Shanghai is 12:15 UTC
    assert rows[0]["channel"] == "mini"
    assert '"note": "first visit"' in rows[0]["extra"] and '"amount": "12.5"' in rows[0]["extra"]


def test_flags_mapping(workspace, tmp_path):
    data = write(tmp_path / "e.csv", "user,time,kind,product\nu1,1700000000,view,p1\n")
    mapping = ColumnMapping.from_flags("event", ["account=user", "ts=time", "type=kind",
                                                 "item_id=product"], ["channel=app"])
    assert workspace.ingest(data, mapping=mapping).kinds["event"].accepted == 1


def test_mapping_errors_are_specific(tmp_path):
    with pytest.raises(ConfigError, match="no field 'acount'"):
        ColumnMapping(kind="event", columns={"acount": "uid"})
    with pytest.raises(ConfigError, match="unknown record kind"):
        ColumnMapping(kind="evnt")
    with pytest.raises(ConfigError, match="field=value"):
        ColumnMapping.from_flags("event", ["account"], [])
    bad = write(tmp_path / "m.toml", 'kind = "event"\ncolums = {}\n')
    with pytest.raises(ConfigError, match="unknown keys"):
        ColumnMapping.from_toml(bad)


def test_mapped_column_missing_from_file(workspace, tmp_path):
    data = write(tmp_path / "e.csv", "user,time\nu1,1700000000\n")
    mapping = ColumnMapping.from_flags("event", ["account=uid"], [])
    with pytest.raises(ConfigError, match=r"\['uid'\] not in the file"):
        workspace.ingest(data, mapping=mapping)


def test_parquet_and_jsonl(workspace, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"event_id": ["p1", "p2"], "ts": pa.array([1_700_000_000_000_000] * 2,
                                                                pa.timestamp("us")),
                      "account": ["u1", "u2"], "channel": ["web", "app"],
                      "type": ["view", "purchase"], "item_id": ["i1", "i2"], "price": [1.0, 2.5]})
    pq.write_table(table, tmp_path / "events.parquet")
    summary = workspace.ingest(tmp_path / "events.parquet", mapping=ColumnMapping(kind="event"))
    assert summary.kinds["event"].accepted == 2
    items = write(tmp_path / "items.jsonl",
                  '{"item_id": "i1", "title": "杯子 Mug", "attributes": {"color": "red"}, '
                  '"channels": ["web", "Mini-Program"]}\n')
    assert workspace.ingest(items, mapping=ColumnMapping(kind="item")).kinds["item"].accepted == 1
    item = next(workspace.store.read_batches("item")).to_pylist()[0]
    assert item["channels"] == ["web", "mini"] and item["attributes"] == '{"color": "red"}'


def test_workspace_timezone_applies_to_the_shops_own_files(tmp_path):
    from shopformer.workspace import Workspace

    shop = tmp_path / "shop"
    Workspace.init(shop).close()
    settings = (shop / "shop.toml").read_text().replace('"UTC"', '"Asia/Shanghai"')
    (shop / "shop.toml").write_text(settings)
    folder = tmp_path / "export"
    write(folder / "events.csv", "ts,account,channel,type,item_id\n"
                                 "2024-05-01 08:00:00,u1,web,view,i1\n")
    write(folder / "orders.jsonl", '\ufeff{"order_id": "o1", "account": "u1", "channel": "web", '
                                   '"ts": "2024-05-01T08:00:00Z", "amount": 3}\n')
    # Judge.me writes its review dates with the zone's name
    write(folder / "reviews.csv", "review_id,ts,text\nr1,2024-05-01 08:00:00 UTC,nice\n")
    with Workspace.open(shop) as workspace:
        workspace.ingest(folder)
        event = next(workspace.store.read_batches("event")).to_pylist()[0]
        order = next(workspace.store.read_batches("order")).to_pylist()[0]
        review = next(workspace.store.read_batches("review")).to_pylist()[0]
    assert event["ts"] == datetime(2024, 5, 1, 0, 0)  # 08:00 in Shanghai is midnight UTC
    assert order["ts"] == datetime(2024, 5, 1, 8, 0)  # an explicit Z stays as it is
    assert review["ts"] == datetime(2024, 5, 1, 8, 0)  # and so does a named UTC


def test_unknown_timezone_in_settings(tmp_path):
    from shopformer.workspace import Workspace

    shop = tmp_path / "shop"
    Workspace.init(shop).close()
    (shop / "shop.toml").write_text('name = "x"\ntimezone = "Mars/Olympus"\n')
    with pytest.raises(ConfigError, match="unknown time zone"):
        Workspace.open(shop)
