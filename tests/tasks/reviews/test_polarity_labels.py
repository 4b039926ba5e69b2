"""Reviews that carry a shop's own positive/negative flag instead of stars (the reviews_zh
data set, thumbs up/down) train sentiment: before, `shopformer review` on such a store
said it held no rated reviews. Their own category, where no catalog item gives one, is the
sentiment model's domain."""

from __future__ import annotations

import csv

from typer.testing import CliRunner

from shopformer.cli.main import app
from shopformer.ingest.mapping import ColumnMapping

runner = CliRunner()


def test_reviews_with_a_polarity_and_no_stars_train_sentiment(workspace, tmp_path,
                                                              make_reviews):
    texts, ratings = make_reviews(800, 5)
    path = tmp_path / "reviews.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["review_id", "text", "polarity", "category"])
        writer.writerows((f"r{n}", text, int(rating >= 4), ("书籍", "水果")[n % 2])
                         for n, (text, rating) in enumerate(zip(texts, ratings, strict=True))
                         if rating != 3)
    workspace.ingest(path, mapping=ColumnMapping(kind="review"))
    assert workspace.store.read_table("review", ["rating"])["rating"].null_count == \
        workspace.store.count("review")
    _, model = workspace.train_sentiment()
    # no catalog: each review's own category is its domain (reviews_zh's ten categories)
    assert set(model.domains.names) == {"书籍", "水果"}
    complaint, praise = model.probability(["质量太差了，用两天就坏了",
                                           "质量很好，物流也快，五星好评"])
    assert complaint < 0.5 < praise
    result = runner.invoke(app, ["review", "物流太慢了，等了一个星期", "-w", str(workspace.root)])
    assert result.exit_code == 0 and "negative" in result.output, result.output
    # reviews_zh has no dates either: opinions are per day, and say so (it said "ingest
    # some first" to a store of 62,772 reviews)
    opinions = runner.invoke(app, ["opinions", "-w", str(workspace.root)])
    stored = workspace.store.count("review")
    assert opinions.exit_code == 2, opinions.output
    assert f"none of the store's {stored:,} reviews" in " ".join(opinions.output.split())
