"""Helpers of the server tests: API keys, a linked demo person, a real server process."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from shopformer.serve.app import key_ring
from shopformer.workspace import Workspace


def make_keys(workspace: Workspace) -> dict[str, str]:
    ring = key_ring(workspace)
    return {scope: ring.create(f"test {scope}", (scope,))[1]
            for scope in ("read", "events:write", "admin")}


def linked_person(truth: dict) -> tuple[str, list[list[str]]]:
    """A person of the demo with linked accounts on two or more channels."""
    for name, person in sorted(truth["persons"].items()):
        channels = {channel for channel, _ in person["accounts"]}
        if person["linked"] and len(channels) >= 2:
            return name, person["accounts"]
    raise AssertionError("the demo shop has no linked multi-channel person")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(root: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "shopformer.cli", "serve", "-w", str(root), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {process.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError("the server did not get ready in 120 s")
