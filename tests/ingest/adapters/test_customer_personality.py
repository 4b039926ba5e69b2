"""Customer Personality Analysis: one labelled profile sample per customer, all columns kept."""

from __future__ import annotations

CAMPAIGN = "channels_customer_personality/marketing_campaign.csv"


def test_customers_become_samples(sliced, ingest, source_line) -> None:
    path = sliced(CAMPAIGN, range(0, 201), range(2000, 2241))  # to the last, unended line
    result = ingest(path.parent, "customer_personality")
    assert result.rejections == []
    samples = result.by("sample", "sample_id")
    assert len(samples) == 200 + 241
    first = samples["cp-5524"]
    assert (first["account"], first["label"], first["dataset"], first["channel"]) == \
        ("5524", "1", "customer_personality", None)
    assert first["extra"]["NumWebPurchases"] == "8"
    assert first["extra"]["NumStorePurchases"] == "4"
    assert first["extra"]["Dt_Customer"] == "2012-09-04"
    assert len(first["extra"]) == 27  # 29 columns less ID and Response
    assert samples["cp-9405"]["label"] == "1" and samples["cp-9405"]["_row"] == 441
    for sample in list(samples.values())[::19]:
        values = source_line(path, sample["_row"]).split(";")
        assert (sample["account"], sample["label"]) == (values[0], values[-1])
