"""ATEC question pairs: two customer turns per pair, labelled with whether they mean the same."""

from __future__ import annotations

PAIRS = "faq_zh_atec/atec_nlp_sim_train.tsv"


def test_pairs_become_two_turn_conversations(sliced, ingest, source_line) -> None:
    path = sliced(PAIRS, range(0, 300), range(14_755, 14_756))  # + the one quoted pair
    result = ingest(path.parent, "atec")
    assert result.rejections == []
    turns = result.records("turn")
    assert len(turns) == 2 * 301
    first, second = turns[0], turns[1]
    assert first["text"] == "怎么更改花呗手机号码"  # the BOM before it is gone
    assert second["text"] == "我的花呗是以前的手机号码，怎么更改成现在的支付宝的号码手机号"
    assert [(t["conversation_id"], t["turn"], t["role"]) for t in (first, second)] == \
        [("atec-1", 0, "customer"), ("atec-1", 1, "customer")]
    assert first["extra"] == second["extra"] == {"pair_label": "1"}
    assert turns[3]["extra"] == {"pair_label": "0"}
    quoted = [t for t in turns if t["conversation_id"] == "atec-14756"]
    assert [t["text"] for t in quoted] == ['"没有""花呗"', "我的支付宝为什么没有花呗"]
    assert quoted[0]["_row"] == 301
    for turn in turns[::29]:
        pair_id, *questions, label = source_line(path, turn["_row"], header=False).split("\t")
        assert turn["conversation_id"] == f"atec-{pair_id}"
        assert turn["extra"]["pair_label"] == label
        if '"' not in turn["text"]:
            assert turn["text"] == questions[turn["turn"]].lstrip("\ufeff")
