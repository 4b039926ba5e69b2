"""Review sentiment on online_shopping_10_cats: Shopformer against SnowNLP, TF-IDF + logistic
regression and a fastText-style bag of n-grams, on one stratified split; per category,
leave-one-category-out, and Shopformer's throughput for polarity + aspects.

    python benchmarks/sentiment.py                 # the full run, writes results and docs
    python benchmarks/sentiment.py --parts split   # the test split only (about 50 minutes)
    python benchmarks/sentiment.py --parts loco    # leave-one-category-out only (about 2 hours)
    python benchmarks/sentiment.py --validate      # scores the validation split: for choices

A part not run keeps its last results and its own section of docs/benchmarks.md, so the two
can run on different days; each section says its command and date.

Split (seed 2026): 20 % of the reviews, stratified by category × label, are the test set and
are never used for a choice. 12.5 % of the rest (seed 2027) is the validation split on
which the peers' settings are chosen; Shopformer holds out its own 10 % inside its
training rows. Leave-one-category-out: train on the training rows of nine categories, test
on the test rows of the tenth; the number is the mean over the ten categories.

Shopformer's text encoder is pretrained (masked language, `--pretrain-minutes`) on the
training texts only, without labels — a shop has its reviews before it labels them — and
that one pretrained encoder is fine-tuned per model, including the leave-one-out ones.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from own_text import pretrained_encoder, pretraining_seconds
from report import (
    RESULTS,
    chosen_names,
    log_to_stdout,
    machine_description,
    shown_path,
    update_docs,
    write_results,
)
from shopformer.tasks.reviews.analysis import ReviewAnalyzer
from shopformer.tasks.reviews.sentiment import (
    ReviewSentiment,
    SentimentConfig,
    TextEncoderSource,
)
from shopformer.train.domain_linear import Domains

log = logging.getLogger("bench.sentiment")
SEED, VALID_SEED = 2026, 2027
SYSTEMS = ("shopformer", "snownlp", "tfidf-logreg", "ngram-bag", "shopformer-text",
           "tfidf-logreg-category")
PEERS = ("snownlp", "tfidf-logreg", "ngram-bag")  # the peers: text only
# Not in the leave-one-category-out runs: there the left-out category is unknown to every
# model, so shopformer reads it with its shared weights, as shopformer-text would.
NOT_IN_LOCO = ("shopformer-text",)
PARTS = ("split", "loco")
LOCO_METRIC = "accuracy_leave_one_category_out"
TFIDF_STRENGTHS = (1.0, 3.0, 10.0, 30.0)
BAG_RATES = (1.0, 2.0, 4.0, 8.0)


class Reviews:
    def __init__(self, path: Path, sample: int | None = None) -> None:
        with path.open(encoding="utf-8-sig") as handle:
            rows = [r for r in csv.DictReader(handle) if (r["review"] or "").strip()]
        if sample:  # a smoke run on a slice
            rows = [rows[i] for i in np.random.default_rng(0).permutation(len(rows))[:sample]]
        self.texts = [r["review"].strip() for r in rows]
        self.labels = np.array([int(r["label"]) for r in rows])
        self.categories = np.array([r["cat"] for r in rows])
        self.test = _stratified(self.categories, self.labels, np.arange(len(rows)), 0.2, SEED)
        rest = np.setdiff1d(np.arange(len(rows)), self.test)
        self.valid = _stratified(self.categories, self.labels, rest, 0.125, VALID_SEED)
        self.fit = np.setdiff1d(rest, self.valid)  # peers' rows while choosing settings
        self.train = rest  # every non-test row: the final models learn from these

    def text(self, rows: np.ndarray) -> list[str]:
        return [self.texts[i] for i in rows]

    def domains(self, rows: np.ndarray) -> list[str]:
        """The reviews' categories: what a shop knows of every review's item."""
        return self.categories[rows].tolist()


def _stratified(categories: np.ndarray, labels: np.ndarray, rows: np.ndarray, share: float,
                seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    chosen = []
    for key in sorted({(categories[i], labels[i]) for i in rows}):
        group = rows[(categories[rows] == key[0]) & (labels[rows] == key[1])]
        chosen.append(rng.permutation(group)[:round(share * len(group))])
    return np.sort(np.concatenate(chosen))


def macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    scores = []
    for positive in (0, 1):
        tp = np.sum((predicted == positive) & (truth == positive))
        fp = np.sum((predicted == positive) & (truth != positive))
        fn = np.sum((predicted != positive) & (truth == positive))
        scores.append(2 * tp / max(2 * tp + fp + fn, 1))
    return float(np.mean(scores))


# ---- peers -------------------------------------------------------------------------
# Every system is made from training rows and returns `predict(rows)` → P(positive).
def tfidf_peer(data: Reviews, train: np.ndarray, strength: float, by_category: bool = False):
    """TF-IDF + logistic regression; `by_category`: its features widened per category the
    way shopformer's n-gram members are (the same information, the same trick)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True,
                                 min_df=2).fit(data.text(train))
    domains = Domains.learned(data.domains(train), SentimentConfig().domain_min_reviews) \
        if by_category else Domains()

    def features(rows: np.ndarray):
        return domains.widen(vectorizer.transform(data.text(rows)),
                             domains.codes(data.domains(rows), len(rows)))

    model = LogisticRegression(C=strength, max_iter=3000).fit(features(train),
                                                              data.labels[train])
    return lambda rows: model.predict_proba(features(rows))[:, 1]


