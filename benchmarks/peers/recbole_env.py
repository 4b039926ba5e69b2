"""A private virtual environment for RecBole 1.2, built once and reused.

RecBole 1.2 cannot share our environment: it needs numpy<2, pandas<2.3 and setuptools<81
(tensorboard still imports pkg_resources), while shopformer pins numpy 2. So the peer runs
in its own venv, created here with the parent's pip settings (PIP_* variables and pip
config files are inherited, which is how `torch==2.13.0` resolves to the local CPU wheel).

    python benchmarks/peers/recbole_env.py [--root benchmarks/.venvs/recbole]

RecBole itself is installed with --no-deps: its declared `ray<=2.6.3`, `thop`, `plotly`,
`psutil` and `tabulate` are only used by `recbole.quick_start` (hyper-parameter search,
FLOP counting, environment tables), which the worker does not import.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_ROOT = Path(__file__).resolve().parents[1] / ".venvs" / "recbole"
MARKER = "shopformer-recbole-env.json"

# Exact versions, so two machines train the same peer; these are what `numpy<2`,
# `pandas<2.3`, `setuptools<81` and the newest compatible rest resolved to on 2026-11-23.
DEPENDENCIES = (
    "torch==2.13.0",
    "numpy==1.26.4",
    "pandas==2.2.3",
    "setuptools==80.10.2",
    "scipy==1.17.1",
    "scikit-learn==1.9.1",
    "tqdm==4.70.1",
    "colorlog==4.7.2",
    "colorama==0.4.4",
    "pyyaml==6.0.3",
    "tensorboard==2.21.0",
    "texttable==1.7.2",
)
RECBOLE = "recbole==1.2.1"
IMPORT_CHECK = (
    "import recbole, torch, numpy, pandas; "
    "from recbole.config import Config; from recbole.data import create_dataset; "
    "from recbole.trainer import Trainer; "
    "from recbole.model.sequential_recommender import SASRec, BERT4Rec; "
    "print('recbole', recbole.__version__, 'torch', torch.__version__, "
    "'numpy', numpy.__version__, 'pandas', pandas.__version__)"
)


def venv_python(root: Path) -> Path:
    return root / "bin" / "python"


def subprocess_env() -> dict[str, str]:
    """The parent's environment (PIP_*, proxies, certificates) without our Python paths."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    env.pop("VIRTUAL_ENV", None)
    return env


def _wanted() -> dict[str, object]:
    return {"dependencies": list(DEPENDENCIES), "recbole": RECBOLE,
            "python": f"{sys.version_info.major}.{sys.version_info.minor}"}


def _is_current(root: Path) -> bool:
    marker = root / MARKER
    if not marker.is_file() or not venv_python(root).exists():
        return False
    try:
        recorded = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    return all(recorded.get(key) == value for key, value in _wanted().items())


def _run(step: str, command: list[str]) -> None:
    print(f"[recbole-env] {step}: {' '.join(command)}", flush=True)
    started = time.monotonic()
    subprocess.run(command, check=True, env=subprocess_env())
    print(f"[recbole-env] {step}: done in {time.monotonic() - started:.0f}s", flush=True)


def _build(root: Path) -> None:
    if root.exists():
        print(f"[recbole-env] {root} is stale or incomplete; rebuilding it", flush=True)
        shutil.rmtree(root)
    python = str(venv_python(root))
    pip = [python, "-m", "pip", "install", "--progress-bar", "off"]
    _run("create venv", [sys.executable, "-m", "venv", str(root)])
    _run("install dependencies", [*pip, *DEPENDENCIES])
    _run("install recbole (no deps)", [*pip, "--no-deps", RECBOLE])
    _run("import check", [python, "-c", IMPORT_CHECK])
    frozen = subprocess.run([python, "-m", "pip", "freeze"], check=True, text=True,
                            capture_output=True, env=subprocess_env()).stdout.split()
    marker = {**_wanted(), "freeze": frozen}
    tmp = root / f"{MARKER}.tmp"
    tmp.write_text(json.dumps(marker, indent=1) + "\n")
    tmp.replace(root / MARKER)  # written last: a half-built venv never looks current


def ensure_env(root: Path = DEFAULT_ROOT) -> Path:
    """Build the venv at `root` unless its marker already lists these pins; return its python.

    A file lock keeps two benchmark processes from building the same venv at once.
    """
    root = Path(root).resolve()
    if _is_current(root):
        return venv_python(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.parent / f".{root.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _is_current(root):
            started = time.monotonic()
            _build(root)
            print(f"[recbole-env] ready in {time.monotonic() - started:.0f}s: {root}",
                  flush=True)
    return venv_python(root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    print(ensure_env(parser.parse_args().root))


if __name__ == "__main__":
    main()
