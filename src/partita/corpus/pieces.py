"""Reading one work item into a normalized score and its labels (runs in the builder's worker processes).

:func:`process_item` never raises for bad input: a file that cannot be read, or breaks a limit, comes back
as a reject with a machine-readable reason (the :class:`partita.score.ScoreError` reasons, plus
``absurd-tempo``, ``too-large``, ``timeout`` and ``internal-error`` found here).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import re
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import symusic

from partita.corpus.labels import (
    content_fingerprint,
    normalize_title,
    parse_abc_header,
    score_labels,
    split_region,
    tune_type_of,
)
from partita.corpus.sources import JSB_STEPS_PER_QUARTER, JSB_VOICES, WorkItem, source_slug
from partita.score import (
    DEFAULT_TPQ,
    MAX_FILE_BYTES,
    Score,
    ScoreError,
    ScoreLimits,
    check_score,
    from_midi_bytes,
    from_music21,
    read_abc,
    sniff_format,
    stat_score_file,
    write_midi,
)

log = logging.getLogger(__name__)

_CORPUS_SECONDS = 6 * 3600.0
_CORPUS_MAX_QPM = 1000.0
CORPUS_LIMITS = ScoreLimits(
    min_qpm=5.0,
    max_qpm=_CORPUS_MAX_QPM,
    max_notes=1_000_000,
    max_seconds=_CORPUS_SECONDS,
    max_tracks=sys.maxsize,
    max_quarters=_CORPUS_SECONDS * _CORPUS_MAX_QPM / 60,
)
"""What a corpus accepts (:func:`partita.score.check_score` with these limits), wider than an upload's
:data:`partita.score.checks.DEFAULT_LIMITS` on purpose: a corpus keeps every piece a person could play or
hear as music, so tempos of 5-1000 quarter notes per minute, up to 1,000,000 notes and 6 hours
(docs/CORPUS.md). It bounds no more than the corpus builder always did: no track count of its own (the 8 MiB
file limit bounds it), and a notated length that no piece within the tempo and duration bounds can exceed
(6 hours at 1000 bpm)."""
_SIZE_REASONS = frozenset({"too-many-notes", "too-many-tracks", "too-long"})
""":func:`check_score`'s size reasons, all recorded as ``too-large`` in a corpus's rejects
(docs/CORPUS.md)."""
FP_LEN = 48  # pitches kept per outer voice for matching chorales against JSB

JSB_PROGRAM = 52  # as partita.score.music21_bridge gives voices that name no instrument


def midi_relpath(item: WorkItem) -> str:
    """Where a piece's normalized MIDI goes, relative to the corpus folder."""
    return f"midi/{source_slug(item.source)}/{item.piece_id}.mid"


class ItemTimeout(BaseException):
    """Raised by the alarm of :func:`_time_limit`; a BaseException so that no parser's ``except Exception``
    swallows it."""


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Interrupt the block after ``seconds`` of wall time (SIGALRM; the builder's workers read in their main
    thread). A no-op without a limit, off the main thread, or where the platform has no interval timer."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not seconds or seconds <= 0 or not usable:
        yield
        return

    def _alarm(signum, frame) -> None:
        raise ItemTimeout

    if signal.getitimer(signal.ITIMER_REAL)[0] > 0:  # someone's alarm (pytest-timeout, say) is armed: keep it
        yield
        return
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def process_item(item: WorkItem, out_dir: str, timeout: float | None = None) -> dict:
    """Read, check, normalize and write one piece; return ``{"status": "ok"|"reject", "record": {...}}``.

    ``timeout`` (seconds) bounds the time spent on the piece: past it the piece is rejected as ``timeout``
    (a few of music21's bundled scores take many minutes to parse).
    """
    try:
        with _time_limit(timeout):
            return _process(item, Path(out_dir))
    except ItemTimeout:
        return reject_result(
            item, "timeout", f"reading it took longer than the {timeout:g} s limit per piece (--item-timeout)"
        )
    except ScoreError as e:
        return reject_result(item, e.reason, str(e))
    except MemoryError:
        return reject_result(item, "too-large", "ran out of memory reading it")
    except RecursionError:
        return reject_result(item, "parse-error", "the parser recursed too deeply")
    except Exception as e:  # one bad file must never stop a build: any other failure becomes a reject
        log.debug("unexpected failure on %s", item.key, exc_info=True)
        msg = str(e).strip().splitlines()[0][:300] if str(e).strip() else type(e).__name__
        return reject_result(item, "internal-error", f"{type(e).__name__}: {msg}")


