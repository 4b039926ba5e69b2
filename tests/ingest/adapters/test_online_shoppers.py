"""UCI online shoppers: labelled session samples with all 17 features kept."""

from __future__ import annotations

COMMA = "purchase_intent_uci/online_shoppers_intention.csv"
SEMICOLON = "purchase_intent_uci/online_shoppers_intention.semicolon.csv"
FEATURES = 17


def test_sessions_become_samples(sliced, ingest, source_line) -> None:
    path = sliced(COMMA, range(0, 301), range(9000, 9300))
    result = ingest(path, "online_shoppers")
    assert result.rejections == []
    samples = result.by("sample", "sample_id")
    assert len(samples) == 600
    first = samples["uci-1"]
    assert (first["dataset"], first["label"], first["channel"]) == \
        ("uci_online_shoppers", "false", "web")
    assert len(first["extra"]) == FEATURES
    assert (first["extra"]["Month"], first["extra"]["ExitRates"]) == ("Feb", "0.2")
    assert {s["label"] for s in samples.values()} == {"true", "false"}
    buyers = [s for s in samples.values() if s["label"] == "true"]
    assert all("PageValues" in s["extra"] for s in buyers)
    for sample in list(samples.values())[::23]:
        values = source_line(path, sample["_row"]).split(",")
        assert sample["sample_id"] == f"uci-{sample['_row']}"
        assert sample["label"] == values[-1].lower()
        assert sample["extra"].get("PageValues", "0") == values[8]


def test_semicolon_copy_alone_and_beside_the_comma_file(sliced, ingest) -> None:
    comma = sliced(COMMA, range(0, 101))
    semicolon = sliced(SEMICOLON, range(0, 101))
    alone = ingest(semicolon, "online_shoppers").records("sample")
    assert [s["extra"] for s in alone] == \
        [s["extra"] for s in ingest(comma, "online_shoppers").records("sample")]
    both = ingest(comma.parent, "online_shoppers").records("sample")
    assert len(both) == 100 and {s["_file"] for s in both} == {comma.name}
