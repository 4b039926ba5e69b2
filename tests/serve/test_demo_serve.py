"""The README's main job ends by serving the demo shop: the printed curl request works."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time

import httpx
from tests.serve.helpers import free_port


def test_demo_serve_prints_a_working_request(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "shopformer.cli", "demo", str(tmp_path / "shop"),
         "--persons", "100", "--items", "40", "--days", "30", "--minutes", "0.1",
         "--serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        env={**os.environ, "COLUMNS": "400"})
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                raise AssertionError("the demo stopped:\n" + "".join(lines[-30:]))
            lines.append(line)
            if "Uvicorn running" in line or "Application startup complete" in line:
                break
        output = "".join(lines)
        request = next(line for line in lines if line.startswith("curl") and "recommend" in line)
        words = shlex.split(request)
        key = re.search(r"Bearer (sf_[A-Za-z0-9_-]+)", request).group(1)
        url = next(w for w in words if w.startswith("http"))
        answer = httpx.get(url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
        assert answer.status_code == 200, answer.text
        assert len(answer.json()["items"]) == 5
        assert "shown once" in output
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
