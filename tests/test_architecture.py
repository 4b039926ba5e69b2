"""The layer order of DESIGN.md and the code style hold: checked on every test run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_import_layers_flow_one_way():
    beside_python = Path(sys.executable).parent / "lint-imports"
    executable = str(beside_python) if beside_python.exists() else shutil.which("lint-imports")
    assert executable, "import-linter is not installed (pip install -e '.[dev]')"
    result = run(executable, "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_is_clean():
    result = run(sys.executable, "-m", "ruff", "check", "--no-cache", "src", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_importing_shopformer_stays_light():
    code = "import sys, shopformer.cli.main; print(' '.join(sorted(sys.modules)))"
    loaded = run(sys.executable, "-c", code).stdout.split()
    for heavy in ("torch", "shopformer.demo.build", "pandas"):
        assert heavy not in loaded
