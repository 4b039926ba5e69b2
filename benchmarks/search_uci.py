"""Purchase prediction on UCI Online Shoppers Intention: Shopformer's calibrated probability
head (the pCVR path of the AdRanker) against LightGBM, on the same five splits.

    python benchmarks/search_uci.py [--data ../shared/data/purchase_intent_uci] [--seeds 2026,2027]

- Data: 12,330 sessions, target `Revenue` (15.5 % true); 10 numeric session features,
  Weekend as 0/1, and Month, OperatingSystems, Browser, Region, TrafficType, VisitorType as
  categories (SOURCE.md beside the CSV).
- Splits: stratified 80/20, five of them (seeds 2026–2030); each test part is scored once,
  at the end. Both systems see only the 80 % of a split: LightGBM early-stops on a
  stratified 20 % of it (same seed), Shopformer's members on their own fifth of it each
  (cross-fitting, below). The recorded numbers are the means over the five splits, each
  split's numbers are in the table. One split is too few for calibration: ECE on 2,466
  test rows in 15 bins is about 0.016 for a perfectly calibrated model, and the two
  systems' ECE on the first split (seed 2026) differed by 0.001, well inside that noise.
  The settings below were chosen on inner splits of seed 2026's training part, which
  overlaps the other seeds' test parts: a mild optimism for those four, on a handful of
  architecture choices (no weights or thresholds come from them).
- shopformer: `fit_probability_model` as the AdRanker calls it (feature transforms,
  embeddings, seed ensemble, Platt calibration on held-out logits): its default settings
  with 5 ensemble members, cross-fitted. These were chosen on inner splits of the 80 %
  training part (75/25, seeds 11–15), never on the test part: periodic numeric embeddings
  (16 dims, frequency scale 0.05), a (64, 32) MLP and 5 members beat the plain MLP, wider
  layers, isotonic calibration and dropping the zero indicators there. Cross-fitting
  (`cross_fit`: member k early-stops on fold k of 5, Platt fitted on every training row's
  out-of-fold logit) was chosen the same way: mean over 15 inner splits (seeds 11–25),
  hold-out → cross-fit, AUC +0.0010 ± 0.0003, log-loss −0.0016 ± 0.0005, ECE −0.0013 ± 0.0009
  (not significant: a perfectly calibrated model scores about 0.016 on 2,466 rows in 15
  bins). On seeds 11–15: AUC 0.9330 → 0.9336, log-loss 0.2258 → 0.2243, ECE 0.0154 → 0.0156;
  LightGBM 0.9306, 0.2316, 0.0181. Temperature, isotonic and rescaling the out-of-fold
  logits to the averaged logits' spread (only 1.5 % less spread) did not help consistently.
- lightgbm: LGBMClassifier, library defaults except the number of trees, chosen by early
  stopping on validation log-loss; the category columns as LightGBM categories; its
  probabilities as they come (no calibration).
- Metrics on test: ROC AUC, log-loss, ECE with 15 equal-width bins; training wall-clock.
Prints the table; `run()` returns the rows (means over the splits) for a caller that writes
the results.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pyarrow.csv as pv
import torch

from shopformer.metrics.calibration import expected_calibration_error, log_loss, roc_auc
from shopformer.train.tabular import (
    TabularTrainingConfig,
    fit_probability_model,
    stratified_split,
)
from shopformer.train.tabular_features import as_columns, label_column

DATASET = "uci_shoppers"
FILE = "online_shoppers_intention.csv"
TARGET = "Revenue"
NUMERIC = ("Administrative", "Administrative_Duration", "Informational",
           "Informational_Duration", "ProductRelated", "ProductRelated_Duration", "BounceRates",
           "ExitRates", "PageValues", "SpecialDay", "Weekend")
CATEGORICAL = ("Month", "OperatingSystems", "Browser", "Region", "TrafficType", "VisitorType")
TEST_FRACTION = 0.2
SEEDS = (2026, 2027, 2028, 2029, 2030)
SYSTEMS = ("shopformer", "lightgbm")
METRICS = ("auc", "logloss", "ece", "train_seconds")
ENSEMBLE = 5


def load(data_dir: Path) -> tuple[dict[str, np.ndarray], np.ndarray]:
    columns = as_columns(pv.read_csv(data_dir / FILE))
    return columns, label_column(columns, TARGET)


def take(columns: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    return {name: values[rows] for name, values in columns.items()}


def scores(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    return {"auc": roc_auc(labels, probabilities), "logloss": log_loss(labels, probabilities),
            "ece": expected_calibration_error(labels, probabilities, bins=15)}


def run_shopformer(train: dict, y_train: np.ndarray, test: dict, config: TabularTrainingConfig
                   ) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    model = fit_probability_model(train, y_train, NUMERIC, CATEGORICAL, config)
    return model.probabilities(test), time.perf_counter() - started


def lightgbm_matrix(columns: dict, vocabularies: list[dict]) -> np.ndarray:
    """Numeric columns as they are, categories as codes of the training values (−1: unseen)."""
    numeric = [np.asarray(columns[name], dtype=np.float64) for name in NUMERIC]
    codes = [np.array([vocabulary.get(value, -1) for value in columns[name].tolist()], float)
             for name, vocabulary in zip(CATEGORICAL, vocabularies, strict=True)]
    return np.stack(numeric + codes, axis=1)


def run_lightgbm(train: dict, y_train: np.ndarray, test: dict, config: TabularTrainingConfig,
                 seed: int) -> tuple[np.ndarray, float]:
    import lightgbm

    started = time.perf_counter()
    fit_rows, valid_rows = stratified_split(y_train, config.validation_fraction, config.seed)
    vocabularies = [{value: code for code, value in enumerate(sorted(set(train[name].tolist())))}
                    for name in CATEGORICAL]
    x_train, x_test = lightgbm_matrix(train, vocabularies), lightgbm_matrix(test, vocabularies)
    categories = list(range(len(NUMERIC), len(NUMERIC) + len(CATEGORICAL)))
    model = lightgbm.LGBMClassifier(n_estimators=2000, random_state=seed, n_jobs=1, verbose=-1)
    model.fit(x_train[fit_rows], y_train[fit_rows], categorical_feature=categories,
              eval_X=(x_train[valid_rows],), eval_y=(y_train[valid_rows],),
              eval_metric="binary_logloss",
              callbacks=[lightgbm.early_stopping(50, verbose=False)])
    seconds = time.perf_counter() - started
    return model.predict_proba(x_test)[:, 1], seconds


def run_split(columns: dict, labels: np.ndarray, seed: int, systems: tuple[str, ...]
              ) -> dict[str, dict[str, float]]:
    """Every system on one stratified 80/20 split: system → metric → value."""
    train_rows, test_rows = stratified_split(labels, TEST_FRACTION, seed)
    train, test = take(columns, train_rows), take(columns, test_rows)
    y_train, y_test = labels[train_rows], labels[test_rows]
    config = TabularTrainingConfig(ensemble=ENSEMBLE, cross_fit=True, seed=seed)
    results = {}
    for system in systems:
        if system == "shopformer":
            probabilities, seconds = run_shopformer(train, y_train, test, config)
        else:
            probabilities, seconds = run_lightgbm(train, y_train, test, config, seed)
        results[system] = {**scores(y_test, probabilities), "train_seconds": seconds}
    return results


def run(data_dir: Path, seeds: tuple[int, ...] = SEEDS, systems: tuple[str, ...] = SYSTEMS
        ) -> tuple[list[dict], str]:
    """Every system on the same splits; rows (means over the splits) as in DESIGN.md, and a
    markdown table with each split and the mean."""
    torch.set_num_threads(1)
    columns, labels = load(Path(data_dir))
    per_seed = {seed: run_split(columns, labels, seed, systems) for seed in seeds}
    lines = ["| split seed | system | AUC | log-loss | ECE (15 bins) | train s |",
             "|---|---|---:|---:|---:|---:|"]
    for seed, results in per_seed.items():
        lines += [f"| {seed} | {system} | {v['auc']:.4f} | {v['logloss']:.4f} | "
                  f"{v['ece']:.4f} | {v['train_seconds']:.1f} |" for system, v in results.items()]
    rows = []
    for system in systems:
        values = {metric: np.array([per_seed[seed][system][metric] for seed in seeds])
                  for metric in METRICS}
        rows += [{"system": system, "dataset": DATASET, "split": "test", "metric": metric,
                  "value": round(float(values[metric].mean()), 4)} for metric in METRICS]
        spread = {m: values[m].std(ddof=1) / np.sqrt(len(seeds)) if len(seeds) > 1 else 0.0
                  for m in METRICS}
        lines.append(f"| mean ± s.e. | {system} | " + " | ".join(
            f"{values[m].mean():.4f} ± {spread[m]:.4f}" for m in METRICS[:3])
            + f" | {values['train_seconds'].mean():.1f} |")
    test_rows = round(len(labels) * TEST_FRACTION)
    header = (f"UCI Online Shoppers ({len(labels):,} sessions, {int(labels.sum()):,} buying): "
              f"{len(seeds)} stratified 80/20 splits (seeds {seeds[0]}–{seeds[-1]}), "
              f"{test_rows:,} test sessions each; the recorded numbers are the means")
    return rows, header + "\n\n" + "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2]
                        / "shared" / "data" / "purchase_intent_uci")
    parser.add_argument("--seeds", default=",".join(map(str, SEEDS)),
                        help="split seeds, comma-separated")
    args = parser.parse_args()
    _, table = run(args.data, tuple(int(s) for s in args.seeds.split(",")))
    print(table)


if __name__ == "__main__":
    main()