def reject_result(item: WorkItem, reason: str, message: str) -> dict:
    """The worker result that records ``item`` as rejected for ``reason``."""
    return {
        "status": "reject",
        "record": {
            "source_key": item.key,
            "piece_id": item.piece_id,
            "source": item.source,
            "collection": item.collection,
            "origin_path": item.path,
            "tune_ref": item.tune_ref,
            "reason": reason,
            "message": message,
        },
    }


def _read_file_bytes(path: str) -> bytes:
    p = Path(path)
    size = stat_score_file(p).st_size  # a missing file, a link loop, a folder: each said as what it is
    if size == 0:
        raise ScoreError("the file is empty (0 bytes)", "empty", path)
    if size > MAX_FILE_BYTES:
        raise ScoreError(
            f"the file is {size / 2**20:.1f} MiB, over the {MAX_FILE_BYTES / 2**20:.0f} MiB limit",
            "too-large",
            path,
        )
    return p.read_bytes()


def _midi_runs_past_end(data: bytes) -> bool:
    """Whether a MIDI file's chunks claim more bytes than the file has (the file was cut short).

    symusic reports this as a generic parse error; walking the chunk headers (8 bytes each) tells a
    truncated file from a malformed one for the rejects table.
    """
    pos = 0
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos + 4 : pos + 8], "big")
        if pos + 8 + length > len(data):
            return True
        pos += 8 + length
    return pos < len(data) and len(data) - pos < 8 and data[pos : pos + 1] == b"M"


def _read_midi_bytes(data: bytes, name: str) -> Score:
    try:
        return from_midi_bytes(data, name)
    except ScoreError as e:
        if e.reason == "parse-error" and _midi_runs_past_end(data):
            raise ScoreError(
                f"truncated MIDI file: a chunk runs past the end of the file ({e})", "truncated", None
            ) from None
        raise


def _music21_stream(path: str, fmt: str):
    """Parse a file with music21 and keep the stream, whose metadata (title, composer, ...) the labels need.

    partita.score's readers return only the score, so the music21 parse is done here (by path, which also
    handles compressed .mxl) and converted with the public :func:`partita.score.from_music21`.
    """
    # music21 takes ~0.3 s to import: only for a piece that needs its parser
    from music21 import converter, stream

    try:
        obj = converter.parse(path, format=fmt)
    except Exception as e:  # music21 raises many exception types on malformed input
        msg = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
        raise ScoreError(f"unreadable {fmt} ({msg})", "parse-error", path) from None
    if isinstance(obj, stream.Opus):
        scores = list(obj.scores)
        obj = scores[0] if scores else None
    if not isinstance(obj, stream.Stream):
        raise ScoreError(f"the {fmt} file holds no score", "no-notes", path)
    return obj


def _metadata_labels(s) -> dict:
    md = s.metadata
    if md is None:
        return {}
    out: dict = {}
    title = md.title or md.movementName
    if title and not re.fullmatch(r"(?i)(music21 fragment|untitled.*|title)", title.strip()):
        out["title"] = str(title).strip()
    if md.composer and str(md.composer).strip().lower() not in ("composer", "music21"):
        out["composer"] = str(md.composer).strip()
    parent = None
    try:
        parent = md.parentTitle
    except AttributeError:
        parent = None
    if parent:
        out["parent_title"] = str(parent).strip()
    return out


def jsb_score(grid, ticks_per_quarter: int = DEFAULT_TPQ, qpm: float = 60.0) -> Score:
    """Four voices on a 16th grid (steps x voices, -1 = silence) -> one track per voice, in 4/4.

    The grid does not mark re-articulations, so a pitch held across steps becomes one note.
    """
    step_ticks = ticks_per_quarter // JSB_STEPS_PER_QUARTER
    score = symusic.Score(ticks_per_quarter)
    score.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    score.tempos.append(symusic.Tempo(0, qpm=float(qpm)))
    rows = [tuple(int(p) for p in step) for step in grid]
    n_voices = max((len(step) for step in rows), default=0)
    for v in range(n_voices):
        name = JSB_VOICES[v] if v < len(JSB_VOICES) else f"Voice {v + 1}"
        track = symusic.Track(name, JSB_PROGRAM, False)
        start, pitch = 0, -1
        for i, step in enumerate([*rows, ()]):
            p = step[v] if v < len(step) else -1
            if p != pitch:
                if pitch >= 0:
                    track.notes.append(symusic.Note(start * step_ticks, (i - start) * step_ticks, pitch, 80))
                start, pitch = i, p
        score.tracks.append(track)
    return score


