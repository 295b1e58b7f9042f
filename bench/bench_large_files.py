"""The CLI on the largest real pieces at hand: time, memory, output, exit code and tracebacks (issue 20).

Runs ``partita describe``, ``caption``, ``render`` (every output: piano roll, engraved first page as PNG and
SVG, MusicXML, WAV) and ``convert`` (MIDI to MusicXML, a score to MIDI) as child processes, each under
``nice``, on:

- the largest POP909 MIDI files among songs 001-800 (by file size; songs 801-909 are never read);
- the largest pieces of music21's corpus: Beethoven's Grosse Fuge op. 133 (the largest compressed MusicXML,
  10 MiB inflated) and Clara Schumann's Piano Trio op. 17 iii (the largest uncompressed one but for a
  Trecento Gloria);
- an hour of music: the largest POP909 songs (001-800) concatenated into one MIDI file of 60 minutes or more.

Each large input's run is set beside the same command on a small piece of the same kind, measured in the same
run (the smallest POP909 song for MIDI, the chorale BWV 66.6 for MusicXML): the ratio says how the cost grows
with the piece. Per run: wall seconds, CPU seconds (user + system of the child and what it waited for),
peak resident memory (``os.wait4``'s ``ru_maxrss``), bytes written, exit code and whether stderr holds a
Python traceback. CPU seconds are the steadier figure on a shared machine.

    python bench/bench_large_files.py [--quick] [--jobs 4] [--budget MINUTES] [--timeout 900] [--keep DIR]
        [--nice 15]

``--jobs`` runs that many commands at once (their CPU time and memory are their own); ``--budget`` bounds the
whole run: a command still going then is stopped and reported as timed out, one not started is listed as not
run. ``--nice`` is the niceness added to each child (15 by default; 0 keeps the run's own, for a machine
where other work at a lower niceness would starve the children past any timeout).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402
from partita.paths import shared_data_dir  # noqa: E402

COMMAND = "python bench/bench_large_files.py"
SLOW = True
"""Left out of ``python -m bench`` unless asked for: even ``--quick`` spends minutes of CPU on op. 133."""
LAST_SONG = 800
"""POP909 songs past this id are held out for good: never listed, never read."""
HOUR_S = 3600.0
COMMANDS = ("describe", "caption", "render", "convert")


@dataclass(frozen=True)
class Piece:
    """One input: a name, its file, and the small piece of the same kind it is compared with."""

    name: str
    path: Path
    baseline: str | None
    what: str


def _corpus_dir() -> Path:
    import music21

    return Path(music21.__file__).parent / "corpus"


def pop909_songs() -> list[Path]:
    """The MIDI files of POP909 songs 001-800 (by id; nothing later is listed)."""
    root = shared_data_dir() / "pop909"
    return [
        root / f"{i:03d}" / f"{i:03d}.mid"
        for i in range(1, LAST_SONG + 1)
        if (root / f"{i:03d}" / f"{i:03d}.mid").is_file()
    ]


def concat_hour(paths: list[Path], out: Path, seconds: float = HOUR_S) -> tuple[float, int]:
    """Write the songs of ``paths``, one after another, to ``out`` until it lasts ``seconds``; its length
    in seconds and the number of songs."""
    from partita.score import read_midi, write_midi

    whole = None
    used = 0
    for p in paths:
        s = read_midi(p)
        used += 1
        if whole is None:
            whole = s.copy()
        else:
            s = s.resample(whole.ticks_per_quarter) if s.ticks_per_quarter != whole.ticks_per_quarter else s
            s = s.shift_time(whole.end())
            names = {t.name: t for t in whole.tracks}
            for t in s.tracks:
                if t.name in names:
                    names[t.name].notes.extend(t.notes)
                else:
                    whole.tracks.append(t)
            whole.tempos.extend(s.tempos)
            whole.time_signatures.extend(s.time_signatures)
            whole.key_signatures.extend(s.key_signatures)
        if whole.to("second").end() >= seconds:
            break
    assert whole is not None
    write_midi(whole, out)
    return float(whole.to("second").end()), used


def pieces(work: Path, quick: bool) -> tuple[list[Piece], dict]:
    """The inputs (small baselines first) and what the hour was made of."""
    songs = sorted(pop909_songs(), key=lambda p: (p.stat().st_size, p.name))
    corpus = _corpus_dir()
    out = [
        Piece("pop909-smallest", songs[0], None, f"POP909 {songs[0].stem}, the smallest file of 001-800"),
        Piece("chorale", corpus / "bach" / "bwv66.6.mxl", None, "Bach chorale BWV 66.6 (MusicXML)"),
    ]
    largest = [Piece(f"pop909-{p.stem}", p, "pop909-smallest", f"POP909 {p.stem}") for p in songs[::-1][:2]]
    big = [
        Piece(n, corpus / rel, "chorale", w)
        for n, rel, w in (
            ("beethoven-op133", "beethoven/opus133.mxl", "Beethoven, Grosse Fuge op. 133 (string quartet)"),
            (
                "clara-op17-iii",
                "schumann_clara/opus17/movement3.xml",
                "Clara Schumann, Piano Trio op. 17 iii",
            ),
        )
    ]
    if quick:
        return [*out, largest[0], big[0]], {}
    hour = work / "pop909-hour.mid"
    secs, used = concat_hour(songs[::-1], hour)
    hour_info = {"seconds": secs, "songs": [p.stem for p in songs[::-1][:used]]}
    hour_piece = Piece("pop909-hour", hour, "pop909-smallest", f"{used} POP909 songs, {secs / 60:.0f} min")
    # the most telling first, in case the budget runs out
    out += [hour_piece, big[0], largest[0], big[1], largest[1]]
    return out, hour_info


def partita_exe() -> str:
    exe = Path(sys.executable).parent / "partita"
    return str(exe) if exe.exists() else "partita"


def argv_for(command: str, piece: Piece, out_dir: Path) -> tuple[list[str], Path | None]:
    """The partita command line for ``command`` on ``piece`` and the file or folder it writes."""
    src = str(piece.path)
    if command == "render":
        return ["render", src, "-o", str(out_dir)], out_dir
    if command == "convert":
        target = out_dir / ("out.musicxml" if piece.path.suffix == ".mid" else "out.mid")
        return ["convert", src, str(target)], target
    return [command, src], None


def _size(path: Path | None) -> int:
    if path is None or not path.exists():
        return 0
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run_one(argv: list[str], out: Path | None, log_dir: Path, timeout: float, niceness: int = 15) -> dict:
    """Run partita ``argv`` as a child under ``nice -n niceness``; its wall and CPU time, peak memory, bytes
    written (to stdout and ``out``), exit code and whether stderr holds a traceback."""
    log_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    start = time.perf_counter()
    with open(log_dir / "stdout", "wb") as fo, open(log_dir / "stderr", "wb") as fe:
        proc = subprocess.Popen(
            ["nice", "-n", str(niceness), partita_exe(), *argv],
            stdout=fo,
            stderr=fe,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=log_dir,
            start_new_session=True,
        )
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    stderr = (log_dir / "stderr").read_text(errors="replace")
    last = [ln for ln in stderr.strip().splitlines() if ln.strip()][-1:] or [""]
    return {
        "argv": ["partita", *argv],
        "rc": proc.returncode,
        "timed_out": timed_out,
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_mib": round(usage.ru_maxrss / 1024, 1),
        "out_bytes": _size(out) + (log_dir / "stdout").stat().st_size,
        "traceback": "Traceback (most recent call last)" in stderr,
        "last_stderr_line": last[0][-300:],
    }


def _one(task: tuple[Piece, str], work: Path, timeout: float, deadline: float, niceness: int) -> dict | None:
    """One command on one piece; None when the run's budget is spent before it starts."""
    piece, command = task
    left = deadline - time.monotonic()
    if left <= 0:
        return None
    out_dir = work / "out" / piece.name / command
    out_dir.mkdir(parents=True, exist_ok=True)
    argv, out = argv_for(command, piece, out_dir)
    r = run_one(argv, out, work / "logs" / piece.name / command, min(timeout, left), niceness)
    shutil.rmtree(out_dir, ignore_errors=True)  # a render's WAV of an hour is 600 MB
    print(
        f"{piece.name:18s} {command:8s} rc={r['rc']} wall={r['wall_s']:7.1f}s cpu={r['cpu_s']:7.1f}s "
        f"peak={r['peak_mib']:6.0f} MiB out={r['out_bytes'] / 1e6:8.2f} MB traceback={r['traceback']}",
        file=sys.stderr,
        flush=True,
    )
    return r


