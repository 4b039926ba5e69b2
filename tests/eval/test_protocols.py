"""Leave-one-out splits, full and sampled protocols, and the baselines on planted data."""

from __future__ import annotations

import numpy as np
import pytest

from shopformer.data.sequences import PersonSequences
from shopformer.eval.baselines import ALS, ItemKNN, Popularity
from shopformer.eval.protocols import evaluate, sample_negatives
from shopformer.eval.splits import leave_one_out

ITEMS = 32  # indices 2..31


def sequences_of(histories: list[list[int]]) -> PersonSequences:
    lengths = [len(h) for h in histories]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    items = np.array([i for h in histories for i in h], np.int64)
    ones = np.ones_like(items)
    return PersonSequences([f"p{i}" for i in range(len(histories))], offsets, items, ones,
                           ones, ones)


def planted(persons: int = 200, seed: int = 0) -> PersonSequences:
    """Two tribes: one lives on items 2–11, the other on 12–21; 22–31 are rare."""
    rng = np.random.default_rng(seed)
    histories = []
    for person in range(persons):
        low = 2 if person % 2 else 12
        histories.append(list(rng.integers(low, low + 10, size=rng.integers(4, 9))))
    return sequences_of(histories)


def test_leave_one_out_positions():
    split = leave_one_out(sequences_of([[2, 3, 4, 5], [6, 7], [8, 9, 10]]))
    assert split.persons.tolist() == [0, 2]
    assert split.sequences.items[split.test_at].tolist() == [5, 10]
    assert split.sequences.items[split.valid_at].tolist() == [4, 9]
    assert split.train.items.tolist() == [2, 3, 8]
    with pytest.raises(ValueError, match="valid"):
        split.cases("train")


def test_full_and_sampled_metrics_on_a_hand_made_scorer():
    sequences = sequences_of([[2, 3, 4], [5, 6, 7]])
    split = leave_one_out(sequences)

    def perfect(persons, targets_at):
        scores = np.zeros((len(persons), ITEMS))
        scores[np.arange(len(persons)), sequences.items[targets_at]] = 1.0
        return scores

    negatives = {"uni": np.array([[10, 11], [12, 13]])}
    result = evaluate(perfect, sequences, split.persons, split.test_at, negatives)
    assert result["ndcg@10_full"] == 1.0 and result["hr@10_full"] == 1.0
    assert result["mrr_sampled100uni"] == 1.0

    def constant(persons, targets_at):
        return np.ones((len(persons), ITEMS))

    worst = evaluate(constant, sequences, split.persons, split.test_at)
    assert worst["hr@10_full"] == 0.0  # ties count against the target


def test_negatives_are_unseen_and_follow_popularity():
    sequences = planted()
    persons = np.arange(len(sequences))
    popularity = np.bincount(sequences.items, minlength=ITEMS)
    negatives = sample_negatives(sequences, persons, popularity, count=5)
    for person, row in zip(persons, negatives, strict=True):
        seen = set(sequences.person(person)["items"].tolist())
        assert not seen & set(row.tolist())
        assert len(set(row.tolist())) == 5
    uniform = sample_negatives(sequences, persons, popularity, count=5, by_popularity=False)
    assert (uniform >= 22).mean() > (negatives >= 22).mean()  # rare items only when uniform


@pytest.mark.parametrize("baseline", ["itemknn", "als"])
def test_personal_baselines_beat_popularity_on_planted_tribes(baseline):
    sequences = planted(400)
    split = leave_one_out(sequences)
    popularity = Popularity().fit(split.train, ITEMS)
    if baseline == "itemknn":
        scorer = ItemKNN(neighbours=20).fit(split.train, ITEMS).scorer(sequences)
    else:
        rows = np.zeros(len(sequences), np.int64)
        rows[split.persons] = np.arange(len(split.persons))
        scorer = ALS(factors=8, iterations=10).fit(split.train, ITEMS).scorer(rows)
    personal = evaluate(scorer, sequences, split.persons, split.test_at)
    plain = evaluate(popularity, sequences, split.persons, split.test_at)
    # a tribe has 10 items: a perfect top 10 is the tribe's own; popularity mixes both tribes
    assert personal["hr@10_full"] > (0.9 if baseline == "itemknn" else 0.7)
    assert plain["hr@10_full"] < 0.65
    assert personal["ndcg@10_full"] > plain["ndcg@10_full"]


def test_a_person_who_saw_the_popular_items_still_gets_unseen_negatives():
    from shopformer.data.sequences import PersonSequences

    items = np.arange(2, 22)  # 20 items; the person saw the 14 popular ones
    seen = items[:14]
    ones = np.ones(len(seen), np.int64)
    sequences = PersonSequences(["p"], np.array([0, len(seen)]), seen, ones, ones, ones)
    popularity = np.zeros(22, np.int64)
    popularity[seen] = 1000
    popularity[items[14:]] = 1
    negatives = sample_negatives(sequences, np.array([0]), popularity, count=5)
    assert len(set(negatives[0].tolist())) == 5
    assert not set(negatives[0].tolist()) & set(seen.tolist())
    with pytest.raises(ValueError, match="seen nearly every item"):
        sample_negatives(sequences, np.array([0]), popularity, count=7)
