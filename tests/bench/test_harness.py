import json
import shutil
from pathlib import Path

import pytest
from bench.harness import (
    find_checkout,
    list_benchmarks,
    load_results,
    main,
    render_markdown,
    select_benchmarks,
)

REPO = Path(__file__).resolve().parents[2]

FAST = '''"""A fast benchmark for the harness test."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result

quick = "--quick" in sys.argv
write_result(
    "fast", "Fast thing", [row("speed", 2.0, "x/s", "python bench/bench_fast.py", "peer", 4.0)], quick=quick
)
'''

SLOW = '''"""A slow benchmark that must not run unless asked."""
SLOW = True
raise SystemExit("ran the slow benchmark")
'''


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    (tmp_path / "bench").mkdir()
    shutil.copy(REPO / "bench" / "common.py", tmp_path / "bench" / "common.py")
    (tmp_path / "bench" / "bench_fast.py").write_text(FAST)
    (tmp_path / "bench" / "bench_slow.py").write_text(SLOW)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")  # found from a sub-folder too
    return tmp_path


def test_listing_and_selection(checkout):
    assert find_checkout() == checkout
    found = {b.name: b for b in list_benchmarks(checkout)}
    assert set(found) == {"fast", "slow"}
    assert found["slow"].slow and not found["fast"].slow
    assert found["fast"].description == "A fast benchmark for the harness test."
    assert [b.name for b in select_benchmarks(list(found.values()))] == ["fast"]
    assert [b.name for b in select_benchmarks(list(found.values()), ["bench_slow"])] == ["slow"]
    with pytest.raises(ValueError, match="no benchmark 'nope'"):
        select_benchmarks(list(found.values()), ["nope"])


def test_bench_runs_the_fast_ones_and_writes_the_markdown(checkout, capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "fast" in out and "ok" in out and "slow" not in out
    doc = json.loads((checkout / "bench" / "results" / "fast.json").read_text())
    assert doc["quick"] is True
    md = (checkout / "docs" / "BENCHMARKS.md").read_text()
    assert "Fast thing" in md and "`python bench/bench_fast.py`" in md and "0.50x (worse)" in md
    assert not (checkout / "bench" / "results" / "slow.json").exists()
    # naming the slow one runs it; its failure is reported and the Markdown still rebuilt
    assert main(["slow"]) == 1
    assert "FAILED" in capsys.readouterr().out
    assert "ran the slow benchmark" in (checkout / "bench" / "results" / "logs" / "slow.log").read_text()


def test_report_only_survives_bad_result_files(checkout):
    results = checkout / "bench" / "results"
    results.mkdir(parents=True)
    (results / "broken.json").write_text("{")
    (results / "other.json").write_text('{"something": 1}')
    (results / "peer.json").write_text(
        json.dumps(
            {
                "name": "peer",
                "title": "Peer | test",
                "date": "2026-01-01T00:00:00+00:00",
                "machine": {"cpus": 2, "python": "3.11"},
                "quick": False,
                "rows": [
                    {
                        "metric": "nll",
                        "value": 1.2,
                        "unit": "nats",
                        "baseline": "absolute",
                        "baseline_value": 1.5,
                        "ratio": 0.8,
                        "higher_is_better": False,
                        "goal": "< 1.5",
                        "command": "python bench/bench_peer.py",
                        "notes": "lower is better",
                    },
                    {"metric": "no peer", "value": 3, "unit": "", "command": "x"},
                ],
            }
        )
    )
    assert main(["--report-only"]) == 0
    md = (checkout / "docs" / "BENCHMARKS.md").read_text()
    assert "Peer \\| test" in md and "| 0.80x |" in md and "lower is better" in md
    assert [d["name"] for d in load_results(results)] == ["peer"]


def test_empty_results_and_no_checkout(tmp_path, monkeypatch, capsys):
    assert "No results yet" in render_markdown([])
    monkeypatch.chdir(tmp_path)
    assert main(["--report-only"]) == 2
    assert "no partita source checkout" in capsys.readouterr().err


def test_every_fast_benchmark_of_the_checkout_takes_quick():
    """``python -m bench --quick`` (``make bench``) passes ``--quick`` to every benchmark not marked slow: one
    whose argument parser does not know it fails at once (seven did on 2026-12-05)."""
    benches = list_benchmarks(REPO)
    assert benches
    missing = [b.name for b in benches if not b.slow and '"--quick"' not in b.path.read_text("utf-8")]
    assert not missing, f"these benchmarks do not accept --quick: {missing}"