def jsb_grid(score: Score) -> np.ndarray:
    """The inverse of :func:`jsb_score`: a score on the JSB grid, ``(steps, 4)`` MIDI pitches or -1.

    Time is quantised to 16th notes as the format is: a note starts at the step nearest its onset and sounds
    until the step nearest its end (at least one step). The four voices are soprano, alto, tenor and bass,
    highest first. With at most four pitched tracks each track is a voice, by mean pitch: the highest the
    soprano, the lowest of two or more the bass (two tracks are soprano and bass), and a chord in a track
    keeps its top note. With more tracks all pitched notes are pooled, and at each step the highest sounding
    pitches fill soprano, alto and tenor and the lowest the bass (a lone pitch is the soprano). Missing voices
    are silent; drums are left out. A grid from :func:`jsb_score` comes back unchanged (but for silent steps
    at its end, which a score does not keep).
    """
    voices = len(JSB_VOICES)
    tpq = int(score.ticks_per_quarter)
    if tpq <= 0:
        raise ScoreError(f"{tpq} ticks per quarter note: no note has a length", "zero-resolution")
    step = tpq / JSB_STEPS_PER_QUARTER
    parts = []
    for t in score.tracks:
        if t.is_drum or not len(t.notes):
            continue
        a = t.notes.numpy()
        on = np.maximum(np.rint(a["time"] / step).astype(np.int64), 0)
        off = np.maximum(np.rint((a["time"] + a["duration"]) / step).astype(np.int64), on + 1)
        parts.append((on, off, a["pitch"].astype(np.int64)))
    n_steps = max((int(off.max()) for _, off, _ in parts), default=0)
    grid = np.full((n_steps, voices), -1, dtype=np.int64)
    if len(parts) <= voices:
        parts.sort(key=lambda part: -float(part[2].mean()))  # stable: equal means keep the track order
        columns = [*range(len(parts) - 1), voices - 1] if len(parts) > 1 else [0]
        for v, (on, off, pitch) in zip(columns, parts, strict=True):
            for i in np.argsort(pitch, kind="stable"):  # higher pitches written last: a chord keeps its top
                grid[on[i] : off[i], v] = pitch[i]
        return grid
    sounding: list[set[int]] = [set() for _ in range(n_steps)]
    for on, off, pitch in parts:
        for a, b, p in zip(on.tolist(), off.tolist(), pitch.tolist(), strict=True):
            for i in range(a, b):
                sounding[i].add(p)
    for i, pitches in enumerate(sounding):
        high = sorted(pitches, reverse=True)
        if len(high) == 1:
            grid[i, 0] = high[0]
        elif high:
            upper = high[: min(len(high) - 1, voices - 1)]
            grid[i, : len(upper)] = upper
            grid[i, voices - 1] = high[-1]
    return grid


def _read_timed(path: Path, columns: int = 3) -> list[tuple[float, float, str]]:
    out = []
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split()
        if len(parts) < columns:
            continue
        try:
            out.append((float(parts[0]), float(parts[1]), " ".join(parts[2:])))
        except ValueError:
            continue
    return out


def _harte_key_name(label: str) -> str:
    tonic, _, mode = label.partition(":")
    return f"{tonic} {'minor' if mode.startswith('min') else 'major'}"


