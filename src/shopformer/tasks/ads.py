"""Ad ranking: calibrated click (pCTR) and conversion (pCVR) probabilities, an expected-value
objective, and the budget and frequency rules an ad server must keep.

pCVR is P(convert | click): it is trained on clicked impressions only, so pCTR × pCVR is the
probability that an impression converts. Both are calibrated on held-out impressions,
because a bid multiplied by a probability is money: an over-confident pCTR spends the
budget on the wrong ads.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
from safetensors.torch import load_file, save_file

from shopformer.core.errors import ConfigError, InputError, Location, NotFittedError
from shopformer.metrics.calibration import expected_calibration_error, log_loss, roc_auc
from shopformer.train.tabular import (
    ProbabilityModel,
    TabularTrainingConfig,
    fit_probability_model,
)
from shopformer.train.tabular_features import as_columns, label_column, numeric_column

FORMAT_VERSION = 1
OBJECTIVES = ("bid*ctr", "bid*ctr*cvr")  # CPC bids; CPA or value bids

Impressions = pa.Table | Mapping[str, Sequence]


@dataclass(frozen=True)
class AdRankerConfig:
    numeric: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    clicked: str = "clicked"
    converted: str = "converted"  # read on clicked rows only
    ad: str = "ad_id"
    campaign: str = "campaign_id"
    bid: str = "bid"
    objective: str = "bid*ctr*cvr"
    daily_impression_cap: int | None = 3  # per person × campaign per day; None: no cap
    ctr_training: TabularTrainingConfig = field(default_factory=TabularTrainingConfig)
    cvr_training: TabularTrainingConfig = field(default_factory=TabularTrainingConfig)

    def __post_init__(self) -> None:
        object.__setattr__(self, "numeric", tuple(self.numeric))
        object.__setattr__(self, "categorical", tuple(self.categorical))
        if self.objective not in OBJECTIVES:
            raise ConfigError(f"unknown objective {self.objective!r}; known: "
                              f"{', '.join(OBJECTIVES)}")
        if not self.numeric and not self.categorical:
            raise ConfigError("name the feature columns (numeric and/or categorical)")
        if self.daily_impression_cap is not None and self.daily_impression_cap < 1:
            raise ConfigError("daily_impression_cap must be at least 1 (or None for no cap)")

    def to_dict(self) -> dict:
        return {**asdict(self), "ctr_training": self.ctr_training.to_dict(),
                "cvr_training": self.cvr_training.to_dict()}

    @classmethod
    def from_dict(cls, values: dict) -> AdRankerConfig:
        return cls(**{**values,
                      "ctr_training": TabularTrainingConfig.from_dict(values["ctr_training"]),
                      "cvr_training": TabularTrainingConfig.from_dict(values["cvr_training"])})


@dataclass(frozen=True)
class AdChoice:
    ad_id: str
    campaign_id: str
    score: float  # expected value of one impression under the objective
    ctr: float
    cvr: float | None  # None: the ranker learned from a log of clicks alone
    bid: float
    reasons: list[str]


class AdRanker:
    def __init__(self, config: AdRankerConfig) -> None:
        self.config = config

    def fit(self, impressions: Impressions) -> AdRanker:
        """Train pCTR on every impression and pCVR on the clicked ones. A log of clicks
        alone (no `converted` column: CPC ads) trains pCTR only, for the bid*ctr
        objective."""
        config = self.config
        columns = as_columns(impressions)
        clicked = label_column(columns, config.clicked)
        self.ctr_model_ = self._fit_head("pCTR", columns, clicked, config.ctr_training)
        self.cvr_model_: ProbabilityModel | None = None
        if config.converted in columns or config.objective != "bid*ctr":
            rows = np.flatnonzero(clicked == 1)
            clicks = {name: values[rows] for name, values in columns.items()}
            converted = label_column(clicks, config.converted)
            self.cvr_model_ = self._fit_head("pCVR", clicks, converted, config.cvr_training)
        self.budgets_: dict[str, float] = {}
        self.impressions_: dict[str, Counter[tuple[str, str]]] = {}
        return self

    def _fit_head(self, name: str, columns: dict, labels: np.ndarray,
                  training: TabularTrainingConfig) -> ProbabilityModel:
        try:
            return fit_probability_model(columns, labels, self.config.numeric,
                                         self.config.categorical, training)
        except ConfigError as error:
            raise ConfigError(f"{name}: {error}") from None

    # --- probabilities ------------------------------------------------------------------
    def predict_ctr(self, impressions: Impressions) -> np.ndarray:
        """Calibrated P(click | impression)."""
        self._check()
        return self.ctr_model_.probabilities(as_columns(impressions))

    def predict_cvr(self, impressions: Impressions) -> np.ndarray:
        """Calibrated P(conversion | click)."""
        self._check()
        if self.cvr_model_ is None:
            raise NotFittedError("this ranker learned from clicks alone: it has no pCVR")
        return self.cvr_model_.probabilities(as_columns(impressions))

    def evaluate(self, impressions: Impressions) -> dict[str, dict[str, float]]:
        """AUC, log-loss and ECE (15 bins) of each head; pCVR on the clicked rows."""
        self._check()
        columns = as_columns(impressions)
        clicked = label_column(columns, self.config.clicked)
        scores = {"ctr": _scores(clicked, self.ctr_model_.probabilities(columns))}
        if self.cvr_model_ is not None:
            clicks = {name: values[clicked == 1] for name, values in columns.items()}
            scores["cvr"] = _scores(label_column(clicks, self.config.converted),
                                    self.cvr_model_.probabilities(clicks))
        return scores

    # --- serving ------------------------------------------------------------------------
    def set_budget(self, campaign_id: str, remaining: float) -> None:
        """What the campaign can still spend; campaigns never set have no budget limit."""
        self._check()
        self.budgets_[str(campaign_id)] = float(remaining)

    def record_impression(self, person_id: str, campaign_id: str, day: date | None = None
                          ) -> None:
        """An ad of `campaign_id` was shown to `person_id`: counts toward the daily cap."""
        self._check()
        key = (day or _today()).isoformat()
        for old in [d for d in self.impressions_ if d < key]:  # earlier days no longer count
            del self.impressions_[old]
        self.impressions_.setdefault(key, Counter())[(str(person_id), str(campaign_id))] += 1

    def rank(self, candidates: Impressions, k: int = 3, person_id: str | None = None,
             day: date | None = None) -> list[AdChoice]:
        """The k candidate ads of highest expected value that pass the budget and frequency
        rules; an ad whose campaign cannot pay its expected cost is skipped."""
        self._check()
        if k < 1:
            raise ConfigError("k must be at least 1")
        scored = self._score(as_columns(candidates))
        committed: Counter[str] = Counter()  # expected spend of the ads chosen so far
        chosen = []
        for row in np.argsort(-scored["score"], kind="stable").tolist():
            campaign = scored["campaign"][row]
            removed = self._rule(campaign, scored["score"][row] + committed[campaign],
                                 person_id, day)
            if removed is None:
                committed[campaign] += scored["score"][row]
                chosen.append(self._choice(scored, row, [*self._why(scored, row),
                                                         "passes the budget and daily cap"]))
                if len(chosen) == k:
                    break
        return chosen

    def explain(self, candidate: Mapping[str, object], person_id: str | None = None,
                day: date | None = None) -> list[str]:
        """Why this ad would (not) be shown: its probabilities, bid, value, and any rule."""
        self._check()
        scored = self._score(as_columns({name: [value] for name, value in candidate.items()}))
        removed = self._rule(scored["campaign"][0], scored["score"][0], person_id, day)
        return [*self._why(scored, 0), removed or "passes the budget and daily cap"]

    # --- inside -------------------------------------------------------------------------
    def _score(self, columns: dict[str, np.ndarray]) -> dict:
        config = self.config
        bids = numeric_column(columns, config.bid)
        if np.isnan(bids).any() or (bids < 0).any():
            raise InputError("bids must be numbers >= 0", Location(field=config.bid))
        ctr = self.ctr_model_.probabilities(columns)
        cvr = self.cvr_model_.probabilities(columns) if self.cvr_model_ is not None \
            else np.full(len(ctr), np.nan)
        score = bids * ctr * (cvr if config.objective == "bid*ctr*cvr" else 1.0)
        return {"ad": _text(columns, config.ad), "campaign": _text(columns, config.campaign),
                "bid": bids, "ctr": ctr, "cvr": cvr, "score": score}

    def _rule(self, campaign: str, cost: float, person_id: str | None, day: date | None
              ) -> str | None:
        """The rule that removes an ad, in words, or None."""
        budget = self.budgets_.get(campaign)
        if budget is not None and budget < cost:
            return (f"removed: campaign {campaign} has {budget:.4f} left, less than the "
                    f"expected cost {cost:.4f}")
        cap = self.config.daily_impression_cap
        if cap is not None and person_id is not None:
            key = (day or _today()).isoformat()
            seen = self.impressions_.get(key, Counter())[(str(person_id), campaign)]
            if seen >= cap:
                return (f"removed: person {person_id} saw campaign {campaign} {seen} times "
                        f"on {key} (daily cap {cap})")
        return None

    def _why(self, scored: dict, row: int) -> list[str]:
        factors = "bid × pCTR × pCVR" if self.config.objective == "bid*ctr*cvr" else "bid × pCTR"
        cvr = scored["cvr"][row]
        return [f"pCTR {scored['ctr'][row]:.2%} (calibrated chance of a click)",
                *([] if np.isnan(cvr) else
                  [f"pCVR {cvr:.2%} (calibrated chance a click converts)"]),
                f"bid {scored['bid'][row]:.4g}",
                f"expected value {scored['score'][row]:.4g} per impression ({factors})"]

    @staticmethod
    def _choice(scored: dict, row: int, reasons: list[str]) -> AdChoice:
        cvr = float(scored["cvr"][row])
        return AdChoice(scored["ad"][row], scored["campaign"][row], float(scored["score"][row]),
                        float(scored["ctr"][row]), None if np.isnan(cvr) else cvr,
                        float(scored["bid"][row]), reasons)

    def _check(self) -> None:
        if not hasattr(self, "ctr_model_"):
            raise NotFittedError("call AdRanker.fit(impressions) first")

    # --- directory ----------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """config.json (settings, encoders, calibration) + model.safetensors (both heads)."""
        self._check()
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        config = {"format_version": FORMAT_VERSION, "kind": "ad_ranker",
                  "config": self.config.to_dict(), "ctr": self.ctr_model_.to_dict(),
                  "cvr": None if self.cvr_model_ is None else self.cvr_model_.to_dict()}
        (directory / "config.json").write_text(json.dumps(config, indent=1))
        tensors = {**self.ctr_model_.tensors("ctr."),
                   **(self.cvr_model_.tensors("cvr.") if self.cvr_model_ is not None else {})}
        save_file(tensors, str(directory / "model.safetensors"),
                  metadata={"format_version": str(FORMAT_VERSION)})

    @classmethod
    def load(cls, directory: Path) -> AdRanker:
        directory = Path(directory)
        try:
            saved = json.loads((directory / "config.json").read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise ConfigError(f"{directory}: not an ad ranker directory ({error})") from None
        if saved.get("kind") != "ad_ranker" or saved.get("format_version") != FORMAT_VERSION:
            raise ConfigError(f"{directory}: holds {saved.get('kind')!r} format "
                              f"{saved.get('format_version')}, expected ad_ranker "
                              f"{FORMAT_VERSION}")
        tensors = load_file(str(directory / "model.safetensors"))
        ranker = cls(AdRankerConfig.from_dict(saved["config"]))
        ranker.ctr_model_ = ProbabilityModel.from_parts(saved["ctr"], tensors, "ctr.")
        ranker.cvr_model_ = None if saved["cvr"] is None else \
            ProbabilityModel.from_parts(saved["cvr"], tensors, "cvr.")
        ranker.budgets_, ranker.impressions_ = {}, {}
        return ranker


def _scores(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    both = 0 < labels.sum() < len(labels)
    return {"auc": roc_auc(labels, probabilities) if both else float("nan"),
            "logloss": log_loss(labels, probabilities),
            "ece": expected_calibration_error(labels, probabilities, bins=15),
            "rows": float(len(labels))}


def _text(columns: Mapping[str, np.ndarray], name: str) -> list[str]:
    if name not in columns:
        raise InputError("missing column", Location(field=name))
    return [str(value) for value in columns[name].tolist()]


def _today() -> date:
    return datetime.now(UTC).date()
