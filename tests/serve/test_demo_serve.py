"""The README's main job ends by serving the demo shop: the printed curl request works."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
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
        # correctness, not speed: room for a loaded machine (training took 93 s on a busy one)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                raise AssertionError("the demo stopped:\n" + "".join(lines[-30:]))
            lines.append(line)
            if "Uvicorn running" in line or "Application startup complete" in line:
                break
        else:
            raise AssertionError("the server did not start in 600 s:\n" + "".join(lines[-30:]))
        output = "".join(lines)
        request = next(line for line in lines if line.startswith("curl") and "recommend" in line)
        words = shlex.split(request)
        key = re.search(r"Bearer (sf_[A-Za-z0-9_-]+)", request).group(1)
        url = next(w for w in words if w.startswith("http"))
        answer = httpx.get(url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
        assert answer.status_code == 200, answer.text
        assert len(answer.json()["items"]) == 5
        assert "shown once" in output
        # the demo also trained search, sentiment and support: their requests work too
        ready = httpx.get(url.split("/v1/")[0] + "/readyz", timeout=30).json()
        assert {"recommend", "search", "sentiment", "replies", "support"} <= \
            set(ready["serving"])
        for kind in ("/v1/search", "/v1/sentiment", "/v1/replies") \
                if shutil.which("curl") else ():
            printed = next(line for line in lines if line.startswith("curl") and kind in line)
            done = subprocess.run(shlex.split(printed), capture_output=True, text=True,
                                  timeout=60)
            assert done.returncode == 0, done.stderr
            body = json.loads(done.stdout)
            assert body.get("hits") or body.get("reviews") or body.get("replies"), (kind, body)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
