"""Shared by every benchmark: the results JSON of DESIGN.md and a section of docs/benchmarks.md."""

from __future__ import annotations

import json
import os
import platform
import re
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DOCS = ROOT / "docs" / "benchmarks.md"


def machine_description() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {memory:.0f} GiB, CPU ({_cpu_model()}, {platform.system()})"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def shown_path(path: Path) -> str:
    """A data path as someone with the same checkout layout would type it."""
    return os.path.relpath(path.resolve(), ROOT)


def log_to_stdout() -> None:
    """Benchmark progress on stdout, without the per-batch lines of ingest and storage."""
    import logging
    import sys

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s",
                        stream=sys.stdout)
    for noisy in ("shopformer.ingest", "shopformer.storage"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def chosen_names(text: str, known, what: str) -> list[str]:
    """A comma-separated subset of `known`; an unknown name is a SystemExit naming them all."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = set(names) - set(known)
    if unknown:
        raise SystemExit(f"unknown {what} {sorted(unknown)}; known: {', '.join(known)}")
    return names


def write_results(name: str, command: str, rows: list[dict]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"benchmark": name, "date": date.today().isoformat(),
               "machine": machine_description(), "command": command, "rows": rows}
    path.write_text(json.dumps(payload, indent=1) + "\n")
    return path


def kept_rows(name: str, replaced: set[str]) -> list[dict]:
    """Rows of the data sets this run did not score, from the last results file of `name`,
    so a run of some parts keeps the others' numbers."""
    path = RESULTS / f"{name}.json"
    if not path.exists():
        return []
    return [r for r in json.loads(path.read_text())["rows"] if r["dataset"] not in replaced]


def update_docs(name: str, title: str, command: str, body: str, machine: str) -> None:
    """Replace this benchmark's section of docs/benchmarks.md, leaving the others alone."""
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    text = DOCS.read_text() if DOCS.exists() else (
        "# Benchmarks\n\nEvery number here is written by a script in `benchmarks/` that "
        "anyone can run; machine-readable copies are in `benchmarks/results/`.\n")
    section = (f"<!-- {name}:start -->\n## {title}\n\n"
               f"- command: `{command}`\n- machine: {machine}\n- date: {date.today()}\n\n"
               f"{body}\n<!-- {name}:end -->")
    pattern = re.compile(rf"<!-- {name}:start -->.*?<!-- {name}:end -->", re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else \
        text.rstrip() + "\n\n" + section + "\n"
    DOCS.write_text(text)
