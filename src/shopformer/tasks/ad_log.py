"""A shop's ad impression log → what `AdRanker` learns from.

One row per impression, as an ad server logs it: whether it was clicked and converted, and
what was known when it was shown (placement, device, category, price, the hour …). The
label columns are found by their common names (clicked / click / 点击, converted /
conversion / 转化; a log of clicks alone — CPC ads — trains pCTR only). Every other column
is a feature, numeric when every value is a number, else categorical, except ids, times and
bids (one value per row, or not known before the auction in the form logged), which are
left out and said so. Bids are read when ranking, from the candidates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from shopformer.core.errors import ConfigError, InputError, Location
from shopformer.ingest.header_names import normalized_name
from shopformer.metrics.calibration import log_loss
from shopformer.schema.records import text_number
from shopformer.tasks.ads import AdRanker, AdRankerConfig

LABEL_NAMES = {"clicked": ("clicked", "click", "clicks", "isclick", "点击", "是否点击"),
               "converted": ("converted", "conversion", "conversions", "convert",
                             "isconversion", "purchased", "转化", "是否转化", "成交")}
# not features: identify a row, an ad or a person, say when, or are the bid itself
NOT_FEATURES = re.compile(
    r"^(?:id|.*[_\s.\-]id|[a-z]*(?:ad|campaign|user|creative|impression|request|session|"
    r"order|item|account|person|member|device|click)id|ts|time|timestamp|date|datetime|.*_at|"
    r"bid|cpc|account|user|person|.*(?:时间|日期|编号)|.*[\u3400-\u9fff]id|出价|用户)$",
    re.IGNORECASE)
BID_NAME = re.compile(r"^(?:bid|cpc|出价)$", re.IGNORECASE)
TIME_NAME = re.compile(r"^(?:ts|time|timestamp|date|datetime|.*_at|.*(?:时间|日期))$",
                       re.IGNORECASE)
DATE = re.compile(r"\s*\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}")  # a date, a date-time
TRUE = frozenset({"1", "1.0", "true", "t", "yes", "y", "是"})
FALSE = frozenset({"0", "0.0", "false", "f", "no", "n", "否"})
ID_LIKE_SHARE = 0.5  # a text column with more distinct values than this share is an id
MIN_ROWS = 200  # impressions a ranker needs, clicked and unclicked both


@dataclass
class ImpressionLog:
    columns: dict[str, np.ndarray]  # the labels as 0/1, numeric features as floats, else text
    # (no "converted" in a log of clicks alone: CPC ads, ranked by bid × pCTR)
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    left_out: dict[str, str] = field(default_factory=dict)  # column → why it is no feature
    # when each impression was shown (from the log's time column, when one parses): a
    # held-out part is then the latest, as the ranker will meet tomorrow's impressions
    shown: np.ndarray | None = None
    clicked: str = "clicked"
    converted: str = "converted"

    @property
    def rows(self) -> int:
        return len(self.columns[self.clicked])


def impression_log(table: pa.Table, rows: np.ndarray, file: str, *,
                   numeric: Sequence[str] = (), categorical: Sequence[str] = ()
                   ) -> ImpressionLog:
    """The log's labels and features; `numeric` / `categorical` name the features instead
    of reading them off the columns (a column named in neither is then left out)."""
    names = table.column_names
    labels = {ours: _label_column(names, ours, file) for ours in LABEL_NAMES}
    labels = {ours: theirs for ours, theirs in labels.items() if theirs is not None}
    if "clicked" not in labels:
        raise InputError(f"needs one column saying whether each impression was clicked "
                         f"({', '.join(LABEL_NAMES['clicked'][:4])}, …); columns: "
                         f"{', '.join(names)}", Location(file))
    columns = {ours: _labels(table[theirs], rows, file, theirs)
               for ours, theirs in labels.items()}
    clicked = columns["clicked"]
    converted = columns.get("converted", np.zeros_like(clicked))
    if ((converted == 1) & (clicked == 0)).any():
        row = int(rows[np.flatnonzero((converted == 1) & (clicked == 0))[0]])
        raise InputError("converted without a click (pCVR is P(convert | click))",
                         Location(file, row=row, field=labels["converted"]))
    if len(clicked) < MIN_ROWS or not 0 < clicked.sum() < len(clicked):
        raise InputError(f"{len(clicked)} impressions with {int(clicked.sum())} clicks: a "
                         f"ranker needs at least {MIN_ROWS}, with clicks and without",
                         Location(file, field=labels["clicked"]))
    if "converted" in columns and not 0 < converted.sum() < clicked.sum():
        raise InputError(f"{int(converted.sum())} of {int(clicked.sum())} clicks converted: "
                         "pCVR needs clicks that converted and clicks that did not",
                         Location(file, field=labels["converted"]))
    given = bool(numeric or categorical)
    for name in (*numeric, *categorical):
        if name not in names:
            raise ConfigError(f"{file}: no column {name!r}; columns: {', '.join(names)}")
    left_out: dict[str, str] = {}
    chosen_numeric, chosen_categorical = [], []
    for name in names:  # each column read once: its texts, and its numbers when all are
        if name in labels.values():
            continue
        if given and name not in (*numeric, *categorical):
            left_out[name] = "not named a feature"
            continue
        texts = _texts(table[name])
        numbers = _numbers(table[name], texts)
        why = None if given else _not_a_feature(name, texts, numbers)
        if why:
            left_out[name] = why
        elif name in numeric or (not given and numbers is not None):
            if numbers is None:
                bad = next(n for n, v in enumerate(texts) if v and _finite(v) is None)
                raise InputError(f"expected a number, got {texts[bad]!r}",
                                 Location(file, row=int(rows[bad]), field=name))
            chosen_numeric.append(name)
            columns[name] = numbers
        else:
            chosen_categorical.append(name)
            columns[name] = np.array(texts, dtype=object)
    if given:  # in the order they were named
        chosen_numeric, chosen_categorical = list(numeric), list(categorical)
    if not chosen_numeric and not chosen_categorical:
        raise ConfigError(f"{file}: no feature column (left out: {left_out}); name them with "
                          "--numeric / --categorical")
    return ImpressionLog(columns, tuple(chosen_numeric), tuple(chosen_categorical), left_out,
                         _shown(table, left_out))


def _shown(table: pa.Table, left_out: dict[str, str]) -> np.ndarray | None:
    """The first time column left out whose every value parses, as datetime64[us]."""
    from shopformer.schema.times import parse_times

    for name, why in left_out.items():
        if not (why == "a time" or TIME_NAME.match(name.strip())):
            continue
        parsed, bad = parse_times(table[name])
        if not bad.any() and parsed.null_count == 0:
            return parsed.to_numpy(zero_copy_only=False)
    return None


def _label_column(names: list[str], ours: str, file: str) -> str | None:
    fitting = [n for n in names if normalized_name(n) in LABEL_NAMES[ours]]
    if len(fitting) > 1:
        raise InputError(f"one column should say whether each impression was {ours}; "
                         f"several may: {fitting}", Location(file))
    return fitting[0] if fitting else None


def _labels(column: pa.ChunkedArray, rows: np.ndarray, file: str, name: str) -> np.ndarray:
    out = np.empty(len(column), np.float64)
    for n, value in enumerate(_texts(column)):
        text = value.strip().lower()
        if text in TRUE:
            out[n] = 1.0
        elif text in FALSE:
            out[n] = 0.0
        else:
            raise InputError(f"expected 1/0 (or true/false, yes/no), got {value!r}",
                             Location(file, row=int(rows[n]), field=name))
    return out


def _not_a_feature(name: str, texts: list[str], numbers: np.ndarray | None) -> str | None:
    if NOT_FEATURES.match(name.strip()):
        if TIME_NAME.match(name.strip()):
            return "a time"
        if BID_NAME.match(name.strip()):
            return "the bid (ranking reads it from the candidates)"
        return "an id"
    if sum(bool(DATE.match(t)) for t in texts) > len(texts) / 2:
        return "a time"
    distinct = len(set(texts))
    if distinct <= 1:
        return "the same in every row"
    if numbers is None and distinct > ID_LIKE_SHARE * len(texts) and distinct > 50:
        return f"{distinct} different values in {len(texts)} rows: an id, not a feature"
    return None


def _numbers(column: pa.ChunkedArray, texts: list[str]) -> np.ndarray | None:
    """The column as floats (empty → NaN), or None when some value is no finite number."""
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        return column.to_numpy(zero_copy_only=False).astype(np.float64)
    values = [_finite(t) if t else np.nan for t in texts]
    return None if any(v is None for v in values) else np.array(values, dtype=np.float64)


def _finite(text: str) -> float | None:
    value = text_number(text)
    return value if value is not None and np.isfinite(value) else None


def _texts(column: pa.ChunkedArray) -> list[str]:
    return ["" if v is None else str(v) for v in column.to_pylist()]


def held_out_report(log: ImpressionLog, config: AdRankerConfig, holdout: float,
                    seed: int) -> dict:
    """What a ranker learned from the rest of the log reads on a `holdout` share of it —
    the latest impressions when the log says when each was shown, else random ones: each
    head's AUC, log-loss and ECE, beside the log-loss of always predicting the training
    rows' rate (what a ranker must beat)."""
    cut = round(holdout * log.rows)
    order = np.argsort(log.shown, kind="stable")[::-1] if log.shown is not None \
        else np.random.default_rng(seed).permutation(log.rows)
    held, kept = np.sort(order[:cut]), np.sort(order[cut:])
    part = {name: values[kept] for name, values in log.columns.items()}
    test = {name: values[held] for name, values in log.columns.items()}
    converts = "converted" in log.columns
    report = {"rows": log.rows, "clicks": int(log.columns["clicked"].sum()),
              "conversions": int(log.columns["converted"].sum()) if converts else None,
              "objective": config.objective,
              "numeric": list(log.numeric), "categorical": list(log.categorical),
              "left_out": log.left_out, "held_out": cut,
              "scores": AdRanker(config).fit(part).evaluate(test),
              "held_out_by": "time" if log.shown is not None else "random",
              "base_rate_logloss": {"ctr": _rate_logloss(part["clicked"], test["clicked"])}}
    if converts:
        report["base_rate_logloss"]["cvr"] = _rate_logloss(
            part["converted"][part["clicked"] == 1], test["converted"][test["clicked"] == 1])
    return report


def _rate_logloss(training: np.ndarray, held: np.ndarray) -> float:
    return log_loss(held, np.full(len(held), training.mean()))
