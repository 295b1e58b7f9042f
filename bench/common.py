"""What every benchmark script shares: the machine description and the JSON result format.

A result file ``bench/results/NAME.json`` holds::

    {"name": ..., "title": ..., "date": ISO-8601, "machine": {...}, "quick": bool,
     "rows": [{"metric": ..., "value": float, "unit": ...,
               "baseline": name of the peer measured in the same run,
               "baseline_value": float | None, "ratio": float | None, "higher_is_better": bool,
               "goal": text | None, "command": the command that reproduces the row, "notes": text}]}

``python -m bench`` runs the scripts and regenerates ``docs/BENCHMARKS.md`` from these files.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def machine_info() -> dict:
    """A short description of the machine the numbers come from."""
    info = {
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
    }
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return info


def row(
    metric: str,
    value: float,
    unit: str,
    command: str,
    baseline: str | None = None,
    baseline_value: float | None = None,
    higher_is_better: bool = True,
    goal: str | None = None,
    notes: str = "",
) -> dict:
    """One result row; the ratio is value / baseline_value (so > 1 means more of the metric than the peer)."""
    ratio = None
    if baseline_value not in (None, 0):
        ratio = float(value) / float(baseline_value)
    return {
        "metric": metric,
        "value": float(value),
        "unit": unit,
        "baseline": baseline,
        "baseline_value": None if baseline_value is None else float(baseline_value),
        "ratio": ratio,
        "higher_is_better": higher_is_better,
        "goal": goal,
        "command": command,
        "notes": notes,
    }


def write_result(
    name: str, title: str, rows: list[dict], quick: bool = False, extra: dict | None = None
) -> Path:
    """Write ``bench/results/NAME.json`` atomically and return its path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    doc = {
        "name": name,
        "title": title,
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "quick": quick,
        "argv": sys.argv,
        "rows": rows,
        **(extra or {}),
    }
    path = RESULTS / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n")
    os.replace(tmp, path)
    return path
