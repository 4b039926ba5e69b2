"""Every public data set directory and main file is claimed by exactly one adapter."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopformer.core.errors import ConfigError
from shopformer.ingest.adapters import ADAPTERS, find_adapter

DIRECTORIES = {
    "seqrec_amazon_beauty": "seqrec",
    "session_diginetica_sample": "diginetica",
    "reviews_zh": "reviews_zh",
    "intent_banking77": "banking77",
    "faq_zh_atec": "atec",
    "fraud_ecommerce": "fraud_ecommerce",
    "purchase_intent_uci": "online_shoppers",
    "sales_superstore": "superstore",
    "channels_customer_personality": "customer_personality",
    "ctr_samples": "ctr_samples",
    "events_taobao_userbehavior": "taobao",
    "search_homedepot": "homedepot",
}
FILES = {
    "seqrec_amazon_beauty/beauty.txt": "seqrec",
    "session_diginetica_sample/sample_train-item-views.csv": "diginetica",
    "reviews_zh/online_shopping_10_cats.csv": "reviews_zh",
    "intent_banking77/train.csv": "banking77",
    "intent_banking77/test.csv": "banking77",
    "faq_zh_atec/atec_nlp_sim_train.tsv": "atec",
    "fraud_ecommerce/Fraud_Data_51k_noip.csv": "fraud_ecommerce",
    "fraud_ecommerce/fraud_data_30k_with_ip.csv": "fraud_ecommerce",
    "purchase_intent_uci/online_shoppers_intention.csv": "online_shoppers",
    "purchase_intent_uci/online_shoppers_intention.semicolon.csv": "online_shoppers",
    "sales_superstore/Sample_Superstore.csv": "superstore",
    "channels_customer_personality/marketing_campaign.csv": "customer_personality",
    "ctr_samples/criteo_sample.txt": "criteo",
    "ctr_samples/avazu_sample.txt": "avazu",
    "events_taobao_userbehavior/UserBehavior_first43users.csv": "taobao",
    "events_taobao_userbehavior/UserBehavior_timeslice_2017-11-26.csv": "taobao",
    "search_homedepot/train.csv": "homedepot",
}


@pytest.mark.parametrize(("relative", "expected"), [*DIRECTORIES.items(), *FILES.items()])
def test_one_adapter_per_data_set(data: Path, relative: str, expected: str) -> None:
    assert find_adapter(data / relative).name == expected


def test_every_data_directory_is_covered(data: Path) -> None:
    assert {p.name for p in data.iterdir() if p.is_dir()} == set(DIRECTORIES)


def test_lookup_tables_and_docs_are_not_records(data: Path) -> None:
    for relative in ("fraud_ecommerce/IpAddress_to_Country.csv", "intent_banking77/categories.json",
                     "reviews_zh/SOURCE.md"):
        with pytest.raises(ConfigError, match="no adapter recognises it"):
            find_adapter(data / relative)


def test_adapters_describe_themselves() -> None:
    find_adapter(Path("."), "seqrec")  # loads every adapter module
    assert set(DIRECTORIES.values()) | {"criteo", "avazu"} <= set(ADAPTERS)
    for name, adapter in ADAPTERS.items():
        assert adapter.name == name
        assert adapter.description
        assert isinstance(adapter.pii_columns, tuple)
