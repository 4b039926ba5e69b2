"""A real server process, killed with SIGKILL under load: after a restart every event it
acknowledged is in the store exactly once, and retrying the unacknowledged ones is safe."""

from __future__ import annotations

import os
import signal
import threading
import time

import httpx
from tests.serve.helpers import free_port, make_keys, start_server

from shopformer.workspace import Workspace

WRITERS = 3
BATCH = 20


def batch(writer: int, number: int) -> list[dict]:
    return [{"event_id": f"kill-{writer}-{number}-{i}", "ts": "2026-12-01T12:00:00Z",
             "account": f"load-{writer}-{i % 5}", "channel": "app", "type": "view",
             "item_id": f"SKU{(number * BATCH + i) % 60 + 1:05d}"} for i in range(BATCH)]


def test_sigkill_under_load_loses_no_acknowledged_event(shop_copy):
    workspace, _ = shop_copy
    token = make_keys(workspace)["events:write"]
    root = workspace.root
    workspace.close()  # the server process owns the store now
    port = free_port()
    server = start_server(root, port)
    acknowledged: list[str] = []
    unanswered: list[list[dict]] = []
    stop = threading.Event()
    lock = threading.Lock()

    def write(writer: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            number = 0
            while not stop.is_set():
                events = batch(writer, number)
                number += 1
                try:
                    answer = client.post("/v1/events", json={"events": events})
                except httpx.TransportError:
                    with lock:
                        unanswered.append(events)
                    return
                assert answer.status_code == 200, answer.text
                with lock:
                    acknowledged.extend(e["event_id"] for e in events)

    writers = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for thread in writers:
        thread.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 400 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(server.pid, signal.SIGKILL)  # mid-load: writers have requests in flight
    server.wait()
    stop.set()
    for thread in writers:
        thread.join()
    assert len(acknowledged) >= 400

    with Workspace.open(root) as reopened:  # what the store holds after the crash
        ids = reopened.store.read_table("event", ["event_id"])["event_id"].to_pylist()
    counts = {}
    for event_id in ids:
        if event_id.startswith("kill-"):
            counts[event_id] = counts.get(event_id, 0) + 1
    assert all(counts.get(e) == 1 for e in acknowledged)
    assert all(n == 1 for n in counts.values())

    server = start_server(root, port)  # restarted: the retries of what had no answer
    try:
        retried = {e["event_id"] for events in unanswered for e in events}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            for events in unanswered:
                assert client.post("/v1/events", json={"events": events}).status_code == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    with Workspace.open(root) as reopened:
        ids = reopened.store.read_table("event", ["event_id"])["event_id"].to_pylist()
    mine = [e for e in ids if e.startswith("kill-")]
    assert len(mine) == len(set(mine))
    assert set(acknowledged) | retried <= set(mine)
