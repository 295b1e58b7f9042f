"""The newer commands over hostile inputs and absurd options: one clear line (exit code 1 or 2) naming what is
wrong, before any real work; never a traceback, a crash or an unbounded cost.

The hostile-file suite (tests/robustness/test_hostile_files.py) runs describe, caption, render and convert;
this one runs identify, instruments, clmr, score-video, match-video, song, embed, melody, encoder, recommend,
similar, evaluate, generate and tune. The inputs are made here, a few hundred bytes each: MIDI files of
0 ticks per quarter note, a note of days and 2,000 tracks; a WAV of infinities; a text file named .mp4; a
folder with a symbolic link loop; an output path under a regular file (the tests run as root, where a
read-only folder is writable anyway).
"""

from __future__ import annotations

import time
import wave
from pathlib import Path

import numpy as np
import pytest
from tests.robustness.test_hostile_files import mtrk, note, run_cli, scale, smf

from partita.score import ScoreError

RATE = 16000
SECONDS = 20.0
"""A refusal comes before any real work: seconds, not the minutes a note of days took (generous: the machine
is shared; torch, librosa and scipy.signal are imported before the clock starts)."""


def write_wav(path: Path, samples: np.ndarray, float_samples: bool = False) -> Path:
    if float_samples:  # libsndfile writes IEEE float WAV; the standard library does not
        import soundfile as sf

        sf.write(str(path), samples.astype(np.float32), RATE, subtype="FLOAT")
        return path
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


