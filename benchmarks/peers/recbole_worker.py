"""Train one RecBole 1.2 sequential model in a wall-clock budget; write ranks in OUR protocol.

Runs with the RecBole venv's python (see recbole_env.py), never in shopformer's environment:
it imports only recbole, torch, numpy and the standard library.

    .venvs/recbole/bin/python recbole_worker.py JOB.json

Job JSON:
  model            "SASRec" | "BERT4Rec"
  data_dir         directory holding `<dir name>.inter` (user_id:token item_id:token
                   timestamp:float; timestamps strictly increasing per user)
  output           where the result JSON goes
  budget_seconds   wall clock for training + per-epoch validation
  seed, patience (evaluations without improvement before stopping), threads
  eval_batch_size  users scored at once (each row holds a score for every item)
  config           RecBole model settings (hidden_size, n_layers, MAX_ITEM_LIST_LENGTH, ...);
                   the protocol keys in PROTOCOL_KEYS may not be set here
  negatives_path   optional JSON {user token: [100 item tokens]} for the sampled protocol

Output JSON: model, train_seconds (training + per-epoch validation), epochs (fractional when
the budget cut the last one), stopped_by ("budget" | "early_stopping"), curve [[seconds,
validation NDCG@10], ...], epoch_log (per epoch: batches, loss, seconds, NDCG@10),
best_valid_ndcg@10, setup_seconds, total_seconds, peak_rss_mb, n_users, n_items,
n_train_samples, recbole_test_metrics (RecBole's own evaluator on the kept model, a
cross-check), versions, config, and per ORIGINAL user token: test_ranks, valid_ranks (both
from the kept best-validation model) and test_sampled_ranks (0-based rank of the target among
itself and its listed negatives, ties against it; empty without a list).

Ranks are 0-based among all real items (RecBole's padding id 0 excluded), history items
NOT removed, ties counted against the target: rank = #{other items with score >= s}.
Validation = second-last item per user, test = last (RecBole `LS` leave-one-out, time order).
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import resource
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from recbole.config import Config
from recbole.data import create_dataset, data_preparation
from recbole.utils import get_model, get_trainer, init_seed

log = logging.getLogger("recbole_worker")

PROTOCOL_KEYS = ("eval_args", "load_col", "data_path", "checkpoint_dir", "seed", "epochs",
                 "train_neg_sample_args", "valid_metric", "USER_ID_FIELD", "ITEM_ID_FIELD",
                 "TIME_FIELD", "use_gpu", "gpu_id")


class PlainFormatter(logging.Formatter):
    """RecBole colours its log text; the log file should stay readable."""

    def format(self, record: logging.LogRecord) -> str:
        return re.sub(r"\x1b\[[0-9;]*m", "", super().format(record))


def recbole_config(job: dict, job_dir: Path) -> dict:
    """Fixed protocol settings, then the job's model settings (which may not override them)."""
    clash = sorted(set(job.get("config", {})) & set(PROTOCOL_KEYS))
    if clash:
        raise ValueError(f"job config may not set protocol keys {clash}")
    data_dir = Path(job["data_dir"]).resolve()
    return {
        "data_path": str(data_dir.parent),
        "checkpoint_dir": str(job_dir / "checkpoints"),
        "USER_ID_FIELD": "user_id", "ITEM_ID_FIELD": "item_id", "TIME_FIELD": "timestamp",
        "load_col": {"inter": ["user_id", "item_id", "timestamp"]},
        "eval_args": {"split": {"LS": "valid_and_test"}, "order": "TO", "group_by": "user",
                      "mode": "full"},
        "train_neg_sample_args": None,
        "metrics": ["NDCG", "Hit", "MRR"], "topk": [10], "valid_metric": "NDCG@10",
        "epochs": 1_000_000,  # the wall-clock budget and early stopping end training
        "stopping_step": int(job.get("patience", 3)),
        "eval_batch_size": int(job.get("eval_batch_size", 256)),
        "seed": int(job.get("seed", 2026)), "reproducibility": True,
        "show_progress": False, "worker": 0, "use_gpu": False, "gpu_id": "",
        "save_dataset": False, "save_dataloaders": False, "log_wandb": False,
        **job.get("config", {}),
    }