def measure(
    plist: list[Piece], work: Path, timeout: float, jobs: int, budget_s: float, niceness: int = 15
) -> dict[tuple[str, str], dict]:
    """Every command on every piece, ``jobs`` at a time, until ``budget_s`` seconds are spent (runs not
    started by then are left out; a run still going is stopped and counted as timed out). CPU time and memory
    are the child's own; wall time depends on what else runs."""
    tasks = [(p, c) for p in plist for c in COMMANDS]
    deadline = time.monotonic() + budget_s
    with ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(lambda t: _one(t, work, timeout, deadline, niceness), tasks))
    return {(p.name, c): r for (p, c), r in zip(tasks, results, strict=True) if r is not None}


def _note(piece: Piece, r: dict, base: dict | None) -> str:
    text = (
        f"{piece.what}: exit {r['rc']}{' (timed out)' if r['timed_out'] else ''}, "
        f"{'a traceback' if r['traceback'] else 'no traceback'}, wall {r['wall_s']:.1f} s, "
        f"CPU {r['cpu_s']:.1f} s, peak {r['peak_mib']:.0f} MiB, {r['out_bytes'] / 1e6:.2f} MB written"
    )
    if r["rc"] != 0:
        text += f"; stderr ends: {r['last_stderr_line']}"
    if base is not None:
        text += f"; small piece: CPU {base['cpu_s']:.1f} s, {base['out_bytes'] / 1e6:.2f} MB"
    return text


