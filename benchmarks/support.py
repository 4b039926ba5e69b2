"""Customer-service intents on BANKING77: Shopformer's IntentClassifier against a TF-IDF
(word + character n-grams) logistic regression, on the official train/test split, with
every training example and with 10 examples per intent.

    python benchmarks/support.py                # the full run, writes results and docs
    python benchmarks/support.py --validate     # scores the validation split: for choices

The test split is never used for a choice: the peer's C is chosen on a validation split of
the training rows (10 % per intent, seed 2027). The 10-shot sets take 10 examples of each
intent from the training rows (seed 2026). Shopformer's text encoder is pretrained
(masked language, `--pretrain-minutes`) on the training texts without their labels; the
reported training time includes that pretraining.
"""

from __future__ import annotations

import argparse
import csv
import logging
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import (
    chosen_names,
    log_to_stdout,
    machine_description,
    shown_path,
    update_docs,
    write_results,
)
from shopformer.data.tokenizer import ShopTokenizer, TokenizerConfig
from shopformer.tasks.support.intents import IntentClassifier, IntentConfig
from shopformer.train.finetune import TextEncoderSource, holdout_split
from shopformer.train.text_pretrain import pretrain_text, text_model

log = logging.getLogger("bench.support")
SHOT_SEED, VALID_SEED = 2026, 2027
SYSTEMS = ("shopformer", "tfidf-logreg")
TFIDF_STRENGTHS = (3.0, 10.0, 30.0, 100.0)


class Banking77:
    def __init__(self, directory: Path, sample: int | None = None) -> None:
        self.train_texts, self.train_intents = _read(directory / "train.csv", sample)
        self.test_texts, self.test_intents = _read(directory / "test.csv", sample)
        labels = np.unique(self.train_intents, return_inverse=True)[1]
        self.fit_rows, self.valid_rows = holdout_split(labels, 0.1, VALID_SEED)
        rng = np.random.default_rng(SHOT_SEED)
        self.shot_rows = np.sort(np.concatenate(
            [rng.permutation(np.flatnonzero(labels == c))[:10] for c in np.unique(labels)]))

    def rows(self, rows: np.ndarray) -> tuple[list[str], list[str]]:
        return [self.train_texts[i] for i in rows], [self.train_intents[i] for i in rows]


def _read(path: Path, sample: int | None) -> tuple[list[str], list[str]]:
    with path.open(encoding="utf-8") as handle:
        rows = [(r["text"].strip(), r["category"]) for r in csv.DictReader(handle)]
    if sample:
        rows = [rows[i] for i in np.random.default_rng(0).permutation(len(rows))[:sample]]
    return [t for t, _ in rows], [c for _, c in rows]


# ---- peer --------------------------------------------------------------------------
def tfidf_peer(texts: list[str], intents: list[str], strength: float):
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    features = sparse.hstack([words.fit_transform(texts), chars.fit_transform(texts)]).tocsr()
    model = LogisticRegression(C=strength, max_iter=3000).fit(features, intents)
    return lambda batch: list(model.predict(sparse.hstack(
        [words.transform(batch), chars.transform(batch)]).tocsr()))


def choose_strength(data: Banking77) -> tuple[float, dict[float, float]]:
    fit_texts, fit_intents = data.rows(data.fit_rows)
    valid_texts, valid_intents = data.rows(data.valid_rows)
    scores = {}
    for strength in TFIDF_STRENGTHS:
        predict = tfidf_peer(fit_texts, fit_intents, strength)
        scores[strength] = float(np.mean(np.array(predict(valid_texts)) == valid_intents))
        log.info("tfidf-logreg C=%s: validation accuracy %.4f", strength, scores[strength])
    return max(scores, key=scores.get), scores


# ---- shopformer --------------------------------------------------------------------
def pretrained_encoder(texts: list[str], minutes: float) -> TextEncoderSource:
    tokenizer = ShopTokenizer.train(texts, TokenizerConfig(vocab_size=6000, max_tokens=64))
    model = text_model(tokenizer, hidden=192, layers=3, heads=4)
    result = pretrain_text(model, tokenizer, texts, minutes=minutes, epochs=200,
                           batch_size=64)
    log.info("text pretraining: %d steps, %.0f tokens/s", result.steps,
             result.tokens_per_second)
    return TextEncoderSource(model.text, tokenizer)