class BudgetedBatches:
    """Yields a loader's batches until the deadline; at least one, so every epoch learns."""

    def __init__(self, loader, deadline: float) -> None:
        self.loader, self.deadline = loader, deadline
        self.done, self.cut = 0, False

    def __iter__(self) -> Iterator:
        for batch in self.loader:
            if self.done and time.monotonic() >= self.deadline:
                self.cut = True
                return
            self.done += 1
            yield batch


@torch.no_grad()
def target_ranks(model, loader, uid_field: str, iid_field: str,
                 negatives: np.ndarray | None = None) -> tuple[dict[int, int], dict[int, int]]:
    """Full-ranking ranks (and sampled ranks if `negatives` rows are given) per internal user."""
    model.eval()
    full, sampled = {}, {}
    for interaction, _history, _pos_u, _pos_i in loader:
        scores = model.full_sort_predict(interaction)  # (B, n_items), column 0 = padding
        scores[:, 0] = -math.inf
        users = interaction[uid_field]
        target = scores.gather(1, interaction[iid_field].unsqueeze(1))  # (B, 1)
        rank = (scores >= target).sum(1) - 1  # the target itself is one of the >=
        full.update(zip(users.tolist(), rank.tolist(), strict=True))
        if negatives is not None:
            rows = torch.from_numpy(negatives[users.numpy()])  # (B, 100), -1 = no list
            known = (rows[:, 0] >= 0).numpy()
            neg = scores.gather(1, rows.clamp(min=0))
            rank = (neg >= target).sum(1)
            sampled.update((u, r) for u, r, k in zip(users.tolist(), rank.tolist(), known,
                                                     strict=True) if k)
    return full, sampled


def ndcg_at_10(ranks: dict[int, int]) -> float:
    return float(np.mean([1 / math.log2(r + 2) if r < 10 else 0.0 for r in ranks.values()]))


def negative_rows(path: str | None, dataset, uid_field: str, iid_field: str) -> np.ndarray | None:
    """Internal item ids of each user's sampled negatives; -1 rows for users without a list."""
    if not path:
        return None
    lists = json.loads(Path(path).read_text())
    width = max(len(v) for v in lists.values())
    rows = np.full((dataset.user_num, width), -1, dtype=np.int64)
    for user, items in lists.items():
        if len(items) != width:
            raise ValueError(f"negatives for user {user}: {len(items)} items, expected {width}")
        rows[dataset.token2id(uid_field, user)] = dataset.token2id(iid_field, list(items))
    return rows


def train(trainer, train_data, valid_data, fields: tuple[str, str], budget: float,
          patience: int) -> dict:
    """Epochs until the budget or `patience` evaluations without a better validation NDCG@10.

    The budget covers training and the per-epoch validation; an epoch the budget cuts short
    is still validated, so that pass may end past the budget.
    """
    start = time.monotonic()
    deadline = start + budget
    best = {"ndcg": -1.0, "state": None, "valid_ranks": None}
    curve, epoch_log, epochs, stale = [], [], 0.0, 0
    trainer.eval_collector.data_collect(train_data)
    while True:
        batches, epoch_start = BudgetedBatches(train_data, deadline), time.monotonic()
        loss = trainer._train_epoch(batches, len(epoch_log))
        epochs += batches.done / len(train_data)
        valid_start = time.monotonic()
        valid_ranks, _ = target_ranks(trainer.model, valid_data, *fields)
        ndcg = ndcg_at_10(valid_ranks)
        curve.append([round(time.monotonic() - start, 1), round(ndcg, 5)])
        epoch_log.append({"epochs": round(epochs, 3), "batches": batches.done,
                          "mean_loss": round(loss / batches.done, 4),
                          "train_seconds": round(valid_start - epoch_start, 1),
                          "valid_seconds": round(time.monotonic() - valid_start, 1),
                          "valid_ndcg@10": round(ndcg, 5)})
        log.info("epoch %.2f: %s", epochs, epoch_log[-1])
        if ndcg > best["ndcg"]:
            state = {k: v.detach().clone() for k, v in trainer.model.state_dict().items()}
            best, stale = {"ndcg": ndcg, "state": state, "valid_ranks": valid_ranks}, 0
        else:
            stale += 1
        stopped_by = ("budget" if batches.cut or time.monotonic() >= deadline
                      else "early_stopping" if stale >= patience else None)
        if stopped_by:
            break
    return {**best, "curve": curve, "epoch_log": epoch_log, "epochs": round(epochs, 3),
            "train_seconds": round(time.monotonic() - start, 1), "stopped_by": stopped_by}