def rows_of(plist: list[Piece], runs: dict, cmd: str) -> list[dict]:
    """CPU seconds and peak memory of each large piece's run against the small piece's; then the failures."""
    by_name = {p.name: p for p in plist}
    out = []
    for piece in plist:
        if piece.baseline is None:
            continue
        for command in COMMANDS:
            if (piece.name, command) not in runs or (piece.baseline, command) not in runs:
                continue
            r, b = runs[(piece.name, command)], runs[(piece.baseline, command)]
            note = _note(piece, r, b)
            base = f"{command} on {by_name[piece.baseline].what}"
            out.append(
                row(
                    f"{command} {piece.name}: CPU time",
                    r["cpu_s"],
                    "s",
                    cmd,
                    base,
                    b["cpu_s"],
                    higher_is_better=False,
                    notes=note,
                )
            )
            out.append(
                row(
                    f"{command} {piece.name}: peak memory",
                    r["peak_mib"],
                    "MiB",
                    cmd,
                    base,
                    b["peak_mib"],
                    higher_is_better=False,
                    notes=note,
                )
            )
    all_runs = list(runs.values())
    small = [runs[k] for k in runs if by_name[k[0]].baseline is None]
    missing = [f"{p.name} {c}" for p in plist for c in COMMANDS if (p.name, c) not in runs]
    left_out = f"; not run (budget spent): {', '.join(missing)}" if missing else ""
    fails = [f"{' '.join(r['argv'][:2])}: {r['last_stderr_line']}" for r in all_runs if r["rc"] != 0]
    out.append(
        row(
            "runs with a Python traceback",
            sum(r["traceback"] for r in all_runs),
            "runs",
            cmd,
            "the same commands on the small pieces",
            sum(r["traceback"] for r in small),
            higher_is_better=False,
            goal="0",
            notes=f"{len(all_runs)} runs{left_out}",
        )
    )
    out.append(
        row(
            "runs that exited non-zero",
            len(fails),
            "runs",
            cmd,
            "the same commands on the small pieces",
            sum(r["rc"] != 0 for r in small),
            higher_is_better=False,
            notes="; ".join(fails)[:1500] or f"{len(all_runs)} runs, all 0",
        )
    )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one large POP909 song and one large score, no hour")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds one command may run")
    ap.add_argument("--jobs", type=int, default=1, help="commands run at the same time")
    ap.add_argument("--budget", type=float, default=0.0, help="minutes for all runs (0: no limit)")
    ap.add_argument("--keep", type=Path, default=None, help="keep the logs (and the hour's MIDI) here")
    ap.add_argument("--nice", type=int, default=15, help="niceness added to each child command")
    args = ap.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="partita-large-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        plist, hour = pieces(work, args.quick)
        runs = measure(plist, work, args.timeout, args.jobs, args.budget * 60 or float("inf"), args.nice)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    cmd = COMMAND + (" --quick" if args.quick else "")
    path = write_result(
        "large_files",
        "The CLI on the largest real pieces: describe, caption, render, convert",
        rows_of(plist, runs, cmd),
        quick=args.quick,
        extra={"hour": hour, "runs": [{"piece": k[0], "command": k[1], **v} for k, v in runs.items()]},
    )
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