def bag_peer(data: Reviews, train: np.ndarray, rate: float):
    from peers.ngram_bag import fit_ngram_bag, positive_probability

    model = fit_ngram_bag(data.text(train), data.labels[train], learning_rate=rate)
    return lambda rows: positive_probability(model, data.text(rows))


def snownlp_peer(data: Reviews):
    from snownlp import SnowNLP

    return lambda rows: np.array([SnowNLP(t).sentiments for t in data.text(rows)])


def choose(name: str, make, options, data: Reviews):
    """The option with the best validation accuracy (trained on the other training rows)."""
    scores = {}
    for option in options:
        predict = make(data, data.fit, option)
        scores[option] = float(np.mean((predict(data.valid) >= 0.5)
                                       == data.labels[data.valid]))
        log.info("%s %s: validation accuracy %.4f", name, option, scores[option])
    return max(scores, key=scores.get), scores


# ---- shopformer --------------------------------------------------------------------
def shop_encoder(data: Reviews, minutes: float, cache: Path | None) -> TextEncoderSource:
    return pretrained_encoder(data.text(data.train), minutes, vocab_size=8000, max_tokens=96,
                              epochs=20, cache=cache)


def shopformer_model(data: Reviews, train: np.ndarray, encoder: TextEncoderSource | None,
                     epochs: int, by_category: bool = True) -> ReviewSentiment:
    """Trained with each review's category as its domain, or (`by_category` False) from
    the texts alone."""
    config = SentimentConfig(encoder_epochs=epochs)
    model = ReviewSentiment(config).fit(data.text(train), data.labels[train].tolist(),
                                        encoder=encoder,
                                        domains=data.domains(train) if by_category else None)
    log.info("shopformer held-out: %s, stack %s, answered without the encoder %.3f, "
             "domains %s", model.report_.validation_accuracy, model.report_.stack_weights,
             model.report_.confident_share, model.domains.names)
    return model


def shopformer_predictor(data: Reviews, model: ReviewSentiment):
    return lambda rows: model.probability(data.text(rows), domains=data.domains(rows))


def throughput(model: ReviewSentiment, texts: list[str], domains: list[str]) -> float:
    analyzer = ReviewAnalyzer(model)
    analyzer.analyze(texts[:64], with_rating=False, domains=domains[:64])  # warm up
    started = time.perf_counter()
    for begin in range(0, len(texts), 256):
        analyzer.analyze(texts[begin:begin + 256], with_rating=False,
                         domains=domains[begin:begin + 256])
    return len(texts) / (time.perf_counter() - started)