def pop909_labels(song_dir: Path) -> dict:
    """POP909's key, chord and beat annotations of one song as manifest columns (times in seconds)."""
    keys = _read_timed(song_dir / "key_audio.txt")
    chords = _read_timed(song_dir / "chord_midi.txt")
    beats, downbeats = [], []
    beat_file = song_dir / "beat_midi.txt"
    if beat_file.exists():
        for line in beat_file.read_text().splitlines():
            parts = line.split()
            try:
                t = float(parts[0])
            except (ValueError, IndexError):
                continue
            beats.append(t)
            if len(parts) > 1 and parts[1] in ("1", "1.0"):
                downbeats.append(t)
    main = max(keys, key=lambda k: k[1] - k[0])[2] if keys else None
    return {
        "key": _harte_key_name(main) if main else None,
        "key_segments": [{"start": a, "end": b, "label": c} for a, b, c in keys],
        "chord_segments": [{"start": a, "end": b, "label": c} for a, b, c in chords],
        "beats": beats,
        "downbeats": downbeats,
    }


def _outer_voices(score: Score) -> tuple[list[int], list[int]]:
    """Merged pitch sequences of the top and bottom voices (by name Soprano/Bass, else by mean pitch)."""
    tracks = [t for t in score.tracks if len(t.notes) and not t.is_drum]
    if not tracks:
        return [], []

    def named(words):
        for t in tracks:
            if any(w in (t.name or "").lower() for w in words):
                return t
        return None

    by_mean = sorted(tracks, key=lambda t: sum(n.pitch for n in t.notes) / len(t.notes))
    top = named(("soprano", "sopran", "cantus")) or by_mean[-1]
    bottom = named(("bass",)) or by_mean[0]

    def seq(track, highest):
        at: dict[int, int] = {}
        for n in track.notes:
            if n.time not in at or (n.pitch > at[n.time]) == highest:
                at[n.time] = n.pitch
        out: list[int] = []
        for _, p in sorted(at.items()):
            if not out or out[-1] != p:
                out.append(p)
                if len(out) >= FP_LEN:
                    break
        return out

    return seq(top, True), seq(bottom, False)


def check_corpus_score(score: Score, name: str) -> None:
    """:func:`partita.score.check_score` with :data:`CORPUS_LIMITS`: raise :class:`ScoreError` for a score
    that is no usable piece (no notes, absurd tempo, too large, no tick resolution); a size limit's reason is
    ``too-large``, as the corpus's rejects table has always said."""
    try:
        check_score(score, CORPUS_LIMITS, name)
    except ScoreError as e:
        if e.reason in _SIZE_REASONS:
            e.reason = "too-large"
        raise


def _work_id(item: WorkItem, labels: dict) -> str:
    title = normalize_title(labels.get("title"))
    if item.source == "jsb":
        return f"jsb:{item.tune_ref}"
    if item.source == "pop909":
        return f"pop909:{item.tune_ref}"
    if item.kind == "abc" and title and (item.hints.get("folk") or not item.source.startswith("music21:")):
        return f"tune:{title}"
    stem = Path(item.path).stem
    bwv = re.match(r"(?i)bwv[ _.-]?(\d+(?:\.\d+)?)", stem)
    if bwv and item.kind == "file":
        return f"bach:bwv{bwv.group(1)}"  # the same number in any source or folder is the same work
    if item.source.startswith("music21:"):
        stem = re.sub(r"-[a-z]+$", "", stem)  # bwv112.5-sc is a version of bwv112.5
        base = f"{item.collection.lower()}:{stem.lower()}"
        return f"{base}#{item.tune_ref}" if item.kind == "abc" else base
    base = normalize_title(re.sub(r"[_]+", " ", stem)) or stem.lower()
    return f"{source_slug(item.source)}:{base if labels.get('title') == stem else (title or base)}"


