"""RecBole 1.2 SASRec and BERT4Rec on exactly our split, scored with our rank protocol.

`run_recbole` runs in shopformer's environment: it writes the sequences as a RecBole atomic
file, then trains in RecBole's own venv (recbole_env.py) through recbole_worker.py, because
RecBole needs numpy<2 and pandas<2.3. The worker's ranks are 0-based among all items,
history items kept, ties counted against the target, keyed by our user ids.

    python benchmarks/peers/recbole_peer.py --smoke [--users 3000] [--minutes 1]
                                            [--full-minutes 3]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import subprocess
import sys
import tempfile
from collections import deque
from pathlib import Path

if __package__:
    from .recbole_env import DEFAULT_ROOT, ensure_env, subprocess_env
else:  # run as a script: python benchmarks/peers/recbole_peer.py
    from recbole_env import DEFAULT_ROOT, ensure_env, subprocess_env

log = logging.getLogger("benchmarks.peers.recbole")
WORKER = Path(__file__).with_name("recbole_worker.py")
BEAUTY = Path(__file__).resolve().parents[3] / "shared" / "data" / "seqrec_amazon_beauty"

_SHARED = {"MAX_ITEM_LIST_LENGTH": 50, "hidden_size": 64, "inner_size": 256, "n_layers": 2,
           "n_heads": 2, "learning_rate": 1e-3, "train_batch_size": 256, "loss_type": "CE"}
# RecBole's own defaults. BERT4Rec's authors masked 0.6 for Beauty (masked_lm_prob in
# FeiSun/BERT4Rec run_beauty.sh), but with RecBole's full-catalog CE on every masked position
# that could not finish one epoch in a 30-minute CPU budget (validation NDCG@10 0.0033 on
# 2026-11-23); RecBole's default 0.2 trains three times fewer positions per sequence.
MODEL_CONFIGS: dict[str, dict] = {
    "SASRec": {**_SHARED, "hidden_dropout_prob": 0.5, "attn_dropout_prob": 0.5},
    "BERT4Rec": {**_SHARED, "hidden_dropout_prob": 0.2, "attn_dropout_prob": 0.2,
                 "mask_ratio": 0.2},
}


def write_inter(sequences: dict[str, list[str]], path: Path) -> None:
    """One row per event; timestamp = position, so RecBole's time order is our order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        out.write("user_id:token\titem_id:token\ttimestamp:float\n")
        for user, items in sequences.items():
            if len(items) < 3:
                raise ValueError(f"user {user!r} has {len(items)} events; leave-one-out "
                                 "with validation needs at least 3")
            for position, item in enumerate(items):
                if any(c in f"{user}{item}" for c in "\t\n\r"):
                    raise ValueError(f"user {user!r} / item {item!r}: ids may not hold tabs "
                                     "or line breaks")
                out.write(f"{user}\t{item}\t{position}\n")


def run_recbole(model: str, sequences: dict[str, list[str]], budget_minutes: float,
                work_dir: Path, negatives: dict[str, list[str]] | None = None,
                seed: int = 2026, *, config: dict | None = None, patience: int = 3,
                threads: int | None = None, env_root: Path = DEFAULT_ROOT) -> dict:
    """Train `model` for at most `budget_minutes` (early stopping on validation NDCG@10 inside
    it) and return the worker's result: ranks per user, validation curve, seconds, memory."""
    if model not in MODEL_CONFIGS:
        raise ValueError(f"unknown RecBole model {model!r}; known: {sorted(MODEL_CONFIGS)}")
    work_dir = Path(work_dir).resolve()
    python = ensure_env(env_root)
    write_inter(sequences, work_dir / "beauty" / "beauty.inter")
    job = {"model": model, "data_dir": str(work_dir / "beauty"),
           "output": str(work_dir / f"{model}.result.json"),
           "budget_seconds": budget_minutes * 60, "seed": seed, "patience": patience,
           "threads": threads or os.cpu_count() or 1,
           "config": {**MODEL_CONFIGS[model], **(config or {})}}
    if negatives is not None:
        job["negatives_path"] = str(work_dir / "negatives.json")
        Path(job["negatives_path"]).write_text(json.dumps(negatives))
    job_path = work_dir / f"{model}.job.json"
    job_path.write_text(json.dumps(job, indent=1))
    # A hung worker is cut off long after its own budget would have ended it.
    _run_worker(python, job_path, work_dir / f"{model}.log", job["threads"],
                timeout=budget_minutes * 60 * 2 + 3600)
    return json.loads(Path(job["output"]).read_text())


