"""The benchmark harness: run ``bench/bench_*.py`` and regenerate ``docs/BENCHMARKS.md`` from their JSON
results.

``python -m bench [--quick|--full] [--all] [--report-only] [--list] [NAME...]`` from a source checkout.

Benchmarks are developer tools that live in a source checkout, not in the installed package: the checkout is
found from the current directory upwards (the first folder holding ``bench/common.py``). Each script is run
as a subprocess with the running Python (``sys.executable``, the virtualenv's), from the checkout root, with
``--quick`` unless a full run is asked for; it writes ``bench/results/NAME.json`` in the format of
``bench/common.py``. ``docs/BENCHMARKS.md`` is then rebuilt from every result file present, whichever scripts
produced them, so it is never out of step with the JSON.

A script marks itself slow with a line ``SLOW = True`` at module level (read without importing it): slow
benchmarks (model training, say) run only when named or with ``include_slow``.
"""

from __future__ import annotations

import argparse
import ast
import json
import logging
import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from partita.atomic import atomic_write_text
from partita.progress import ProgressCallback, report

log = logging.getLogger(__name__)


@dataclass
class Benchmark:
    """One ``bench/bench_NAME.py`` script."""

    name: str
    path: Path
    slow: bool
    description: str


@dataclass
class RunResult:
    """The outcome of running one benchmark script."""

    name: str
    returncode: int
    seconds: float
    log_path: Path | None