def shopformer_predictor(texts: list[str], intents: list[str],
                         encoder: TextEncoderSource | None, epochs: int):
    model = IntentClassifier(IntentConfig(encoder_epochs=epochs)).fit(texts, intents,
                                                                      encoder=encoder)
    log.info("shopformer held-out: %s, stack %s, encoder epoch %d",
             model.report_.validation_accuracy, model.report_.stack,
             model.report_.encoder_epoch)
    return lambda batch: [guess.intent for guess in model.predict(batch)]


def accuracy(predicted: list[str], truth: list[str]) -> float:
    return float(np.mean(np.array(predicted) == np.array(truth)))


# ---- the run -----------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--validate", action="store_true",
                        help="score the validation split (for choices); nothing is written")
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--pretrain-minutes", type=float, default=6.0)
    parser.add_argument("--epochs", type=int, default=12, help="encoder fine-tuning epochs "
                        "at most (the best on Shopformer's own held-out share is kept)")
    parser.add_argument("--sample", type=int, default=None,
                        help="a smoke run on this many examples; prints, writes nothing")
    args = parser.parse_args()
    systems = chosen_names(args.systems, SYSTEMS, "systems")
    log_to_stdout()
    torch.set_num_threads(2)
    data = Banking77(args.data / "intent_banking77", args.sample)
    if args.validate:
        train_rows, test_texts, test_intents = data.fit_rows, *data.rows(data.valid_rows)
    else:
        train_rows = np.arange(len(data.train_texts))
        test_texts, test_intents = data.test_texts, data.test_intents
    texts, intents = data.rows(train_rows)
    shots = data.rows(data.shot_rows)
    log.info("banking77: train %d, scored %d, 10-shot %d, intents %d", len(texts),
             len(test_texts), len(shots[0]), len(set(intents)))
    results: dict[str, dict[str, float]] = {}
    settings = {}
    for system in systems:
        started = time.perf_counter()
        if system == "tfidf-logreg":
            strength, tried = choose_strength(data)
            settings[system] = f"C = {strength} (validation: {tried})"
            def make(t, i, s=strength):
                return tfidf_peer(t, i, s)
        else:
            encoder = pretrained_encoder(texts, args.pretrain_minutes) \
                if args.pretrain_minutes > 0 else None

            def make(t, i, e=encoder):
                return shopformer_predictor(t, i, e, args.epochs)
        predict = make(texts, intents)
        seconds = time.perf_counter() - started
        results[system] = {"accuracy": accuracy(predict(test_texts), test_intents),
                           "train_seconds": seconds}
        results[system]["accuracy_10shot"] = accuracy(make(*shots)(test_texts), test_intents)
        log.info("%s: %s", system, results[system])
    if args.validate or args.sample:
        log.info("not written (validation or smoke run): %s", results)
        return
    command = f"python benchmarks/support.py --data {shown_path(args.data)}"
    rows = [{"system": s, "dataset": "banking77", "split": "test", "metric": m,
             "value": round(v, 4 if m != "train_seconds" else 1)}
            for s, metrics in results.items() for m, v in metrics.items()]
    write_results("support", command, rows)
    update_docs("support", "Customer-service intents: BANKING77", command,
                describe(data, results, settings, args), machine_description())


def describe(data: Banking77, results, settings, args) -> str:
    lines = [f"Official split: {len(data.train_texts):,} training and {len(data.test_texts):,}"
             f" test questions, 77 intents. 10-shot: 10 training examples per intent "
             f"(seed {SHOT_SEED}). Shopformer: n-gram softmax regression stacked with the "
             f"shop text encoder (3 layers, 192 wide) pretrained {args.pretrain_minutes:g} min"
             f" on the training texts and fine-tuned up to {args.epochs} epochs; training "
             "time includes the pretraining.", "",
             "| system | accuracy | accuracy, 10-shot | training seconds |",
             "|---|---:|---:|---:|"]
    for system, values in results.items():
        lines.append(f"| {system} | {values['accuracy']:.4f} | "
                     f"{values['accuracy_10shot']:.4f} | {values['train_seconds']:.0f} |")
    lines += ["", "Goal (issue 7): accuracy ≥ 0.937 (fine-tuned BERT-base, published) with "
              "training under 20 minutes on 2 cores."]
    if settings:
        lines += ["", "Peer settings: " + "; ".join(f"{s}: {v}" for s, v in settings.items())
                  + "."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
