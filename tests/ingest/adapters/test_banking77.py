"""BANKING77: one-turn customer conversations labelled with their intent, per split."""

from __future__ import annotations

import shutil


def test_both_splits_become_intent_turns(data, sliced, ingest) -> None:
    train = sliced("intent_banking77/train.csv", range(0, 201), range(5000, 5100))
    sliced("intent_banking77/test.csv", range(0, 151))
    shutil.copy(data / "intent_banking77/categories.json", train.parent)
    result = ingest(train.parent, "banking77")
    assert result.rejections == []
    turns = result.by("turn", "conversation_id")
    assert len(turns) == 300 + 150
    quoted = turns["banking77-test-2"]  # a question with a comma, quoted in the CSV
    assert quoted["text"] == "I still have not received my new card, I ordered over a week ago."
    assert (quoted["intent"], quoted["turn"], quoted["role"]) == ("card_arrival", 0, "customer")
    assert quoted["extra"] == {"split": "test"}
    assert turns["banking77-train-1"]["text"] == "I am still waiting on my card?"
    assert turns["banking77-train-1"]["_row"] == 1
    assert {t["extra"]["split"] for t in turns.values()} == {"train", "test"}
    assert len({t["intent"] for t in turns.values()}) > 3


def test_row_numbers_name_the_source_line(sliced, ingest, source_line) -> None:
    path = sliced("intent_banking77/train.csv", range(0, 1), range(5000, 5100))
    turns = ingest(path, "banking77").records("turn")
    for turn in turns[::13]:
        assert turn["conversation_id"] == f"banking77-train-{turn['_row']}"
        line = source_line(path, turn["_row"])
        assert line.endswith("," + turn["intent"])
        assert turn["text"] in line
