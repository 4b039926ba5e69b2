"""Home Depot search relevance: product titles as items, graded query–product samples."""

from __future__ import annotations

TRAIN = "search_homedepot/train.csv"


def test_titles_and_graded_pairs(sliced, ingest, source_line) -> None:
    path = sliced(TRAIN, range(0, 501), range(30_000, 30_200))
    result = ingest(path.parent, "homedepot")
    assert result.rejections == []
    samples = result.by("sample", "sample_id")
    items = result.records("item")
    assert len(samples) == 700
    assert len(items) == len({i["item_id"] for i in items}) == \
        len({s["item_id"] for s in samples.values()})
    first = samples["hd-2"]
    assert (first["dataset"], first["item_id"], first["query"], first["label"]) == \
        ("homedepot_relevance", "100001", "angle bracket", "3")
    assert samples["hd-16"]["label"] == "2.33" and samples["hd-16"]["_row"] == 3
    titles = {i["item_id"]: i["title"] for i in items}
    assert titles["100001"] == "Simpson Strong-Tie 12-Gauge Angle"
    # latin-1 as published (not the GB18030 a byte-level guess would pick)
    assert titles["100179"].startswith("Paslode 3 in. x 0.120-Gauge 30å¡ Galvanized")
    assert titles["100039"] == \
        "Emberglow 25,000 BTU Vent-Free Dual Fuel Gas Stove with Thermostat"
    for sample in list(samples.values())[::29]:
        line = source_line(path, sample["_row"], encoding="latin-1")
        assert line.startswith(f"{sample['sample_id'][3:]},{sample['item_id']},")
        assert line.endswith(f",{sample['query']},{sample['label']}") or '"' in line