def _process(item: WorkItem, out_dir: Path) -> dict:
    labels: dict = {"title": None, "composer": item.hints.get("composer")}
    fmt = item.kind
    if item.kind == "jsb":
        fmt = "jsb"
        score = jsb_score(item.grid or ())
        labels["title"] = f"JSB chorale {item.tune_ref}"
        labels["composer"] = "Johann Sebastian Bach"
        labels["genre"] = "chorale"
    elif item.kind == "pop909":
        fmt = "midi"
        score = _read_midi_bytes(_read_file_bytes(item.path), item.path)
        labels.update(pop909_labels(Path(item.path).parent))
        labels["title"] = f"POP909 {item.tune_ref}"
        labels["genre"] = "pop"
    elif item.kind == "abc":
        text = item.text or ""
        header = parse_abc_header(text)
        score = read_abc(text if "\n" in text else text + "\n")
        labels.update(_abc_labels(header))
        if not labels.get("composer"):
            labels["composer"] = item.hints.get("composer")
    else:
        data = _read_file_bytes(item.path)
        fmt = sniff_format(data)  # by content; UTF-16 MusicXML (26 trecento files) included
        if fmt is None:
            raise ScoreError(
                "not a score file (neither MIDI, MusicXML, ABC nor Humdrum)", "not-music", item.path
            )
        if fmt == "midi":
            score = _read_midi_bytes(data, item.path)
            labels["title"] = Path(item.path).stem
        else:
            s = _music21_stream(item.path, fmt)
            meta = _metadata_labels(s)
            score = from_music21(s)
            if item.hints.get("composer"):  # the collection's composer beats a file's (often misfiled) field
                meta.pop("composer", None)
            labels.update({k: v for k, v in meta.items() if v})
            if item.hints.get("analysis_title"):
                labels["title"] = item.hints["analysis_title"]
            if not labels.get("title") or labels["title"] in (Path(item.path).name, Path(item.path).stem):
                labels["title"] = Path(item.path).stem
    check_corpus_score(score, item.path)
    if score.ticks_per_quarter != DEFAULT_TPQ:
        score = score.resample(DEFAULT_TPQ, min_dur=1)
    derived = score_labels(score)
    if not math.isfinite(derived["duration_s"]):
        raise ScoreError("its tempo map gives no finite duration", "absurd-tempo", item.path)
    if derived["duration_s"] > CORPUS_LIMITS.max_seconds:  # resampled: a tick's rounding may cross the limit
        raise ScoreError(
            f"duration {derived['duration_s']:.0f} s is over the {CORPUS_LIMITS.max_seconds:.0f} s limit",
            "too-large",
            item.path,
        )
    for k, v in derived.items():
        if k == "key" and labels.get("key"):
            continue
        labels[k] = v
    if not labels.get("genre"):
        labels["genre"] = _genre_hint(item, labels)
    rel = midi_relpath(item)
    write_midi(score, out_dir / rel)
    top, bottom = _outer_voices(score)
    record = {
        "source_key": item.key,
        "piece_id": item.piece_id,
        "source": item.source,
        "collection": item.collection,
        "origin_path": item.path,
        "tune_ref": item.tune_ref,
        "format": fmt,
        "work_id": _work_id(item, labels),
        "jsb_split": item.jsb_split,
        "analysis_ref": item.hints.get("analysis_ref"),
        "midi_path": rel,
        "midi_sha1": hashlib.sha1((out_dir / rel).read_bytes()).hexdigest(),
        "content_fp": content_fingerprint(score),
        "fp_top": top,
        "fp_bottom": bottom,
        **labels,
    }
    return {"status": "ok", "record": record}


def _genre_hint(item: WorkItem, labels: dict) -> str | None:
    coll = item.collection.lower()
    stem = Path(item.path).stem.lower()
    if coll.startswith("bach") and stem.startswith("bwv"):
        return "chorale"
    if "madrigal" in stem:
        return "madrigal"
    parent = (labels.get("parent_title") or "").lower()
    if coll.startswith("palestrina") and parent.startswith("missa"):
        return "mass"
    if labels.get("tune_type"):
        return "dance tune" if labels["tune_type"] not in ("air", "song", "lament") else labels["tune_type"]
    return None


def _abc_labels(header: dict[str, list[str]]) -> dict:
    def first(letter):
        vals = header.get(letter)
        return vals[0] if vals else None

    title = first("T")
    rhythm = first("R")
    region, country, province = split_region(first("O"))
    tune_type = tune_type_of(rhythm, title)
    genre = None
    if rhythm and not tune_type and not set(rhythm) <= {"?", " "}:
        genre = rhythm
    notes = " ".join(header.get("N", [])) or None
    key_field = first("K")
    return {
        "title": title,
        "alt_titles": header.get("T", [])[1:],
        "composer": first("C"),
        "region": region,
        "country": country,
        "province": province,
        "tune_type": tune_type,
        "genre": genre,
        "book": first("B"),
        "source_notes": notes,
        "abc_key": key_field,
        "abc_meter": first("M"),
        "transcriber": first("Z"),
    }