# ---- the run -----------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--validate", action="store_true",
                        help="score the validation split (for choices); nothing is written")
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--pretrain-minutes", type=float, default=12.0)
    parser.add_argument("--encoder-cache", type=Path, default=None,
                        help="read the pretrained text encoder from this directory when it "
                             "holds one pretrained on the same texts and minutes, else "
                             "write it there (pretraining reads no labels)")
    parser.add_argument("--epochs", type=int, default=2, help="encoder fine-tuning epochs")
    parser.add_argument("--loco-epochs", type=int, default=1,
                        help="encoder fine-tuning epochs of the ten leave-one-out models")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help="split: the test split, per category and throughput; loco: "
                             "leave-one-category-out; a part not run keeps its last results")
    parser.add_argument("--sample", type=int, default=None,
                        help="a smoke run on this many reviews; prints, writes nothing")
    args = parser.parse_args()
    systems = chosen_names(args.systems, SYSTEMS, "systems")
    parts = ["split"] if args.validate else chosen_names(args.parts, PARTS, "parts")
    log_to_stdout()
    torch.set_num_threads(2)
    data = Reviews(args.data / "reviews_zh" / "online_shopping_10_cats.csv", args.sample)
    scored = data.valid if args.validate else data.test
    train = data.fit if args.validate else data.train
    log.info("reviews: %d (train %d, of which validation %d; test %d)", len(data.texts),
             len(data.train), len(data.valid), len(data.test))
    probabilities: dict[str, np.ndarray] = {}
    seconds: dict[str, float] = {}
    makers, settings = {}, {}
    if "tfidf-logreg" in systems:
        strength, tried = choose("tfidf-logreg", tfidf_peer, TFIDF_STRENGTHS, data)
        makers["tfidf-logreg"] = lambda rows, s=strength: tfidf_peer(data, rows, s)
        settings["tfidf-logreg"] = f"C = {strength} (validation: {tried})"
    if "tfidf-logreg-category" in systems:
        def by_category(data, rows, strength):
            return tfidf_peer(data, rows, strength, by_category=True)

        strength, tried = choose("tfidf-logreg-category", by_category, TFIDF_STRENGTHS, data)
        makers["tfidf-logreg-category"] = lambda rows, s=strength: by_category(data, rows, s)
        settings["tfidf-logreg-category"] = f"C = {strength} (validation: {tried})"
    if "ngram-bag" in systems:
        rate, tried = choose("ngram-bag", bag_peer, BAG_RATES, data)
        makers["ngram-bag"] = lambda rows, r=rate: bag_peer(data, rows, r)
        settings["ngram-bag"] = f"learning rate {rate} (validation: {tried})"
    encoder, pretrain_seconds, models = None, 0.0, {}
    if {"shopformer", "shopformer-text"} & set(systems):
        started = time.perf_counter()
        encoder = shop_encoder(data, args.pretrain_minutes, args.encoder_cache)
        pretrain_seconds = (time.perf_counter() - started if args.encoder_cache is None
                            else pretraining_seconds(args.encoder_cache))

        def shopformer(rows: np.ndarray, epochs: int = args.epochs, by_category: bool = True):
            name = "shopformer" if by_category else "shopformer-text"
            models[name] = shopformer_model(data, rows, encoder, epochs, by_category)
            return shopformer_predictor(data, models[name])

        makers["shopformer"] = shopformer
        makers["shopformer-text"] = lambda rows: shopformer(rows, by_category=False)
    if "snownlp" in systems:
        makers["snownlp"] = lambda rows: snownlp_peer(data)
    results: dict[str, dict[str, float]] = {}
    if "split" in parts:
        for system in systems:
            started = time.perf_counter()
            predict = makers[system](train)
            probabilities[system] = predict(scored)
            seconds[system] = time.perf_counter() - started + (
                pretrain_seconds if system.startswith("shopformer") else 0.0)
            log.info("%s: accuracy %.4f (%.0f s)", system, np.mean(
                (probabilities[system] >= 0.5) == data.labels[scored]), seconds[system])
        results = {s: {"accuracy": float(np.mean((p >= 0.5) == data.labels[scored])),
                       "macro_f1": macro_f1(data.labels[scored], (p >= 0.5).astype(int))}
                   for s, p in probabilities.items()}
        if args.validate:
            return
        if "shopformer" in systems:
            results["shopformer"]["reviews_per_second"] = throughput(
                models["shopformer"], data.text(data.test), data.domains(data.test))
            log.info("shopformer: %.0f reviews/s, polarity + aspects",
                     results["shopformer"]["reviews_per_second"])
    loco: dict[str, dict[str, float]] = defaultdict(dict)
    if "loco" in parts:
        if "shopformer" in systems:
            makers["shopformer"] = lambda rows: shopformer(rows, args.loco_epochs)
        for category in sorted(set(data.categories)):
            rows = data.train[data.categories[data.train] != category]
            target = data.test[data.categories[data.test] == category]
            for system in (s for s in systems if s not in NOT_IN_LOCO):
                predict = makers[system](rows)
                loco[system][category] = float(np.mean(
                    (predict(target) >= 0.5) == data.labels[target]))
            log.info("leave out %s: %s", category,
                     {s: round(v[category], 4) for s, v in loco.items()})
    per_category = {s: {c: float(np.mean((p[data.categories[scored] == c] >= 0.5)
                                         == data.labels[scored][data.categories[scored] == c]))
                        for c in sorted(set(data.categories))}
                    for s, p in probabilities.items()}
    if args.sample:
        log.info("smoke run: %s %s", results, dict(loco))
        return
    command = f"python benchmarks/sentiment.py --data {shown_path(args.data)}" + (
        "" if set(parts) == set(PARTS) else f" --parts {','.join(parts)}")
    write_results("sentiment", command, result_rows(results, seconds, loco, parts))
    if "split" in parts:
        update_docs("sentiment", "Review sentiment: online_shopping_10_cats", command,
                    describe(data, results, per_category, seconds, settings, args),
                    machine_description())
    if "loco" in parts:
        update_docs("sentiment-loco", "Review sentiment: leave one category out", command,
                    describe_loco(data, loco, args), machine_description())


