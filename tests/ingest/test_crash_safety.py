"""SIGKILL an ingest midway, run it again: the store ends identical to one clean ingest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROWS = 60_000


def make_events(path: Path) -> Path:
    with path.open("w") as handle:
        handle.write("ts,account,channel,type,item_id,price\n")
        for i in range(ROWS):
            clock = f"{i % 24:02d}:{i % 60:02d}:{(i // 60) % 60:02d}"
            handle.write(f"2024-01-{1 + i % 28:02d}T{clock}Z,"
                         f"user{i % 997},{('web', 'app', 'mini')[i % 3]},view,item{i % 613},"
                         f"{i % 50}.5\n")
    return path


def shopformer(*args: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "shopformer.cli", *args]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def snapshot(store: Path) -> list[tuple]:
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute("SELECT event_id, ts, account, channel, type, item_id, price, "
                           "person_id FROM events ORDER BY event_id").fetchall()


def init(path: Path) -> Path:
    assert shopformer("init", str(path)).wait() == 0
    return path


def test_sigkill_midway_then_rerun_equals_clean_ingest(tmp_path):
    data = make_events(tmp_path / "events.csv")
    env_key = {"SHOPFORMER_PSEUDONYM_KEY": "crash-test-key-0123456789"}
    os.environ.update(env_key)
    try:
        clean, crashed = init(tmp_path / "clean"), init(tmp_path / "crashed")
        args = ["ingest", str(data), "--kind", "event", "--batch-rows", "2000", "-w"]
        assert shopformer(*args, str(clean)).wait() == 0
        expected = snapshot(clean / "store.duckdb")
        assert len(expected) == ROWS

        partial = None
        # each try on a fresh store: a kill after the last batch was stored (but before the
        # process exited) leaves every row in, and a later try on that store adds nothing
        for n, delay in enumerate((0.6, 0.8, 1.0, 1.2, 1.5, 1.8, 2.5, 3.5, 5.0)):
            if n:
                crashed = init(tmp_path / f"crashed-{n}")
            victim = shopformer(*args, str(crashed))
            time.sleep(delay)
            if victim.poll() is not None:  # finished before the kill
                continue
            victim.send_signal(signal.SIGKILL)
            assert victim.wait() == -signal.SIGKILL
            partial = len(snapshot(crashed / "store.duckdb"))
            if 0 < partial < ROWS:
                break
        assert partial is not None and 0 < partial < ROWS, "never caught the ingest midway"

        assert shopformer(*args, str(crashed)).wait() == 0
        assert snapshot(crashed / "store.duckdb") == expected
    finally:
        for key in env_key:
            os.environ.pop(key, None)
