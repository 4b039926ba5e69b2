"""Server benchmark: `GET /v1/recommend` latency and throughput at several loads, durable
`POST /v1/events` throughput, and the delay from an event to a recommendation that sees it.

A synthetic shop of 50,000 items and 3,000 persons (`recommend.synthetic_shop`) gets a
shop model trained for next items (30 s budget); `shopformer serve` then runs as its own
process, and `wrk` (Debian package `wrk`) loads it over loopback with 1, 2, 4, 8 and 16
connections, each request for a random person. The server and wrk share the machine's 2
cores, as they would on a small box.

    python benchmarks/serve.py
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

from recommend import synthetic_shop
from report import log_to_stdout, machine_description, update_docs, write_results

log = logging.getLogger("serve-bench")
ITEMS, PERSONS = 50_000, 3_000
LOADS = (1, 2, 4, 8, 16)  # concurrent connections
P99_TARGET_MS = 20.0
# wrk prints its own summary; this line is what the script reads
DONE_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %d %d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
"""
RECOMMEND_LUA = """
math.randomseed(%(seed)d + math.floor(os.clock() * 1e6))
request = function()
  local n = math.random(0, %(persons)d - 1)
  return wrk.format("GET", "/v1/recommend?channel=app&k=10&account=p" .. n, {
    ["Authorization"] = "Bearer %(token)s"})
end
"""
EVENTS_LUA = """
local counter = 0
local threads = 0
setup = function(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
request = function()
  counter = counter + 1
  local parts = {}
  for i = 1, %(batch)d do
    local n = (counter * 7919 + i * 104729) %% %(persons)d
    parts[i] = string.format('{"event_id":"bench-%%s-%%d-%%d","ts":"2026-10-02T10:00:00Z",' ..
      '"account":"p%%d","channel":"web","type":"view","item_id":"sku%%d"}',
      tid, counter, i, n, (counter * 31 + i * 17) %% %(items)d)
  end
  return wrk.format("POST", "/v1/events", {["Authorization"] = "Bearer %(token)s",
    ["Content-Type"] = "application/json"}, '{"events":[' .. table.concat(parts, ",") .. ']}')
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def build_shop(folder: Path, minutes: float) -> str:
    """The synthetic shop, ingested and trained; returns an API key with every scope."""
    from shopformer.serve.app import key_ring
    from shopformer.tasks.recommend import next_item_training
    from shopformer.workspace import Workspace

    synthetic_shop(folder / "export", ITEMS, persons=PERSONS)
    with Workspace.init(folder / "shop") as shop:
        shop.ingest(folder / "export", adapter="shop")
        shop.pretrain(next_item_training(max_minutes=minutes, min_texts=10**9),
                      show_progress=False)
        _, token = key_ring(shop).create("benchmark", ("admin",),
                                         requests_per_second=1e6, burst=10**6)
    return token


def start_server(root: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "shopformer.cli", "serve", "-w", str(root), "--port",
         str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("the server did not get ready in 300 s")


def run_wrk(script: str, url: str, connections: int, seconds: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script + DONE_LUA)
    try:
        out = subprocess.run(["wrk", "-t", str(min(connections, 2)), "-c", str(connections),
                              "-d", f"{seconds}s", "--timeout", "5s", "-s", handle.name, url],
                             capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(handle.name)
    found = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", out)
    if found is None:
        raise SystemExit(f"wrk printed no result:\n{out}")
    requests, micros, p50, p95, p99, bad_status, socket_errors = map(int, found.groups())
    return {"connections": connections, "requests": requests,
            "rps": round(requests / (micros / 1e6), 1), "p50_ms": round(p50 / 1000, 2),
            "p95_ms": round(p95 / 1000, 2), "p99_ms": round(p99 / 1000, 2),
            "non_2xx": bad_status, "socket_errors": socket_errors}


def event_to_recommendation(base: str, token: str, trials: int = 50) -> list[float]:
    """ms from sending an event until a recommendation that names it has come back."""
    headers = {"Authorization": f"Bearer {token}"}
    rng = np.random.default_rng(7)
    delays = []
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        for trial in range(trials):
            account, item = f"fresh{trial}", f"sku{int(rng.integers(ITEMS))}"
            began = time.perf_counter()
            client.post("/v1/events", json={"events": [{
                "event_id": f"e2r-{trial}", "ts": "2026-10-02T12:00:00Z", "account": account,
                "channel": "app", "type": "view", "item_id": item}]}).raise_for_status()
            answer = client.get("/v1/recommend", params={"account": account,
                                                         "channel": "app", "k": 10})
            delays.append((time.perf_counter() - began) * 1000)
            if item not in json.dumps(answer.json()):
                raise SystemExit(f"the recommendation did not see the event: {answer.text}")
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="per load level")
    parser.add_argument("--minutes", type=float, default=0.5, help="shop model training")
    parser.add_argument("--quick", action="store_true", help="2 s per level; nothing written")
    args = parser.parse_args()
    log_to_stdout()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    seconds = 2 if args.quick else args.seconds
    with tempfile.TemporaryDirectory() as tmp:
        started = time.time()
        token = build_shop(Path(tmp), args.minutes)
        log.info("shop of %d items built and trained in %.0f s", ITEMS, time.time() - started)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(Path(tmp) / "shop", port)
        try:
            script = RECOMMEND_LUA % {"seed": 7, "persons": PERSONS, "token": token}
            run_wrk(script, base, 4, 3)  # warm-up
            loads = []
            for connections in LOADS:
                loads.append(run_wrk(script, base, connections, seconds))
                log.info("recommend: %s", loads[-1])
            events_script = EVENTS_LUA % {"batch": 100, "persons": PERSONS, "items": ITEMS,
                                          "token": token}
            ingest = run_wrk(events_script, base + "/v1/events", 4, seconds)
            ingest["events_per_second"] = round(ingest["rps"] * 100, 0)
            log.info("events: %s", ingest)
            delays = event_to_recommendation(base, token)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
    clean = [load for load in loads if not load["non_2xx"] and not load["socket_errors"]]
    within = [load for load in clean if load["p99_ms"] <= P99_TARGET_MS]
    best = max(within or clean, key=lambda load: load["rps"])
    delay = {"p50": float(np.percentile(delays, 50)), "p99": float(np.percentile(delays, 99))}
    log.info("chosen load: %s; event → recommendation %s ms", best, delay)
    if args.quick:
        return
    command = "python benchmarks/serve.py"
    rows = [{"system": "shopformer", "dataset": "synthetic_50k", "split": "test",
             "metric": metric, "value": value} for metric, value in (
        ("recommend_p50_ms", best["p50_ms"]), ("recommend_p95_ms", best["p95_ms"]),
        ("recommend_p99_ms", best["p99_ms"]), ("recommend_rps", best["rps"]),
        ("recommend_connections", best["connections"]),
        ("events_per_second", ingest["events_per_second"]),
        ("events_batch_p99_ms", ingest["p99_ms"]),
        ("event_to_recommendation_ms", round(delay["p50"], 2)),
        ("event_to_recommendation_ms_p99", round(delay["p99"], 2)))]
    write_results("serve", command, rows)
    update_docs("serve", "Server: recommendations and durable events over HTTP", command,
                table(loads, best, ingest, delay), machine_description())


def table(loads: list[dict], best: dict, ingest: dict, delay: dict) -> str:
    lines = [f"Synthetic shop: {ITEMS:,} items, {PERSONS:,} persons; one `shopformer serve` "
             "process and `wrk` on the same 2 cores, over loopback; each request asks for a "
             "random person's 10 items on the app channel (history re-encoded, every item "
             "scored, channel rules and reasons included).", "",
             "| connections | requests/s | p50 ms | p95 ms | p99 ms | errors |",
             "|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {x['connections']} | {x['rps']:,.0f} | {x['p50_ms']} | {x['p95_ms']} | "
              f"{x['p99_ms']} | {x['non_2xx'] + x['socket_errors']} |" for x in loads]
    verdict = "met" if best["p99_ms"] <= P99_TARGET_MS and best["rps"] >= 300 else "NOT met"
    lines += ["", f"Highest throughput with p99 ≤ {P99_TARGET_MS:.0f} ms: {best['rps']:,.0f} "
              f"requests/s at {best['connections']} connections (p99 {best['p99_ms']} ms); "
              f"target p99 ≤ 20 ms at ≥ 300 requests/s: **{verdict}**.", "",
              f"`POST /v1/events`, batches of 100, 4 connections: "
              f"**{ingest['events_per_second']:,.0f} events/s** stored durably (each answer "
              f"after its commit; p99 {ingest['p99_ms']} ms per batch; target ≥ 5,000/s: "
              f"{'met' if ingest['events_per_second'] >= 5000 else 'NOT met'}).", "",
              f"Event → a recommendation that names it (POST the event, then GET, one client): "
              f"p50 {delay['p50']:.1f} ms, p99 {delay['p99']:.1f} ms (target < 100 ms)."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