def _run_worker(python: Path, job_path: Path, log_path: Path, threads: int,
                timeout: float) -> None:
    """Run the worker, copying its output to `log_path`; raise with the log's tail if it fails."""
    env = {**subprocess_env(), "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1",
           "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads),
           "PYTHONUNBUFFERED": "1"}
    tail: deque[str] = deque(maxlen=40)
    with log_path.open("w", encoding="utf-8") as log_file, subprocess.Popen(
            [str(python), str(WORKER), str(job_path)], stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, env=env, cwd=job_path.parent) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            log_file.write(line)
            log_file.flush()
            tail.append(line)
            if " recbole_worker: " in line:
                log.info("%s", line.rstrip().split(" recbole_worker: ", 1)[1])
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
    if code != 0:
        raise RuntimeError(f"RecBole worker failed (exit {code}); full log: {log_path}\n"
                           + "".join(tail))


# --- smoke check --------------------------------------------------------------------------
def read_beauty(path: Path, max_users: int | None = None) -> dict[str, list[str]]:
    """`user item` lines grouped by user in time order -> user -> items."""
    sequences: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            user, item = line.split()
            if user not in sequences and max_users is not None and len(sequences) == max_users:
                break
            sequences.setdefault(user, []).append(item)
    return sequences


def uniform_negatives(sequences: dict[str, list[str]], n: int = 100,
                      seed: int = 2026) -> dict[str, list[str]]:
    """n items per user, uniformly among those the user never touched (exercises the path)."""
    rng = random.Random(seed)
    items = sorted({i for seq in sequences.values() for i in seq})
    negatives = {}
    for user, seq in sequences.items():
        seen, picked = set(seq), set()
        while len(picked) < n:
            item = rng.choice(items)
            if item not in seen:
                picked.add(item)
        negatives[user] = sorted(picked)
    return negatives


def ranking_summary(ranks: dict[str, int]) -> dict[str, float]:
    values = list(ranks.values())
    return {"ndcg@10": sum(1 / math.log2(r + 2) for r in values if r < 10) / len(values),
            "hr@10": sum(r < 10 for r in values) / len(values),
            "mrr": sum(1 / (r + 1) for r in values) / len(values)}


def _report(result: dict) -> None:
    full, sampled = ranking_summary(result["test_ranks"]), result["test_sampled_ranks"]
    print(f"{result['model']}: {result['epochs']} epochs in {result['train_seconds']}s "
          f"(stopped by {result['stopped_by']}), setup {result['setup_seconds']}s, "
          f"peak RSS {result['peak_rss_mb']} MB, {result['n_users']} users, "
          f"{result['n_items']} items, {result['n_train_samples']} training samples")
    print(f"  validation curve [s, NDCG@10]: {result['curve']}")
    for epoch in result["epoch_log"]:
        print(f"    {epoch}")
    print("  test full ranking:  " + ", ".join(f"{k} {v:.4f}" for k, v in full.items()))
    print("  RecBole's own test: " + ", ".join(
        f"{k} {v:.4f}" for k, v in result["recbole_test_metrics"].items()))
    if sampled:
        print("  test 100 uniform negatives: " + ", ".join(
            f"{k} {v:.4f}" for k, v in ranking_summary(sampled).items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="train both models on a slice")
    parser.add_argument("--data", type=Path, default=BEAUTY)
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--full-minutes", type=float, default=0.0,
                        help="then SASRec on the whole file for this budget (0: skip)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--work-dir", type=Path, default=None,
                        help="keep job files and logs here (default: a temporary directory)")
    args = parser.parse_args()
    if not args.smoke and not args.full_minutes:
        parser.error("nothing to do: give --smoke and/or --full-minutes")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    ensure_env()
    with tempfile.TemporaryDirectory(prefix="recbole-peer-") as tmp:
        tmp = args.work_dir or tmp
        if args.smoke:
            sequences = read_beauty(args.data / "beauty.txt", args.users)
            negatives = uniform_negatives(sequences)
            for model in MODEL_CONFIGS:
                _report(run_recbole(model, sequences, args.minutes, Path(tmp) / "slice",
                                    negatives, threads=args.threads))
        if args.full_minutes:
            sequences = read_beauty(args.data / "beauty.txt")
            _report(run_recbole("SASRec", sequences, args.full_minutes, Path(tmp) / "full",
                                threads=args.threads))


if __name__ == "__main__":
    main()