def result_rows(results, seconds, loco, parts) -> list[dict]:
    """This run's rows, and the last results of the part not run (so a part run alone keeps
    the other's numbers)."""
    rows = [{"system": s, "dataset": "reviews_zh", "split": "test", "metric": m,
             "value": round(v, 4)} for s, metrics in results.items() for m, v in metrics.items()]
    rows += [{"system": s, "dataset": "reviews_zh", "split": "test", "metric": "seconds",
              "value": round(v, 1)} for s, v in seconds.items()]
    rows += [{"system": s, "dataset": "reviews_zh", "split": "test", "metric": LOCO_METRIC,
              "value": round(float(np.mean(list(held.values()))), 4)} for s, held in loco.items()]
    path = RESULTS / "sentiment.json"
    if set(parts) != set(PARTS) and path.exists():
        rows += [r for r in json.loads(path.read_text())["rows"]
                 if (r["metric"] == LOCO_METRIC) == ("loco" not in parts)]
    return rows


def describe(data: Reviews, results, per_category, seconds, settings, args) -> str:
    lines = [f"{len(data.texts):,} Chinese reviews in 10 categories; test {len(data.test):,} "
             f"(20 %, stratified by category × label, seed {SEED}); peers' settings chosen "
             f"on a validation split of the training rows (seed {VALID_SEED}). Shopformer: "
             f"text encoder (3 layers, 192 wide) pretrained {args.pretrain_minutes:g} min on "
             f"the training texts, fine-tuned {args.epochs} epochs, stacked with its two n-gram "
             "members (character 1–4-grams and words, negated stretches marked; one plain, "
             "one scaled by log-count ratios), a general praise/complaint lexicon member and "
             "the vote of the 50 nearest training reviews in the scaled bag. "
             "Leave-one-category-out: its own section below.", "",
             "| system | accuracy | macro-F1 | seconds |",
             "|---|---:|---:|---:|"]
    for system, values in results.items():
        lines.append(f"| {system} | {values['accuracy']:.4f} | {values['macro_f1']:.4f} | "
                     f"{seconds[system]:.0f} |")
    lines += ["", "shopformer and tfidf-logreg-category read each review's category (its "
              "product's, which a shop always knows) as a domain: n-gram weights shared by "
              "all categories plus corrections per category; shopformer-text and the "
              "issue's peers read the text alone.", ""]
    accuracy = {s: v["accuracy"] for s, v in results.items()}
    peers = [accuracy[s] for s in PEERS if s in accuracy]
    if peers:
        accuracy["best peer"] = max(peers)
    for ours, other in (("shopformer", "best peer"), ("shopformer-text", "best peer"),
                        ("shopformer", "tfidf-logreg-category")):
        if ours in accuracy and other in accuracy:
            lines.append(f"- Accuracy: {ours} − {other} = "
                         f"{100 * (accuracy[ours] - accuracy[other]):+.2f} points.")
    if "reviews_per_second" in results.get("shopformer", {}):
        lines.append(f"- Throughput, polarity + aspects on 2 threads: "
                     f"{results['shopformer']['reviews_per_second']:.0f} reviews/s.")
    categories = sorted(set(data.categories))
    lines += ["", "Accuracy per category (test rows of the category):", "",
              "| category | " + " | ".join(per_category) + " |",
              "|---|" + "---:|" * len(per_category)]
    for category in categories:
        lines.append(f"| {category} | " + " | ".join(
            f"{per_category[system][category]:.3f}" for system in per_category) + " |")
    if settings:
        lines += ["", "Peer settings: " + "; ".join(f"{s}: {v}" for s, v in settings.items())
                  + ". SnowNLP uses its own bundled sentiment model (trained on shopping "
                  "reviews), as users run it."]
    return "\n".join(lines)


def describe_loco(data: Reviews, loco, args) -> str:
    categories = sorted(set(data.categories))
    lines = ["Each category in turn is left out: every system learns from the training rows "
             "of the other nine and is scored on the left-out category's test rows (the "
             f"test split above). Shopformer's encoder is fine-tuned {args.loco_epochs} "
             "epoch(s) per model, from the same pretrained encoder; the left-out category is "
             "unknown to the category-aware systems and is read with their shared weights.",
             "", "| category | " + " | ".join(loco) + " |", "|---|" + "---:|" * len(loco)]
    for category in categories:
        lines.append(f"| {category} | " + " | ".join(
            f"{held[category]:.3f}" for held in loco.values()) + " |")
    lines.append("| **mean** | " + " | ".join(
        f"**{np.mean(list(held.values())):.4f}**" for held in loco.values()) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
