"""Pretraining throughput, and what pretraining is worth downstream, on real shop data.

    python benchmarks/pretrain.py [--data ../shared/data] [--pretrain-minutes 8]
                                  [--finetune-minutes 4]

1. Amazon Beauty (354k events): one pretraining epoch at the default size, fp32 and bf16
   autocast: events per second and epoch seconds.
2. online_shopping_10_cats reviews: masked-language training of the default text encoder:
   tokens per second (fp32 and bf16).
3. Value of pretraining, both numbers side by side whatever they show:
   - sentiment with 1,000 labelled reviews: text encoder pretrained (MLM on the unlabelled
     training pool) vs random init, same tokenizer, same fine-tuning; accuracy and macro-F1
     on a held-out test split (stratified, seed 2026; the epoch is chosen on validation);
   - next item on Beauty (leave-one-out, full ranking over all items): self-supervised
     pretraining then fine-tuning with next-event only, vs next-event training from scratch
     with the same fine-tuning budget; NDCG@10 / HR@10 on the last event, settings chosen on
     the second-last.
Writes benchmarks/results/pretrain.json and the pretrain section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import logging
import random
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from report import machine_description, shown_path, update_docs, write_results
from shopformer.data.tokenizer import ShopTokenizer
from shopformer.model.config import ObjectiveWeights
from shopformer.model.heads.text_classifier import TextClassifier
from shopformer.train.config import PretrainConfig
from shopformer.train.evaluate import next_item_ranks, ranking_metrics
from shopformer.train.finetune import FinetuneConfig, fit_text_classifier, predict_classes
from shopformer.train.pretrain import PretrainData, Pretrainer
from shopformer.train.text_pretrain import pretrain_text, text_model
from shopformer.workspace import Workspace

SEED = 2026
log = logging.getLogger("benchmarks.pretrain")


def row(system: str, dataset: str, metric: str, value: float, split: str = "test") -> dict:
    return {"system": system, "dataset": dataset, "split": split, "metric": metric,
            "value": round(float(value), 5)}


# --- 1. Beauty throughput -----------------------------------------------------------------
def beauty_data(root: Path, tmp: Path) -> tuple[Workspace, PretrainData]:
    shop = Workspace.init(tmp / "beauty")
    shop.ingest(root / "seqrec_amazon_beauty", adapter="seqrec")
    return shop, shop.pretraining_data(PretrainConfig())


def beauty_throughput(data: PretrainData) -> tuple[list[dict], list[str]]:
    rows, lines = [], []
    for precision in ("fp32", "bf16"):
        config = PretrainConfig(epochs=1, max_minutes=None, precision=precision, seed=SEED)
        bundle = Pretrainer(config).fit(data, show_progress=False)
        epoch = bundle.metrics["history"][0]
        suffix = "" if precision == "fp32" else "_bf16"
        rows += [row("shopformer", "amazon_beauty", f"events_per_second{suffix}",
                     epoch["events_per_second"], "train"),
                 row("shopformer", "amazon_beauty", f"epoch_seconds{suffix}", epoch["seconds"],
                     "train")]
        lines.append(f"| Beauty pretraining epoch ({precision}) | {epoch['seconds']:.1f} s | "
                     f"{epoch['events_per_second']:,.0f} events/s |")
        print(lines[-1], flush=True)
    return rows, lines


# --- 2 + 3a. Reviews --------------------------------------------------------------------
def read_reviews(root: Path) -> tuple[list[str], np.ndarray]:
    texts, labels = [], []
    path = root / "reviews_zh" / "online_shopping_10_cats.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for record in csv.DictReader(handle):
            text = (record["review"] or "").strip().lstrip("\ufeff")
            if text:
                texts.append(text)
                labels.append(int(record["label"]))
    return texts, np.array(labels)


def stratified_split(labels: np.ndarray, test_share: float, seed: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        cut = int(len(members) * test_share)
        test.append(members[:cut])
        train.append(members[cut:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def macro_f1(predicted: np.ndarray, truth: np.ndarray) -> float:
    scores = []
    for label in np.unique(truth):
        tp = np.sum((predicted == label) & (truth == label))
        precision = tp / max(np.sum(predicted == label), 1)
        recall = tp / max(np.sum(truth == label), 1)
        scores.append(2 * precision * recall / max(precision + recall, 1e-9))
    return float(np.mean(scores))


def reviews(root: Path, pretrain_minutes: float) -> tuple[list[dict], list[str]]:
    texts, labels = read_reviews(root)
    pool, test = stratified_split(labels, 0.2, SEED)
    pool_texts = [texts[i] for i in pool]
    tokenizer = ShopTokenizer.train(pool_texts)
    rows, lines = [], []
    for precision in ("fp32", "bf16"):
        probe = pretrain_text(text_model(tokenizer), tokenizer, pool_texts, minutes=1.0,
                              epochs=100, seed=SEED, precision=precision)
        suffix = "" if precision == "fp32" else "_bf16"
        rows.append(row("shopformer", "reviews_zh", f"tokens_per_second{suffix}",
                        probe.tokens_per_second, "train"))
        lines.append(f"| reviews MLM, default text encoder ({precision}) | "
                     f"{probe.steps} steps in {probe.seconds:.0f} s | "
                     f"{probe.tokens_per_second:,.0f} tokens/s |")
        print(lines[-1], flush=True)
    pretrained = pretrain_text(text_model(tokenizer), tokenizer, pool_texts,
                               minutes=pretrain_minutes, epochs=100, seed=SEED)
    rng = np.random.default_rng(SEED)
    labelled = rng.choice(pool, 1000, replace=False)
    train, validation = labelled[:800], labelled[800:]
    for system, model in (("shopformer", pretrained.model),
                          ("shopformer-scratch", text_model(tokenizer))):
        torch.manual_seed(SEED)
        classifier = TextClassifier(model.text, classes=2)
        fitted = fit_text_classifier(
            classifier, tokenizer, [texts[i] for i in train], labels[train],
            [texts[i] for i in validation], labels[validation],
            FinetuneConfig(epochs=15, patience=3, seed=SEED))
        predicted = predict_classes(fitted.model, tokenizer, [texts[i] for i in test])
        accuracy = float(np.mean(predicted == labels[test]))
        f1 = macro_f1(predicted, labels[test])
        rows += [row(system, "reviews_zh", "accuracy_1000labels", accuracy),
                 row(system, "reviews_zh", "macro_f1_1000labels", f1)]
        lines.append(f"| sentiment, 1,000 labels, {system} | accuracy {accuracy:.4f}, "
                     f"macro-F1 {f1:.4f} | best epoch {fitted.best_epoch} |")
        print(lines[-1], flush=True)
    lines.append(f"| (text pretraining for the line above: {pretrained.steps} MLM steps, "
                 f"{pretrained.seconds / 60:.1f} min on {len(pool_texts):,} unlabelled reviews;"
                 f" test split {len(test):,} reviews) | | |")
    return rows, lines


# --- 3b. Next item on Beauty --------------------------------------------------------------
def next_item(data: PretrainData, pretrain_minutes: float, finetune_minutes: float
              ) -> tuple[list[dict], list[str]]:
    sequences = data.sequences
    persons = np.arange(len(sequences))
    last = sequences.offsets[1:] - 1
    train = PretrainData(data.vocab, sequences.subset(persons, drop_last=2), [], [])
    ssl = PretrainConfig(max_minutes=pretrain_minutes, epochs=200, patience=3, seed=SEED)
    head_only = ObjectiveWeights(masked_event=0.0, next_event=1.0, masked_language=0.0,
                                 text_item_alignment=0.0)
    finetune = PretrainConfig(max_minutes=finetune_minutes, epochs=200, patience=3,
                              seed=SEED, objectives=head_only)
    pretrained = Pretrainer(ssl).fit(train, show_progress=False)
    systems = {
        "shopformer": Pretrainer(finetune).fit(train, show_progress=False,
                                               initial=pretrained),
        "shopformer-scratch": Pretrainer(finetune).fit(train, show_progress=False),
    }
    rows, lines = [], []
    for system, bundle in systems.items():
        model = bundle.model
        valid = ranking_metrics(next_item_ranks(model, sequences, persons, last - 1))
        test = ranking_metrics(next_item_ranks(model, sequences, persons, last))
        for name, value in test.items():
            rows.append(row(system, "amazon_beauty", f"{name}_full", value))
        for name, value in valid.items():
            rows.append(row(system, "amazon_beauty", f"{name}_full", value, "validation"))
        seconds = bundle.metrics["train_seconds"] + (
            pretrained.metrics["train_seconds"] if system == "shopformer" else 0)
        rows.append(row(system, "amazon_beauty", "train_seconds", seconds, "train"))
        lines.append(f"| next item, Beauty, {system} | NDCG@10 {test['ndcg@10']:.4f}, "
                     f"HR@10 {test['hr@10']:.4f} (validation NDCG@10 {valid['ndcg@10']:.4f}) "
                     f"| {seconds / 60:.1f} min training |")
        print(lines[-1], flush=True)
    return rows, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--pretrain-minutes", type=float, default=8.0)
    parser.add_argument("--finetune-minutes", type=float, default=4.0)
    parser.add_argument("--smoke", action="store_true",
                        help="tiny budgets, nothing written: checks the script runs")
    args = parser.parse_args()
    if args.smoke:
        args.pretrain_minutes, args.finetune_minutes = 0.1, 0.05
    logging.basicConfig(level=logging.WARNING)
    random.seed(SEED)
    started = time.perf_counter()
    rows, lines = [], []
    with tempfile.TemporaryDirectory() as tmp:
        shop, data = beauty_data(args.data, Path(tmp))
        parts = [lambda: next_item(data, args.pretrain_minutes, args.finetune_minutes)]
        if not args.smoke:
            parts = [lambda: beauty_throughput(data),
                     lambda: reviews(args.data, args.pretrain_minutes), *parts]
        for part in parts:
            found, said = part()
            rows += found
            lines += said
        shop.close()
    if args.smoke:
        return
    command = (f"python benchmarks/pretrain.py --data {shown_path(args.data)} "
               f"--pretrain-minutes {args.pretrain_minutes:g} "
               f"--finetune-minutes {args.finetune_minutes:g}")
    write_results("pretrain", command, rows)
    body = "\n".join([
        "Default model size (hidden 64, 2 layers; text encoder hidden 128, 2 layers), 2 CPU "
        f"threads. Whole run {(time.perf_counter() - started) / 60:.0f} min.",
        "",
        "| what | result | detail |",
        "|---|---|---|",
        *lines,
    ])
    update_docs("pretrain", "Pretraining: throughput and value", command, body,
                machine_description())


if __name__ == "__main__":
    main()