@pytest.fixture(scope="module")
def d(tmp_path_factory) -> Path:
    """The hostile inputs, made in code."""
    d = tmp_path_factory.mktemp("hostile-new")
    (d / "good.mid").write_bytes(smf([mtrk(scale())]))
    (d / "zero-tpq.mid").write_bytes(smf([mtrk(scale())], division=0))
    (d / "days.mid").write_bytes(smf([mtrk(note(ticks=0x0FFFFFFF))], division=96))
    (d / "2000-tracks.mid").write_bytes(smf([mtrk(note(channel=i % 16)) for i in range(2000)]))
    (d / "no-notes.mid").write_bytes(smf([mtrk([])]))
    (d / "empty.mid").write_bytes(b"")
    t = np.arange(4 * RATE) / RATE
    write_wav(d / "good.wav", 0.3 * np.sin(2 * np.pi * 440 * t))
    write_wav(d / "silence.wav", np.zeros(3 * RATE))
    write_wav(d / "no-samples.wav", np.zeros(0))
    write_wav(d / "inf.wav", np.where(np.arange(2 * RATE) % 2, np.inf, -np.inf), float_samples=True)
    (d / "corrupt.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(400))
    (d / "text.mp4").write_bytes(b"this is not a video\n" * 50)
    (d / "ly.txt").write_text("[verse]\nhello my friend the sun is bright\n")
    loop = d / "loop"
    loop.mkdir()
    (loop / "a.mid").write_bytes(smf([mtrk(scale())]))
    (loop / "x.mid").symlink_to("x.mid")
    (d / "empty-dir").mkdir()
    (d / "blocker").write_text("a file where a folder is asked for")
    import librosa  # noqa: F401 - imported here, not inside the first timed command (10 s under load)
    import scipy.signal  # noqa: F401
    import torch  # noqa: F401

    return d


def unwritable(d: Path) -> Path:
    return d / "blocker" / "sub"


# name -> (the arguments, a phrase the one-line refusal must hold); {d} is the inputs' folder, {out} a fresh
# output folder, {u} a path under a regular file
CASES: dict[str, tuple[list[str], str]] = {
    # read_scores: the cost limits of every other command (was a librosa traceback / "float NaN")
    "identify --scores 2000 tracks": (
        ["identify", "{d}/good.wav", "--scores", "{d}/2000-tracks.mid", "--method", "dtw"],
        "2000 tracks, over the limit",
    ),
    "identify --scores 0 tpq": (
        ["identify", "{d}/good.wav", "--scores", "{d}/zero-tpq.mid", "--method", "dtw"],
        "0 ticks per quarter note",
    ),
    "identify --max-seconds nan": (
        ["identify", "{d}/good.wav", "--scores", "{d}/good.mid", "--max-seconds", "nan"],
        "not a finite number",
    ),
    "identify silence": (["identify", "{d}/silence.wav", "--scores", "{d}/good.mid"], "silent"),
    "instruments no samples": (["instruments", "{d}/no-samples.wav"], "no samples"),
    "instruments text.mp4": (["instruments", "{d}/text.mp4"], "not a readable audio file"),
    # clmr: infinities were embedded as NaNs; absurd training options reached torch (100,000 threads crash it)
    "clmr embed infinities": (["clmr", "embed", "{d}/inf.wav"], "invalid samples"),
    "clmr embed corrupt": (["clmr", "embed", "{d}/corrupt.wav"], "corrupt or truncated WAV"),
    "clmr embed -o unwritable": (["clmr", "embed", "{d}/good.wav", "-o", "{u}/v.npy"], "cannot write"),
    "clmr train --threads 100000": (["clmr", "train", "--out", "{out}", "--threads", "100000"], "--threads"),
    "clmr train --seconds 1e12": (["clmr", "train", "--out", "{out}", "--seconds", "1e12"], "--seconds"),
    "clmr train --minutes nan": (["clmr", "train", "--out", "{out}", "--minutes", "nan"], "--minutes"),
    "clmr train --seed -1": (["clmr", "train", "--out", "{out}", "--seed", "-1"], "--seed"),
    "clmr train --out unwritable": (["clmr", "train", "--out", "{u}"], "cannot write"),
    # embed, melody: the cost limits (a note of days was embedded), and an unwritable output (traceback)
    "embed 0 tpq": (["embed", "{d}/zero-tpq.mid", "--model", "debug"], "0 ticks per quarter note"),
    "embed a note of days": (["embed", "{d}/days.mid", "--model", "debug"], "days long, over the limit"),
    "embed -o unwritable": (["embed", "{d}/good.mid", "--model", "debug", "-o", "{u}/e.npz"], "cannot write"),
    "melody 2000 tracks": (
        ["melody", "{d}/2000-tracks.mid", "-o", "{out}/m.mid", "--skyline"],
        "2000 tracks",
    ),
    "melody -o unwritable": (["melody", "{d}/good.mid", "-o", "{u}/m.mid", "--skyline"], "cannot write"),
    # song: ZeroDivisionError on 0 ticks per quarter note; tracebacks on an unwritable folder; a seed overflow
    "song template 0 tpq": (["song", "template", "{d}/zero-tpq.mid"], "0 ticks per quarter note"),
    "song melody -o unwritable": (["song", "melody", "{d}/ly.txt", "-o", "{u}", "--no-png"], "cannot write"),
    "song full -o unwritable": (
        ["song", "full", "{d}/ly.txt", "-o", "{u}", "--model", "debug", "-n", "1"],
        "cannot write",
    ),
    "song full --seed 2**70": (
        ["song", "full", "{d}/ly.txt", "-o", "{out}", "--model", "debug", "--seed", str(2**70)],
        "range",
    ),
    # video: refused in one line already; an unwritable folder was a traceback after the whole run
    "score-video text.mp4": (
        ["score-video", "{d}/text.mp4", "-o", "{out}", "--model", "debug"],
        "not a video",
    ),
    "score-video -o unwritable": (
        ["score-video", "{d}/text.mp4", "-o", "{u}", "--model", "debug"],
        "cannot write",
    ),
    "score-video --seed 2**70": (
        ["score-video", "{d}/text.mp4", "-o", "{out}", "--seed", str(2**70)],
        "range",
    ),
    "match-video text.mp4": (["match-video", "{d}/text.mp4"], "not a video"),
    # encoder: NaN / absurd lambda wrote a model of NaNs; tracebacks on an unwritable folder (adapt: after
    # training); 100,000 threads crashed torch; a negative seed was numpy's "expected non-negative integer"
    "encoder merge --lam nan": (
        ["encoder", "merge", "debug", "debug", "-o", "{out}", "--lam", "nan"],
        "not a finite number",
    ),
    "encoder merge --lam 1e30": (
        ["encoder", "merge", "debug", "debug", "-o", "{out}", "--lam", "1e30"],
        "range",
    ),
    "encoder merge -o unwritable": (["encoder", "merge", "debug", "debug", "-o", "{u}"], "cannot write"),
    "encoder adapt -o unwritable": (
        ["encoder", "adapt", "debug", "--culture", "western", "-o", "{u}"],
        "cannot write",
    ),
    "encoder adapt --threads 100000": (
        ["encoder", "adapt", "debug", "--culture", "western", "-o", "{out}", "--threads", "100000"],
        "range",
    ),
    "encoder adapt --seed -1": (
        ["encoder", "adapt", "debug", "--culture", "western", "-o", "{out}", "--seed", "-1"],
        "range",
    ),
    "encoder adapt --batch-size 1e8": (  # one step ran for minutes
        ["encoder", "adapt", "debug", "--culture", "western", "-o", "{out}", "--batch-size", "100000000"],
        "range",
    ),
    "encoder adapt --lr nan": (
        ["encoder", "adapt", "debug", "--culture", "western", "-o", "{out}", "--lr", "nan"],
        "not a finite number",
    ),
    # recommend / similar: a note of days took minutes and 0 tpq or no notes gave answers; checked before
    # the index loads
    "recommend a note of days": (
        ["recommend", "{d}/days.mid", "--index", "{d}/empty-dir"],
        "days long, over the limit",
    ),
    "recommend 0 tpq": (["recommend", "{d}/zero-tpq.mid", "--index", "{d}/empty-dir"], "0 ticks per quarter"),
    "recommend no notes": (["recommend", "{d}/no-notes.mid", "--index", "{d}/empty-dir"], "no notes"),
    "recommend symlink loop": (
        ["recommend", "{d}/loop/x.mid", "--index", "{d}/empty-dir"],
        "symbolic link loop",
    ),
    "similar 2000 tracks": (["similar", "{d}/2000-tracks.mid", "--index", "{d}/empty-dir"], "2000 tracks"),
    # evaluate (--realism): the cost limits on both sets; an unwritable report folder (traceback)
    "evaluate --reference 2000 tracks": (
        ["evaluate", "{d}/good.mid", "--reference", "{d}/2000-tracks.mid", "--realism", "-o", "{out}"],
        "2000 tracks",
    ),
    "evaluate a note of days": (["evaluate", "{d}/days.mid", "-o", "{out}"], "days long"),
    "evaluate -o unwritable": (["evaluate", "{d}/good.mid", "-o", "{u}"], "cannot write"),
    # generate with a concept folder, tune with a preference store: refused in one line already
    "generate --model empty folder": (
        ["generate", "a waltz", "--model", "{d}/empty-dir", "-o", "{out}"],
        "not a model folder",
    ),
    "generate --concept empty folder": (
        ["generate", "a waltz", "--model", "debug", "--concept", "{d}/empty-dir", "-o", "{out}"],
        "not a partita concept folder",
    ),
    "tune --prefs not a store": (
        ["tune", "--prefs", "{d}/good.mid", "-o", "{out}", "--base", "debug"],
        "not a preference store",
    ),
    "tune -o unwritable": (
        ["tune", "--prefs", "{d}/good.mid", "-o", "{u}", "--base", "debug"],
        "cannot write",
    ),
    "tune --lr nan": (["tune", "-o", "{out}", "--lr", "nan"], "not a finite number"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_refused_in_one_line(d: Path, tmp_path: Path, name: str) -> None:
    template, phrase = CASES[name]
    out = tmp_path / "out"
    args = [a.format(d=d, out=out, u=unwritable(d)) for a in template]
    t0 = time.monotonic()
    code, text, escaped, tb = run_cli(args)
    seconds = time.monotonic() - t0
    assert escaped is None, f"partita {' '.join(args)} raised {escaped!r}:\n{tb}"
    assert "Traceback" not in text, text
    assert code in (1, 2), f"exit code {code}: {text}"
    said = [line for line in text.splitlines() if "Error: " in line or "error: " in line]
    assert len(said) == 1 and phrase in said[0], text  # one line says what is wrong (and nothing more)
    assert seconds < SECONDS, f"refused after {seconds:.1f} s"
    assert not unwritable(d).exists() and not (out.exists() and any(out.iterdir()))


def test_a_folder_of_scores_skips_what_it_cannot_use_and_says_why(d: Path) -> None:
    from partita.evaluation.report import read_scores

    (d / "mixed").mkdir(exist_ok=True)
    for name in ("good.mid", "zero-tpq.mid", "days.mid"):
        (d / "mixed" / name).write_bytes((d / name).read_bytes())
    if not (d / "mixed" / "loop.mid").is_symlink():
        (d / "mixed" / "loop.mid").symlink_to("loop.mid")
    scores, skipped = read_scores(d / "mixed")
    assert [n for n, _ in scores] == ["good.mid"]
    said = " | ".join(skipped)
    for words in ("0 ticks per quarter note", "days long", "symbolic link loop"):
        assert words in said, said
    with pytest.raises(ScoreError, match="2000 tracks"):
        read_scores(d / "2000-tracks.mid")


def _snippet(chroma: np.ndarray):
    from partita.discovery.audio_score import DTW_POOL, N_BINS, Snippet

    return Snippet(np.zeros((N_BINS, chroma.shape[1] * DTW_POOL), np.float32), chroma)


@pytest.mark.parametrize("frames", [1, 5, 25, 39])
def test_dtw_matches_a_score_shorter_than_the_snippet(frames: int) -> None:
    """librosa finds no path in a score under half the snippet's length (a traceback), and swaps the two
    when the score is shorter than the snippet (a wrong place); the score's start is found, inside it."""
    from partita.discovery.audio_score import DTW_POOL, FPS, Candidate, dtw_match

    rng = np.random.default_rng(frames)
    columns = rng.random((12, 40)).astype(np.float32)
    columns /= np.linalg.norm(columns, axis=0)
    query = _snippet(columns)
    cand = Candidate("short", None, _snippet(columns[:, :frames].copy()))
    cost, start, end = dtw_match(query, cand)
    assert np.isfinite(cost) and start == 0.0
    assert 0 < end <= frames * DTW_POOL / FPS + 1e-9


def test_the_checks_cost_nothing_on_a_good_input(d: Path, tmp_path: Path) -> None:
    """The same commands on good inputs still work (the checks refuse only what they should)."""
    out = tmp_path / "t.txt"
    code, text, escaped, _ = run_cli(["song", "template", str(d / "good.mid")])
    assert escaped is None and code == 0 and "bar 1" in text, text
    code, text, escaped, _ = run_cli(
        ["melody", str(d / "good.mid"), "-o", str(tmp_path / "m.mid"), "--skyline"]
    )
    assert escaped is None and code == 0 and (tmp_path / "m.mid").is_file(), text
    code, text, escaped, _ = run_cli(["embed", str(d / "good.mid"), "--model", "debug", "-o", str(out)])
    assert escaped is None and code == 1 and "write .npz or .json" in text, text
