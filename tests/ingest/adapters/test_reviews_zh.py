"""Chinese shop reviews: text intact, the 1/0 sentiment as the review's polarity, its
category as the review's own, empty reviews rejected."""

from __future__ import annotations

REVIEWS = "reviews_zh/online_shopping_10_cats.csv"


def test_reviews_keep_text_category_and_label(sliced, ingest, source_line) -> None:
    path = sliced(REVIEWS, range(0, 301), range(2_050, 2_250))  # 书籍 1 and 0
    result = ingest(path, "reviews_zh")
    assert result.rejections == []
    reviews = result.records("review")
    assert len(reviews) == 500
    first = reviews[0]
    assert first["text"].startswith("做父母一定要有刘墉这样的心态")  # the stray BOM is gone
    assert first["category"] == "书籍" and first["polarity"] == 1 and not first["extra"]
    assert first["channel"] is None and first["review_id"] == "reviews_zh-1"
    assert first["rating"] is None  # a label is not a star rating
    assert {r["polarity"] for r in reviews} == {0, 1}
    for review in reviews[::41]:
        category, label, text = source_line(path, review["_row"]).split(",", 2)
        assert (review["category"], review["polarity"]) == (category, int(label))
        assert review["text"] == text.strip('"').lstrip("\ufeff")


def test_an_empty_review_is_rejected_with_its_row(sliced, ingest) -> None:
    path = sliced(REVIEWS, range(0, 11), range(36_426, 36_427))  # source row 36426: 热水器,1,
    result = ingest(path, "reviews_zh", keep_going=True)
    assert len(result.records("review")) == 10
    [rejection] = result.rejections
    assert (rejection.row, rejection.field) == (11, "text")
    assert rejection.raw["category"] == "热水器"
