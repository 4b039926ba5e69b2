"""Next-item recommendation on Amazon Beauty: Shopformer against RecBole SASRec and BERT4Rec
and the popularity / item-kNN / ALS baselines, on one leave-one-out split, one budget each.

    python benchmarks/recommend.py [--data ../shared/data] [--budget-minutes 30]
                                   [--systems shopformer,recbole-sasrec,...] [--smoke]

- Split: every person's last event is the test, the second last the validation; everything
  before trains. Every system sees exactly these sequences (RecBole gets them as an atomic
  file keyed by our person ids).
- Budget: each trained system gets the same wall-clock training budget and stops early on
  validation NDCG@10 inside it; its validation curve (seconds, NDCG@10) is recorded.
  Baselines have no budget; their settings are picked on validation from a small grid.
- Metrics on the test event: full ranking over all items (HR@10, NDCG@10, MRR; history items
  stay candidates, ties count against the target), and the BERT4Rec paper's protocol with 100
  popularity-sampled negatives the person never touched (the same negatives for everyone).
- Each system trains in its own process, one after another, so peak memory is its own and
  no two trainings share the cores. Results of each system are kept in
  benchmarks/results/recommend/<system>.json; the table is assembled from those of the same
  split and budget, so `--systems` can re-run one system without re-running the others.
- Latency: one recommendation with live state (a just-observed event) over a 50k-item
  catalog, on one core.
Writes benchmarks/results/recommend.json and the recommend section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import multiprocessing
import os
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from report import (
    RESULTS,
    chosen_names,
    log_to_stdout,
    machine_description,
    shown_path,
    update_docs,
    write_results,
)
from shopformer.data.sequences import PersonSequences
from shopformer.data.vocab import ShopVocabulary
from shopformer.eval.protocols import evaluate, rank_metrics, sample_negatives
from shopformer.eval.splits import leave_one_out

SEED = 2026
DATASET = "amazon_beauty"
SYSTEMS = ("shopformer", "recbole-sasrec", "recbole-bert4rec", "popularity", "itemknn", "als")
RUNS = RESULTS / "recommend"
BENCHMARK_KEY = "shopformer-benchmark-recommend-2026"
log = logging.getLogger("benchmarks.recommend")


@dataclass
class Split:
    """What every system gets: all sequences, the persons, their validation and test events,
    the item ids, and the popularity-sampled negatives of each person."""

    sequences: PersonSequences
    persons: np.ndarray
    valid_at: np.ndarray
    test_at: np.ndarray
    vocab: ShopVocabulary
    negatives: np.ndarray  # (persons, 100) item indices

    @property
    def num_items(self) -> int:
        """Size of the item index space, the two reserved indices included."""
        return len(self.vocab.items)

    @property
    def fingerprint(self) -> str:
        """The split's data, whatever order the persons come in: every person's item ids
        in time order (the last two are validation and test)."""
        value = self.vocab.items.value
        histories = sorted(" ".join(value(i) for i in self.sequences.items[
            self.sequences.offsets[p]:self.sequences.offsets[p + 1]]) for p in self.persons)
        return hashlib.sha256("\n".join(histories).encode()).hexdigest()[:16]

    @property
    def negatives_fingerprint(self) -> str:
        """The sampled negatives as drawn for these persons (depends on their order)."""
        value = self.vocab.items.value
        rows = sorted(" ".join([self.sequences.person_ids[p]] + [value(i) for i in row])
                      for p, row in zip(self.persons, self.negatives, strict=True))
        return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]


def load_split(root: Path, work: Path, max_persons: int | None = None) -> Split:
    """Beauty through the real ingest path (workspace, pseudonyms), then leave-one-out."""
    from shopformer.data.sequences import build_sequences
    from shopformer.workspace import Workspace

    # A fixed key for this benchmark's throwaway workspace: the same pseudonyms, so the same
    # person order and the same sampled negatives, in every run.
    os.environ["SHOPFORMER_PSEUDONYM_KEY"] = BENCHMARK_KEY
    with Workspace.init(work / "beauty") as shop:
        shop.ingest(root / "seqrec_amazon_beauty", adapter="seqrec")
        vocab = ShopVocabulary.build(shop.store)
        sequences = build_sequences(shop.store, vocab)
    if max_persons is not None:
        sequences = sequences.subset(np.arange(min(max_persons, len(sequences))))
    split = leave_one_out(sequences)
    popularity = np.bincount(split.train.items, minlength=len(vocab.items))
    negatives = sample_negatives(sequences, split.persons, popularity, 100, True, SEED)
    return Split(sequences, split.persons, split.valid_at, split.test_at, vocab, negatives)


# --- systems, each run in its own process --------------------------------------------------
def run_system(system: str, split: Split, budget_minutes: float, work: Path) -> dict:
    import torch

    log_to_stdout()  # this process's own log lines, as the parent's
    torch.set_num_threads(2)
    started = time.perf_counter()
    if system == "shopformer":
        result = _shopformer(split, budget_minutes)
    elif system.startswith("recbole-"):
        result = _recbole(system, split, budget_minutes, work)
    else:
        result = _baseline(system, split)
    result.setdefault("peak_rss_mb",
                      round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))
    result["wall_seconds"] = round(time.perf_counter() - started, 1)
    return result


def _metrics_of(scorer, split: Split) -> tuple[dict, dict]:
    test = evaluate(scorer, split.sequences, split.persons, split.test_at,
                    {"pop": split.negatives})
    valid = evaluate(scorer, split.sequences, split.persons, split.valid_at)
    return test, valid


def _shopformer(split: Split, budget_minutes: float) -> dict:
    from shopformer.tasks.recommend import next_item_training
    from shopformer.train.evaluate import history_scorer
    from shopformer.train.pretrain import PretrainData, Pretrainer

    # Training sees everything before each test event; the validation event is held out
    # by the trainer itself (its per-epoch metric, which picks the epoch and stops early).
    train = split.sequences.subset(split.persons, drop_last=1)
    config = next_item_training(max_minutes=budget_minutes, seed=SEED,
                                validation_persons=len(split.persons))
    bundle = Pretrainer(config).fit(PretrainData(split.vocab, train, [], []), show_progress=False)
    test, valid = _metrics_of(history_scorer(bundle.model, split.sequences), split)
    if bundle.metrics.get("finish"):
        # The finishing epoch learned the validation events; the validation score is the one
        # the best epoch was chosen by, before that (the same events, the same protocol).
        best = bundle.metrics["history"][bundle.metrics["best_epoch"] - 1]
        valid = {"ndcg@10_full": best["validation_ndcg@10"],
                 "hr@10_full": best["validation_hr@10"]}
    # Time since training began, validation passes included (as RecBole's curve counts).
    curve = [[epoch["elapsed_seconds"], epoch["validation_ndcg@10"]]
             for epoch in bundle.metrics["history"]]
    return {"test": test, "valid": valid, "train_seconds": bundle.metrics["train_seconds"],
            "curve": curve, "epochs": bundle.metrics["epochs"],
            "finish": bundle.metrics.get("finish"),
            "best_epoch": bundle.metrics["best_epoch"], "settings": config.to_dict()}


RECBOLE_MODELS = {"recbole-sasrec": "SASRec", "recbole-bert4rec": "BERT4Rec"}


def _recbole(system: str, split: Split, budget_minutes: float, work: Path) -> dict:
    from peers.recbole_peer import MODEL_CONFIGS, run_recbole

    item, seq = split.vocab.items.value, split.sequences
    names = [seq.person_ids[p] for p in split.persons]
    sequences = {name: [item(i) for i in seq.items[seq.offsets[p]:seq.offsets[p + 1]]]
                 for name, p in zip(names, split.persons, strict=True)}
    negatives = {name: [item(i) for i in row]
                 for name, row in zip(names, split.negatives, strict=True)}
    model = RECBOLE_MODELS[system]
    found = run_recbole(model, sequences, budget_minutes, work / system, negatives,
                        seed=SEED)

    def ranks(by_name: dict[str, int]) -> np.ndarray:
        return np.array([by_name[name] for name in names])

    full, sampled = ranks(found["test_ranks"]), ranks(found["test_sampled_ranks"])
    # The 100 negatives are among all items, so no sampled rank can exceed the full one:
    # a cheap proof that users and items were mapped to RecBole's ids and back correctly.
    if (sampled > full).any():
        raise RuntimeError(f"{system}: {(sampled > full).sum()} persons rank lower among 100 "
                           "negatives than among all items: an id mapping is broken")
    test = {**rank_metrics(full, 10, "full"), **rank_metrics(sampled, 10, "sampled100pop")}
    valid = rank_metrics(ranks(found["valid_ranks"]), 10, "full")
    return {"test": test, "valid": valid, "train_seconds": found["train_seconds"],
            "curve": found["curve"], "epochs": found["epochs"],
            "stopped_by": found["stopped_by"], "peak_rss_mb": found["peak_rss_mb"],
            "settings": {**MODEL_CONFIGS[model], "versions": found["versions"]},
            "recbole_own_test": found["recbole_test_metrics"]}


BASELINE_GRIDS = {
    "popularity": [{}],
    "itemknn": [{"neighbours": n, "shrink": s} for n in (50, 200) for s in (0.0, 10.0)],
    "als": [{"factors": f, "regularization": r} for f in (64, 128) for r in (0.05, 1.0)],
}


def _baseline(system: str, split: Split) -> dict:
    from shopformer.eval.baselines import ALS, ItemKNN, Popularity

    train = split.sequences.subset(split.persons, drop_last=2)
    num_items = split.num_items
    best: dict | None = None
    started = time.perf_counter()
    for settings in BASELINE_GRIDS[system]:
        if system == "popularity":
            scorer = Popularity().fit(train, num_items)
        elif system == "itemknn":
            scorer = ItemKNN(**settings).fit(train, num_items).scorer(split.sequences)
        else:
            rows = np.full(len(split.sequences), -1)
            rows[split.persons] = np.arange(len(split.persons))
            scorer = ALS(**settings, seed=SEED).fit(train, num_items).scorer(rows)
        valid = evaluate(scorer, split.sequences, split.persons, split.valid_at)
        log.info("%s %s: validation NDCG@10 %.5f", system, settings, valid["ndcg@10_full"])
        if best is None or valid["ndcg@10_full"] > best["valid"]["ndcg@10_full"]:
            best = {"valid": valid, "scorer": scorer, "settings": settings}
    assert best is not None
    test = evaluate(best["scorer"], split.sequences, split.persons, split.test_at,
                    {"pop": split.negatives})
    return {"test": test, "valid": best["valid"], "settings": best["settings"],
            "train_seconds": round(time.perf_counter() - started, 1), "curve": []}


# --- latency ------------------------------------------------------------------------------
def synthetic_shop(folder: Path, items: int, persons: int = 3000, events: int = 20,
                   seed: int = SEED) -> None:
    """A shop export with `items` products in 200 categories, sold on web/app/store, and
    `persons` histories of `events` events each (a tenth of them purchases)."""
    import csv

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    channels = ["web", "app", "store"]
    with (folder / "items.jsonl").open("w", encoding="utf-8") as out:
        for i in range(items):
            sold_on = [] if i % 3 else [channels[i % 2], "web"]
            out.write(json.dumps({"item_id": f"sku{i}", "title": f"product {i}",
                                  "category": f"dept{i % 20} > shelf{i % 200}",
                                  "price": round(float(rng.gamma(2.0, 20.0)), 2),
                                  "channels": sold_on}) + "\n")
    popularity = rng.zipf(1.3, size=persons * events) % items
    with (folder / "events.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["ts", "account", "channel", "type", "item_id"])
        for n, item in enumerate(popularity):
            person, k = divmod(n, events)
            kind = "purchase" if rng.random() < 0.1 else "view"
            writer.writerow([f"2026-10-01T00:{k // 60:02d}:{k % 60:02d}", f"p{person}",
                             channels[int(rng.integers(3))], kind, f"sku{item}"])


def latency(items: int = 50_000, calls: int = 300, minutes: float = 0.5) -> dict:
    """p50/p99 of `Recommender.recommend` with a just-observed event, one core: the person's
    history is re-encoded and all `items` scored, rules and reasons included."""
    import torch
    from threadpoolctl import threadpool_limits

    from shopformer.tasks.recommend import Recommender, next_item_training
    from shopformer.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp, threadpool_limits(1):  # numpy's BLAS too
        synthetic_shop(Path(tmp) / "export", items)
        with Workspace.init(Path(tmp) / "shop") as shop:
            shop.ingest(Path(tmp) / "export", adapter="shop")
            _, bundle = shop.pretrain(next_item_training(max_minutes=minutes, min_texts=10**9),
                                      show_progress=False)
            torch.set_num_threads(1)
            recommender = Recommender().fit(shop.store, bundle)
            persons = [shop.person_for_account("web", f"p{n}") for n in range(200)]
            rng = np.random.default_rng(SEED)
            times = []
            for call in range(calls + 20):
                person = persons[int(rng.integers(len(persons)))]
                recommender.observe(person, {"item_id": f"sku{int(rng.integers(items))}",
                                             "type": "view", "channel": "app"})
                began = time.perf_counter()
                recommender.recommend(person, k=10, channel="app")
                if call >= 20:  # warm-up calls are not counted
                    times.append((time.perf_counter() - began) * 1000)
    return {"recommend_ms_p50": round(float(np.percentile(times, 50)), 2),
            "recommend_ms_p99": round(float(np.percentile(times, 99)), 2), "calls": calls,
            "items": items}


# --- results ------------------------------------------------------------------------------
def save_run(system: str, result: dict, split: Split, budget: float, command: str) -> None:
    RUNS.mkdir(parents=True, exist_ok=True)
    payload = {"system": system, "split": split.fingerprint,
               "negatives": split.negatives_fingerprint, "budget_minutes": budget,
               "date": date.today().isoformat(), "command": command, **result}
    (RUNS / f"{system}.json").write_text(json.dumps(payload, indent=1) + "\n")


def load_runs(split: Split, budget: float) -> dict[str, dict]:
    runs = {}
    for system in SYSTEMS:
        path = RUNS / f"{system}.json"
        if path.exists():
            run = json.loads(path.read_text())
            if run["split"] == split.fingerprint and run["budget_minutes"] == budget:
                runs[system] = run
    return runs


def rows_and_table(runs: dict[str, dict], timing: dict | None, negatives: str | None = None
                   ) -> tuple[list[dict], str]:
    """Result rows and the markdown table; a run whose sampled negatives were other draws
    (from the same distribution) than `negatives` is marked †."""
    rows: list[dict] = []

    def row(system: str, dataset: str, metric: str, value: float, split: str) -> None:
        rows.append({"system": system, "dataset": dataset, "split": split, "metric": metric,
                     "value": round(float(value), 5)})

    lines = ["| system | NDCG@10 full | HR@10 full | MRR full | NDCG@10 100 pop. neg. | "
             "HR@10 100 pop. neg. | validation NDCG@10 | training | peak RSS | run |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for system, run in runs.items():
        test, valid = run["test"], run["valid"]
        for metric in ("hr@10_full", "ndcg@10_full", "mrr_full", "hr@10_sampled100pop",
                       "ndcg@10_sampled100pop"):
            row(system, DATASET, metric, test[metric], "test")
        row(system, DATASET, "ndcg@10_full", valid["ndcg@10_full"], "validation")
        row(system, DATASET, "train_seconds", run["train_seconds"], "train")
        row(system, DATASET, "peak_rss_mb", run["peak_rss_mb"], "train")
        mark = " †" if negatives and run.get("negatives") != negatives else ""
        lines.append(
            f"| {system} | {test['ndcg@10_full']:.4f} | {test['hr@10_full']:.4f} | "
            f"{test['mrr_full']:.4f} | {test['ndcg@10_sampled100pop']:.4f}{mark} | "
            f"{test['hr@10_sampled100pop']:.4f}{mark} | {valid['ndcg@10_full']:.4f} | "
            f"{run['train_seconds'] / 60:.1f} min | {run['peak_rss_mb']:,.0f} MB | "
            f"{run['date']} |")
    if timing:
        for metric in ("recommend_ms_p50", "recommend_ms_p99"):
            row("shopformer", "synthetic_50k", metric, timing[metric], "serve")
    return rows, "\n".join(lines)


def curves_text(runs: dict[str, dict]) -> str:
    out = []
    for system, run in runs.items():
        if run.get("curve"):
            points = ", ".join(f"{s / 60:.1f} min {v:.4f}" for s, v in run["curve"])
            out.append(f"- {system}: {points}")
    return "\n".join(out)


def plot_curves(runs: dict[str, dict], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    figure, axis = plt.subplots(figsize=(7, 4))
    for system, run in runs.items():
        if run.get("curve"):
            minutes = [s / 60 for s, _ in run["curve"]]
            axis.plot(minutes, [v for _, v in run["curve"]], marker=".", label=system)
    axis.set_xlabel("training minutes (2 CPU cores)")
    axis.set_ylabel("validation NDCG@10 (full ranking)")
    axis.set_title("Amazon Beauty, same wall-clock budget")
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--budget-minutes", type=float, default=30.0,
                        help="wall-clock training budget of each trained system")
    parser.add_argument("--systems", default=",".join(SYSTEMS),
                        help=f"comma-separated subset of {','.join(SYSTEMS)}")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--smoke", action="store_true",
                        help="2,000 persons, tiny budgets, nothing written: checks it runs")
    args = parser.parse_args()
    systems = chosen_names(args.systems, SYSTEMS, "systems")
    log_to_stdout()
    budget = 0.3 if args.smoke else args.budget_minutes
    command = (f"python benchmarks/recommend.py --data {shown_path(args.data)} "
               f"--budget-minutes {budget:g}")
    with tempfile.TemporaryDirectory(prefix="recommend-bench-") as tmp:
        work = Path(tmp)
        split = load_split(args.data, work, 2000 if args.smoke else None)
        log.info("split %s: %d persons, %d items, %d events", split.fingerprint,
                 len(split.persons), split.num_items - 2, split.sequences.events)
        spawn = multiprocessing.get_context("spawn")
        for system in systems:
            log.info("--- %s (budget %g min)", system, budget)
            with ProcessPoolExecutor(1, mp_context=spawn) as pool:
                result = pool.submit(run_system, system, split, budget, work).result()
            log.info("%s: test %s, %.0f s, peak %.0f MB", system,
                     {k: round(v, 4) for k, v in result["test"].items()},
                     result["train_seconds"], result["peak_rss_mb"])
            if not args.smoke:
                save_run(system, result, split, budget, command)
    if args.smoke:
        if not args.skip_latency:
            print("latency, 2,000 items:", latency(items=2000, calls=20, minutes=0.05))
        return
    timing = None if args.skip_latency else latency()
    runs = load_runs(split, budget)
    rows, table = rows_and_table(runs, timing, split.negatives_fingerprint)
    write_results("recommend", command, rows)
    plotted = plot_curves(runs, Path(__file__).resolve().parents[1] / "docs" / "images"
                          / "recommend_curves.png")
    body = "\n".join([
        f"Leave-one-out on {len(split.persons):,} persons, {split.num_items - 2:,} items "
        f"(split {split.fingerprint}); {budget:g} min wall-clock training budget per trained "
        "system, 2 CPU threads each, one system at a time.",
        "",
        table,
        "",
        ("† sampled negatives: other draws from the same popularity distribution (an earlier "
         "run of this script, before its person order was made fixed); the full-ranking "
         "columns are unaffected." if "†" in table else ""),
        "",
        "Validation NDCG@10 over training time:",
        "",
        curves_text(runs),
        "",
        "![validation curves](images/recommend_curves.png)" if plotted else "",
        "",
        (f"Latency: `Recommender.recommend` with a just-observed event, 50,000 items, one "
         f"core: p50 {timing['recommend_ms_p50']} ms, p99 {timing['recommend_ms_p99']} ms "
         f"over {timing['calls']} calls.") if timing else "",
    ])
    update_docs("recommend", "Recommendation: Amazon Beauty against RecBole", command, body,
                machine_description())


if __name__ == "__main__":
    main()