def run(job: dict, job_dir: Path) -> dict:
    started = time.monotonic()
    torch.set_num_threads(int(job.get("threads", os.cpu_count() or 1)))
    data_dir = Path(job["data_dir"]).resolve()
    if not (data_dir / f"{data_dir.name}.inter").is_file():
        raise FileNotFoundError(f"{data_dir / (data_dir.name + '.inter')} is missing")
    config = Config(model=job["model"], dataset=data_dir.name,
                    config_dict=recbole_config(job, job_dir))
    init_seed(config["seed"], config["reproducibility"])
    dataset = create_dataset(config)
    log.info("%s", dataset)
    train_data, valid_data, test_data = data_preparation(config, dataset)
    init_seed(config["seed"], config["reproducibility"])
    model = get_model(config["model"])(config, train_data._dataset).to(config["device"])
    trainer = get_trainer(config["MODEL_TYPE"], config["model"])(config, model)
    fields = (dataset.uid_field, dataset.iid_field)
    setup_seconds = time.monotonic() - started

    result = train(trainer, train_data, valid_data, fields, float(job["budget_seconds"]),
                   config["stopping_step"])
    model.load_state_dict(result["state"])
    negatives = negative_rows(job.get("negatives_path"), dataset, *fields)
    test_ranks, sampled = target_ranks(model, test_data, *fields, negatives)
    # RecBole's own evaluator on the same model: a cross-check of our ranks (for sequential
    # models it also keeps history items; it breaks ties by torch.topk order).
    recbole_test = {k: float(v) for k, v in
                    trainer.evaluate(test_data, load_best_model=False).items()}
    tokens = dataset.field2id_token[dataset.uid_field]

    def by_token(ranks: dict[int, int]) -> dict[str, int]:
        return {str(tokens[u]): int(r) for u, r in ranks.items()}

    return {
        "model": job["model"], "train_seconds": result["train_seconds"],
        "epochs": result["epochs"], "stopped_by": result["stopped_by"],
        "curve": result["curve"], "epoch_log": result["epoch_log"],
        "best_valid_ndcg@10": round(result["ndcg"], 5),
        "setup_seconds": round(setup_seconds, 1),
        "total_seconds": round(time.monotonic() - started, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "n_users": dataset.user_num - 1, "n_items": dataset.item_num - 1,
        "n_train_samples": len(train_data._dataset),
        "rank_protocol": "0-based among all items, history kept, ties against the target",
        "recbole_test_metrics": recbole_test,
        "versions": {"recbole": sys.modules["recbole"].__version__,
                     "torch": torch.__version__, "numpy": np.__version__},
        "config": {k: config[k] for k in sorted(job.get("config", {}))},
        "test_ranks": by_token(test_ranks), "valid_ranks": by_token(result["valid_ranks"]),
        "test_sampled_ranks": by_token(sampled),
    }


def main() -> None:
    # RecBole reloads its own pickled checkpoints, which torch >= 2.6 refuses by default;
    # torch reads this variable at each torch.load call, so setting it here is early enough.
    os.environ.setdefault("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(PlainFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    # pandas and torch deprecation notices about RecBole's own code, once per run: noise here.
    warnings.filterwarnings("ignore", category=FutureWarning)
    job_path = Path(sys.argv[1]).resolve()
    sys.argv = sys.argv[:1]  # RecBole's Config reads `--key=value` pairs from the command line
    job = json.loads(job_path.read_text())
    os.chdir(job_path.parent)  # RecBole writes log_tensorboard/ into the working directory
    output = Path(job["output"])
    result = run(job, job_path.parent)
    tmp = output.with_suffix(".tmp")
    tmp.write_text(json.dumps(result))
    tmp.replace(output)
    log.info("wrote %s: %d test ranks in %.0fs", output, len(result["test_ranks"]),
             result["total_seconds"])


if __name__ == "__main__":
    main()
