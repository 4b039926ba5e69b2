"""Fixtures shared by the whole suite: fresh workspaces and the shared public data."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from shopformer.workspace import Workspace

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO_ROOT.parent / "shared" / "data").resolve()


@pytest.fixture
def workspace(tmp_path: Path):
    with Workspace.init(tmp_path / "shop") as shop:
        yield shop


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared public data sets are not beside the repo ({SHARED_DATA})")
    return SHARED_DATA


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Test-sized networks run faster on one thread than on two that wait for each other."""
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
