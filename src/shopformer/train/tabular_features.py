"""Shop feature columns → the numbers a ProbabilityHead reads, learned at fit.

Shop features are awkward for a network: counts and durations are heavy-tailed (most
sessions view 3 pages, some 700), many are zero most of the time, and categorical values
show up later that training never saw. So, per numeric column: missing → the training
median (plus a "was missing" column if training had gaps), heavy tails → signed log, then
quantile (normal scores) and/or standard scaling, and an "is zero" column where zero is a
state of its own. Per categorical column: codes by frequency, 0 for unseen or rare values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pyarrow as pa
from scipy.special import ndtri

from shopformer.core.errors import ConfigError, InputError, Location

SCALINGS = ("standard", "quantile", "both")
HEAVY_TAIL_SKEW = 2.0  # beyond this skewness a column is log-compressed before scaling
UNKNOWN = 0  # the code of a categorical value training never saw (or saw too rarely)

Columns = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class FeatureConfig:
    scaling: str = "both"
    quantiles: int = 128  # knots of the quantile map
    zero_indicators: bool = True
    min_category_count: int = 5  # rarer values share the unknown code: no overfitting to them

    def __post_init__(self) -> None:
        if self.scaling not in SCALINGS:
            raise ConfigError(f"unknown scaling {self.scaling!r}; known: {', '.join(SCALINGS)}")
        if self.quantiles < 2 or self.min_category_count < 1:
            raise ConfigError("quantiles must be >= 2 and min_category_count >= 1")


def as_columns(data: pa.Table | Mapping[str, Sequence]) -> dict[str, np.ndarray]:
    """A pyarrow Table or a dict of equally long columns as numpy arrays."""
    if isinstance(data, pa.Table):
        return {name: data[name].to_numpy(zero_copy_only=False) for name in data.column_names}
    if not isinstance(data, Mapping):
        raise ConfigError(f"expected a pyarrow Table or a dict of columns, got "
                          f"{type(data).__name__}")
    columns = {str(name): np.asarray(values) for name, values in data.items()}
    lengths = {name: len(values) for name, values in columns.items()}
    if len(set(lengths.values())) > 1:
        raise InputError(f"columns differ in length: {lengths}")
    return columns


def numeric_column(columns: Columns, name: str) -> np.ndarray:
    """Column `name` as float64 (missing → NaN), or an InputError naming it."""
    values = _column(columns, name)
    try:
        result = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        bad = next(v for v in values if not _is_number(v))
        raise InputError(f"expected numbers, found {bad!r}", Location(field=name)) from None
    if np.isinf(result).any():
        raise InputError("infinite values are not features", Location(field=name))
    return result


def label_column(columns: Columns, name: str) -> np.ndarray:
    values = numeric_column(columns, name)
    if not np.all((values == 0) | (values == 1)):
        bad = values[(values != 0) & (values != 1)][:3].tolist()
        raise InputError(f"labels must be 0/1 (or true/false), found {bad}", Location(field=name))
    return values


def _column(columns: Columns, name: str) -> np.ndarray:
    if name not in columns:
        raise InputError(f"missing column; found: {', '.join(sorted(columns)) or 'none'}",
                         Location(field=name))
    return columns[name]


def _is_number(value: object) -> bool:
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return value is None
    return True


class TabularEncoder:
    """Learns the column transforms at `fit`; `transform` gives (numeric (N, F) float32,
    categorical codes (N, C) int64)."""

    def __init__(self, numeric: Sequence[str], categorical: Sequence[str] = (),
                 config: FeatureConfig | None = None) -> None:
        self.numeric = tuple(numeric)
        self.categorical = tuple(categorical)
        self.config = config or FeatureConfig()
        if not self.numeric and not self.categorical:
            raise ConfigError("name at least one numeric or categorical feature column")
        overlap = set(self.numeric) & set(self.categorical)
        if overlap or len(set(self.numeric)) < len(self.numeric):
            raise ConfigError(f"feature columns named twice: {sorted(overlap) or self.numeric}")

    def fit(self, columns: Columns) -> TabularEncoder:
        self.numeric_ = [_fit_numeric(numeric_column(columns, name), self.config)
                         for name in self.numeric]
        self.vocabularies_ = [_fit_vocabulary(_column(columns, name),
                                              self.config.min_category_count)
                              for name in self.categorical]
        return self

    @property
    def width(self) -> int:
        return sum(_width(state, self.config) for state in self.numeric_)

    @property
    def cardinalities(self) -> tuple[int, ...]:
        return tuple(len(values) + 1 for values in self.vocabularies_)

    def transform(self, columns: Columns) -> tuple[np.ndarray, np.ndarray]:
        parts = [_transform_numeric(numeric_column(columns, name), state, self.config)
                 for name, state in zip(self.numeric, self.numeric_, strict=True)]
        rows = len(next(iter(columns.values()))) if columns else 0
        numeric = np.concatenate(parts, axis=1) if parts else np.zeros((rows, 0))
        codes = [_codes(_column(columns, name), values)
                 for name, values in zip(self.categorical, self.vocabularies_, strict=True)]
        categorical = np.stack(codes, axis=1) if codes else np.zeros((len(numeric), 0))
        return numeric.astype(np.float32), categorical.astype(np.int64)

    def to_dict(self) -> dict:
        return {"numeric": list(self.numeric), "categorical": list(self.categorical),
                "config": asdict(self.config), "numeric_state": self.numeric_,
                "vocabularies": self.vocabularies_}

    @classmethod
    def from_dict(cls, values: dict) -> TabularEncoder:
        encoder = cls(values["numeric"], values["categorical"],
                      FeatureConfig(**values["config"]))
        encoder.numeric_ = values["numeric_state"]
        encoder.vocabularies_ = values["vocabularies"]
        return encoder


def signed_log(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.log1p(np.abs(x))


def _fit_numeric(x: np.ndarray, config: FeatureConfig) -> dict:
    """Plain numbers only (the state goes into config.json)."""
    present = x[~np.isnan(x)]
    if not len(present):
        present = np.zeros(1)
    median = float(np.median(present))
    spread = present.std()
    skew = float(np.mean((present - present.mean()) ** 3) / spread ** 3) if spread > 0 else 0.0
    log = abs(skew) > HEAVY_TAIL_SKEW
    z = signed_log(present) if log else present
    zero_share = float(np.mean(present == 0))
    levels = np.linspace(0.0, 1.0, config.quantiles)
    knots, first = np.unique(np.quantile(z, levels), return_index=True)
    # A value repeated across several levels (a pile of zeros) maps to their middle level.
    counts = np.diff(np.append(first, len(levels)))
    middle = np.add.reduceat(levels, first) / counts
    scores = ndtri(np.clip(middle, 0.5 / len(present), 1.0 - 0.5 / len(present)))
    return {"median": median, "log": log, "mean": float(z.mean()),
            "std": float(z.std()) or 1.0, "missing": bool(np.isnan(x).any()),
            "zero": bool(config.zero_indicators and 0.05 <= zero_share <= 0.95),
            "knots": knots.tolist(), "scores": np.clip(scores, -3.0, 3.0).tolist()}


def _width(state: dict, config: FeatureConfig) -> int:
    return (2 if config.scaling == "both" else 1) + state["missing"] + state["zero"]


def _transform_numeric(x: np.ndarray, state: dict, config: FeatureConfig) -> np.ndarray:
    missing = np.isnan(x)
    filled = np.where(missing, state["median"], x)
    z = signed_log(filled) if state["log"] else filled
    parts = []
    if config.scaling in ("standard", "both"):
        parts.append(np.clip((z - state["mean"]) / state["std"], -5.0, 5.0))
    if config.scaling in ("quantile", "both"):
        parts.append(np.interp(z, state["knots"], state["scores"]))
    if state["missing"]:
        parts.append(missing.astype(np.float64))
    if state["zero"]:
        parts.append((filled == 0).astype(np.float64))
    return np.stack(parts, axis=1)


def _fit_vocabulary(values: np.ndarray, min_count: int) -> list[str]:
    """Values by falling frequency (ties by value); code = position + 1."""
    counts = Counter(_as_text(values))
    frequent = [value for value, count in counts.items() if count >= min_count]
    return sorted(frequent, key=lambda value: (-counts[value], value))


def _codes(values: np.ndarray, vocabulary: list[str]) -> np.ndarray:
    index = {value: code for code, value in enumerate(vocabulary, start=1)}
    return np.array([index.get(value, UNKNOWN) for value in _as_text(values)], dtype=np.int64)


def _as_text(values: np.ndarray) -> list[str]:
    """Categorical values compared as text: 3, 3.0 and "3" are one value; missing is ""."""
    out = []
    for value in values.tolist():
        if value is None or (isinstance(value, float) and np.isnan(value)):
            out.append("")
        elif isinstance(value, float) and value.is_integer():
            out.append(str(int(value)))
        else:
            out.append(str(value))
    return out
