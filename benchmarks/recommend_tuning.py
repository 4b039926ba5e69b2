"""How Shopformer's next-item settings were chosen: variants of `next_item_training()` on
Amazon Beauty's validation events only (the test event is never looked at here).

    python benchmarks/recommend_tuning.py [--minutes 12] [--parallel 2] [--variants a,b]

Every variant trains on the benchmark's split (benchmarks/recommend.py) with the same
wall-clock budget and is scored by validation NDCG@10 (full ranking) at its best epoch.
With `--finishing`, variants that learn from the held-out events after choosing their
epoch (`finish_epochs`) can be compared too: training then stops before each person's
validation event, the trainer holds out the event before it to choose the epoch, and the
finished model is scored on the validation event — still never the test event.
With `--parallel 2` two variants train at once on one core each: slower than one on two
cores, the same for every variant, so the comparison stays fair while the search takes half
the time. Writes benchmarks/results/recommend_tuning.json and a section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from recommend import DATASET, SEED, Split, load_split
from report import (
    chosen_names,
    log_to_stdout,
    machine_description,
    shown_path,
    update_docs,
    write_results,
)

log = logging.getLogger("benchmarks.recommend_tuning")

# name → overrides of next_item_training(); "preset" is the preset as it stands.
VARIANTS: dict[str, dict] = {
    "preset": {},
    "item-norm-off": {"item_norm": False},
    "logq-batch": {"logq_frequency": False},  # the preset before 2026-12-02
    "dropout-0.3": {"dropout": 0.3},
    "heads-1": {"heads": 1},
    "hidden-128": {"hidden": 128},
    "masked-and-next": {"objectives": {"masked_event": 1.0, "next_event": 1.0,
                                       "masked_language": 0.0, "text_item_alignment": 0.0}},
    "negatives-16k": {"negatives": 16384},
    "lr-2e-3": {"learning_rate": 2e-3},
    "lr-decay-0.5": {"lr_decay": 0.5},
    "finish-1": {"finish_epochs": 1},
}


def run_variant(name: str, split: Split, minutes: float, threads: int, finishing: bool
                ) -> dict:
    import torch

    from shopformer.eval.protocols import evaluate
    from shopformer.tasks.recommend import next_item_training
    from shopformer.train.evaluate import history_scorer
    from shopformer.train.pretrain import PretrainData, Pretrainer

    torch.set_num_threads(threads)
    # The trainer holds out each person's last training event to pick the epoch: the
    # validation event itself, or with `finishing` the one before it.
    train = split.sequences.subset(split.persons, drop_last=2 if finishing else 1)
    config = next_item_training(max_minutes=minutes, seed=SEED, threads=threads,
                                validation_persons=len(split.persons), **VARIANTS[name])
    bundle = Pretrainer(config).fit(PretrainData(split.vocab, train, [], []),
                                    show_progress=False)
    metrics = bundle.metrics
    score = metrics["validation_ndcg@10"]
    if finishing:
        score = evaluate(history_scorer(bundle.model, split.sequences), split.sequences,
                         split.persons, split.valid_at)["ndcg@10_full"]
    return {"variant": name, "overrides": VARIANTS[name], "validation_ndcg@10": score,
            "best_epoch": metrics["best_epoch"], "epochs": metrics["epochs"],
            "train_seconds": metrics["train_seconds"],
            "curve": [[e["elapsed_seconds"], e["validation_ndcg@10"]]
                      for e in metrics["history"]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--minutes", type=float, default=12.0, help="budget per variant")
    parser.add_argument("--parallel", type=int, default=2, choices=(1, 2))
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--finishing", action="store_true",
                        help="train up to the event before validation (see above)")
    args = parser.parse_args()
    names = chosen_names(args.variants, VARIANTS, "variants")
    log_to_stdout()
    threads = max(1, (os.cpu_count() or 2) // args.parallel)
    with tempfile.TemporaryDirectory(prefix="recommend-tuning-") as tmp:
        split = load_split(args.data, Path(tmp))
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(args.parallel, mp_context=spawn) as pool:
        futures = [pool.submit(run_variant, name, split, args.minutes, threads,
                               args.finishing) for name in names]
        results = []
        for future in futures:
            results.append(future.result())
            log.info("%s", results[-1])
    command = (f"python benchmarks/recommend_tuning.py --data {shown_path(args.data)} "
               f"--minutes {args.minutes:g} --parallel {args.parallel} "
               f"--variants {','.join(names)}" + " --finishing" * args.finishing)
    rows = [{"system": f"shopformer:{r['variant']}", "dataset": DATASET, "split": "validation",
             "metric": "ndcg@10_full", "value": r["validation_ndcg@10"]} for r in results]
    write_results("recommend_tuning", command, rows)
    lines = ["| variant | overrides of `next_item_training()` | validation NDCG@10 | "
             "best epoch / epochs |", "|---|---|---:|---:|"]
    for r in sorted(results, key=lambda r: -r["validation_ndcg@10"]):
        lines.append(f"| {r['variant']} | `{r['overrides'] or 'as it stands'}` | "
                     f"{r['validation_ndcg@10']:.4f} | {r['best_epoch']} / {r['epochs']} |")
    body = "\n".join([
        f"Validation events only (split {split.fingerprint}); {args.minutes:g} min per "
        f"variant, {threads} thread(s) each, {args.parallel} at a time."
        + (" Trained up to the event before validation; the finished model scored on the "
           "validation event." if args.finishing else ""), "", *lines])
    update_docs("recommend_tuning", "Recommendation: how the next-item settings were chosen",
                command, body, machine_description())


if __name__ == "__main__":
    main()