def find_checkout(start: str | os.PathLike | None = None) -> Path:
    """The source checkout that holds ``bench/common.py``, searched from ``start`` (default: cwd) upwards."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "bench" / "common.py").is_file():
            return folder
    raise FileNotFoundError(
        f"no partita source checkout at or above {here} (looked for bench/common.py): "
        "run `python -m bench` from inside a clone of the partita repository"
    )


def _flag(tree: ast.Module, name: str) -> bool:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return isinstance(node.value, ast.Constant) and node.value.value is True
    return False


def list_benchmarks(root: str | os.PathLike) -> list[Benchmark]:
    """The benchmark scripts under ``root/bench`` (``bench_*.py``), sorted by name."""
    out = []
    for path in sorted(Path(root, "bench").glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError) as e:
            log.warning("%s: cannot be parsed (%s); listed as slow", path, e)
            out.append(Benchmark(name, path, True, ""))
            continue
        doc = (ast.get_docstring(tree) or "").strip().splitlines()
        out.append(Benchmark(name, path, _flag(tree, "SLOW"), doc[0] if doc else ""))
    return out


def select_benchmarks(
    available: list[Benchmark], names: list[str] | None = None, include_slow: bool = False
) -> list[Benchmark]:
    """The benchmarks to run: those named (``corpus`` or ``bench_corpus``), else all but the slow ones."""
    if names:
        by_name = {b.name: b for b in available}
        chosen = []
        for n in names:
            key = Path(n).stem.removeprefix("bench_")
            if key not in by_name:
                raise ValueError(f"no benchmark '{n}': available are {', '.join(sorted(by_name)) or 'none'}")
            chosen.append(by_name[key])
        return chosen
    return [b for b in available if include_slow or not b.slow]


def run_benchmarks(
    root: str | os.PathLike,
    benchmarks: list[Benchmark],
    quick: bool = True,
    log_dir: str | os.PathLike | None = None,
    timeout: float | None = None,
    progress: ProgressCallback | None = None,
) -> list[RunResult]:
    """Run each script as ``python bench/bench_NAME.py [--quick]`` from ``root``; a failure does not stop the
    rest.

    Output goes to ``log_dir/NAME.log`` (default ``root/bench/results/logs``).
    """
    root = Path(root)
    logs = Path(log_dir) if log_dir else root / "bench" / "results" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    results = []
    for i, b in enumerate(benchmarks):
        report(progress, i, len(benchmarks), b.name)
        cmd = [sys.executable, str(b.path.relative_to(root))] + (["--quick"] if quick else [])
        log_path = logs / f"{b.name}.log"
        t0 = time.perf_counter()
        with open(log_path, "w", encoding="utf-8") as f:
            try:
                proc = subprocess.run(
                    cmd, cwd=root, stdout=f, stderr=subprocess.STDOUT, timeout=timeout, check=False
                )
                code = proc.returncode
            except subprocess.TimeoutExpired:
                f.write(f"\n[bench] timed out after {timeout} s\n")
                code = -1
        seconds = time.perf_counter() - t0
        if code != 0:
            log.warning("benchmark %s failed (exit %d); see %s", b.name, code, log_path)
        results.append(RunResult(b.name, code, seconds, log_path))
    report(progress, len(benchmarks), len(benchmarks), "done")
    return results


def load_results(results_dir: str | os.PathLike) -> list[dict]:
    """Every readable ``*.json`` result file in ``results_dir``, sorted by name; bad files are skipped with a
    warning."""
    out = []
    for path in sorted(Path(results_dir).glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            log.warning("%s: unreadable result file (%s), left out of the report", path, e)
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("rows"), list):
            log.warning("%s: not a benchmark result (no 'rows' list), left out of the report", path)
            continue
        doc.setdefault("name", path.stem)
        out.append(doc)
    return out


def _num(x, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    if not isinstance(x, (int, float)):
        return str(x)
    ax = abs(x)
    text = f"{x:.3g}" if ax < 1000 else f"{x:,.0f}"
    return f"{text} {unit}".strip()


def _ratio(r: dict) -> str:
    ratio = r.get("ratio")
    if ratio is None or not isinstance(ratio, (int, float)) or not math.isfinite(ratio):
        return "–"
    better = ratio >= 1 if r.get("higher_is_better", True) else ratio <= 1
    return f"{ratio:.2f}x" + ("" if better else " (worse)")


def _machine(m: dict) -> str:
    if not m:
        return "unknown machine"
    parts = [m.get("cpu_model") or m.get("processor"), f"{m.get('cpus')} CPUs" if m.get("cpus") else None]
    parts += [
        f"Python {m['python']}" if m.get("python") else None,
        f"torch {m['torch']}" if m.get("torch") else None,
    ]
    return ", ".join(p for p in parts if p)


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(results: list[dict]) -> str:
    """``docs/BENCHMARKS.md`` from result documents (see ``bench/common.py`` for the format)."""
    lines = [
        "# Benchmarks",
        "",
        "Generated by `python -m bench` from `bench/results/*.json`; do not edit by hand. Every row gives "
        'the figure, the baseline or peer measured in the same run, their ratio (value / baseline; "(worse)" '
        "when the ratio goes the wrong way for that metric), the goal if there is one, and the command that "
        "reproduces it. Regenerate with `python -m bench --report-only`; rerun with "
        "`python -m bench [--quick|--full] [NAME...]`.",
        "",
    ]
    if not results:
        lines += ["No results yet: run `python -m bench --quick`.", ""]
        return "\n".join(lines)
    lines += ["| benchmark | date | mode | machine |", "|---|---|---|---|"]
    for doc in results:
        mode = "quick" if doc.get("quick") else "full"
        lines.append(
            f"| [{_cell(doc.get('title') or doc['name'])}](#{doc['name']}) | {_cell(doc.get('date', '?'))} "
            f"| {mode} | {_cell(_machine(doc.get('machine') or {}))} |"
        )
    lines.append("")
    for doc in results:
        lines += [f'<a id="{doc["name"]}"></a>', f"## {doc.get('title') or doc['name']}", ""]
        lines.append(
            f"`bench/results/{doc['name']}.json`, {doc.get('date', 'undated')}, "
            f"{'quick' if doc.get('quick') else 'full'} run on {_machine(doc.get('machine') or {})}."
        )
        lines += [
            "",
            "| metric | value | baseline (same run) | baseline value | ratio | goal | command |",
            "|---|---|---|---|---|---|---|",
        ]
        notes = []
        for r in doc["rows"]:
            if not isinstance(r, dict):
                continue
            unit = r.get("unit") or ""
            lines.append(
                "| "
                + " | ".join(
                    _cell(c)
                    for c in (
                        r.get("metric", "?"),
                        _num(r.get("value"), unit),
                        r.get("baseline") or "–",
                        _num(r.get("baseline_value"), unit),
                        _ratio(r),
                        r.get("goal") or "–",
                        f"`{r['command']}`" if r.get("command") else "–",
                    )
                )
                + " |"
            )
            if r.get("notes"):
                notes.append(f"- {r.get('metric', '?')}: {r['notes']}")
        if notes:
            lines += ["", *notes]
        lines.append("")
    return "\n".join(lines)


def write_benchmarks_markdown(root: str | os.PathLike) -> Path:
    """Rebuild ``root/docs/BENCHMARKS.md`` from ``root/bench/results/*.json``; returns its path."""
    root = Path(root)
    path = root / "docs" / "BENCHMARKS.md"
    atomic_write_text(path, render_markdown(load_results(root / "bench" / "results")))
    return path


def main(argv: list[str] | None = None) -> int:
    """``python -m bench``: run the benchmarks (the fast ones unless named, or with ``--all``) and rebuild
    ``docs/BENCHMARKS.md``; 0 when all ran, 1 when one failed, 2 on a usage error (said in one line)."""
    args = _parser().parse_args(argv)
    try:
        root = find_checkout()
        available = list_benchmarks(root)
        if args.list:
            for b in available:
                print(f"{b.name:12s} {'(slow) ' if b.slow else ''}{b.description}")
            return 0
        failed = [] if args.report_only else _run(root, available, args)
        print(f"wrote {write_benchmarks_markdown(root)}")
    except (FileNotFoundError, ValueError) as e:
        print(f"bench: error: {e}", file=sys.stderr)
        return 2
    if failed:
        print(f"{len(failed)} benchmark(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _run(root: Path, available: list[Benchmark], args: argparse.Namespace) -> list[str]:
    chosen = select_benchmarks(available, list(args.names) or None, args.all)
    if not chosen:
        print("no benchmarks to run")
    with tqdm(total=len(chosen), unit="script", desc="benchmarks", disable=None) as bar:

        def progress(done: int, total: int, message: str = "") -> None:
            bar.n = done
            bar.set_postfix_str(message)
            bar.refresh()

        runs = run_benchmarks(root, chosen, quick=args.quick, timeout=args.timeout, progress=progress)
    for r in runs:
        status = "ok" if r.returncode == 0 else f"FAILED (exit {r.returncode}, log {r.log_path})"
        print(f"{r.name:12s} {r.seconds:8.1f} s  {status}")
    return [r.name for r in runs if r.returncode != 0]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument(
        "names", nargs="*", help="benchmarks to run (e.g. corpus analysis); default: the fast ones"
    )
    speed = p.add_mutually_exclusive_group()
    speed.add_argument(
        "--quick", dest="quick", action="store_true", default=True, help="each script's --quick"
    )
    speed.add_argument("--full", dest="quick", action="store_false", help="each script's full run")
    p.add_argument("--all", action="store_true", help="also the benchmarks marked SLOW (unless NAMEs given)")
    p.add_argument("--report-only", action="store_true", help="only regenerate docs/BENCHMARKS.md")
    p.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    p.add_argument("--timeout", type=float, default=None, help="stop a script after this many seconds")
    return p
