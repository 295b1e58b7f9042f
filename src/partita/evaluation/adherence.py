"""Control adherence: does a generated piece have the key, tempo, meter, instruments and chords it was
asked for?

The definitions are those of Mustango (Melechovsky et al., "Mustango: Toward Controllable Text-to-Music
Generation", NAACL 2024) and text2midi (Bhandari et al., "text2midi: Generating Symbolic Music from Captions",
AAAI 2025), which judge a generated piece by running a music analysis over it and comparing with the request:

- **TB** (tempo bin): the measured tempo falls in the requested tempo's bin; bins have boundaries at 40,
  60, 70, 90, 110, 140, 160 and 210 bpm (:mod:`partita.analysis.tempo`).
- **TBT** (tempo bin with tolerance): the measured bin is the requested one or a neighbouring one.
- **CK** (correct key): the measured key is the requested key (tonic and mode; enharmonic spellings are
  equal).
- **CKD** (correct key with duplicates): CK, or the measured key is the requested key's relative major/minor.
- **CM** (correct mode): where a mode is asked without a key (a picture's minor, a sad prompt's), the measured
  key is in that mode.
- **meter**: the measured time signature equals the requested one; **beat match** (Mustango's BM) compares the
  numerators (beats per bar) only.
- **instruments**: precision, recall and F1 of the set of General MIDI programs measured (tracks with
  notes; drums as one instrument) against the set requested; ``instrument_family_f1`` compares GM families
  (8 programs each), which forgives e.g. "Acoustic Grand Piano" for "Bright Acoustic Piano".
  ``instrument_presence`` asks whether each requested instrument keeps playing, not only whether it plays:
  the mean over the requested instruments of the share of bars in which the instrument starts a note (0 for
  one that never plays; the description's per-track ``bar_share``, the best track of an instrument
  counting). partita's own measure: a "fiddle and guitar" piece whose guitar plays one note scores 1.0 on
  F1 and about 0.5 here.
- **chords** (Mustango's chord metrics, on the measured chord sequence with consecutive repeats merged):
  ``chord_perfect`` (PCM: the sequences are equal), ``chord_in_order`` (ECM: the requested progression
  occurs in the measured sequence, in order and contiguous), ``chord_any_order`` (CMO: the share of
  requested chords found anywhere), ``chord_any_order_majmin`` (CMOT: as CMO comparing root and major/minor
  third only). Labels are compared through ``mir_eval.chord.encode`` (root, bitmap), so ``Db:maj`` equals
  ``C#:maj``.
- **bars**: 1.0 when the piece has exactly the number of bars asked for (bar lines of its time signatures
  up to its last note's end; a pickup bar is not counted, :func:`partita.score.bars.full_bars`), else 0.0:
  a piece cut short is a miss, however well the rest follows the request.
- **density, polyphony and rhythm** (onsets per second): over a set, the Pearson and Spearman correlation
  between requested and measured values (``scipy.stats``); per piece, the relative error.

The measurement is partita's own analysis of the generated score, :func:`partita.analysis.describe`: its key,
tempo (time-weighted bpm), first time signature, instruments of the tracks with notes, chord segments, note
density (pitched notes per second), onset density and polyphony.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, astuple, dataclass, field, fields

import numpy as np
from scipy.stats import pearsonr, spearmanr

from partita.analysis import describe
from partita.analysis.key import parse_key
from partita.analysis.tempo import tempo_bin
from partita.evaluation.modal_key import modal_key_adherence
from partita.generation.request import Request
from partita.score.bars import full_bars
from partita.score.general_midi import gm_program_of
from partita.tokens.conditions import DENSITY_EDGES, POLYPHONY_EDGES, RHYTHM_EDGES, Conditions, bin_index
from partita.tokens.dataset import score_statistics

log = logging.getLogger(__name__)


FADERS: tuple[str, ...] = ("density", "polyphony", "rhythm")
"""The continuous controls, scored over a set by correlation."""


METRIC_WORDS: dict[str, str] = {
    "TB": "tempo in the asked-for tempo bin",
    "TBT": "tempo in that bin or a neighbouring one",
    "CK": "key as asked (tonic and mode)",
    "CKD": "key as asked, or its relative major / minor",
    "CM": "mode as asked, where no key was (a picture's minor, a sad prompt's)",
    "meter": "time signature as asked",
    "beat_match": "beats per bar as asked",
    "bars": "exactly the number of bars asked for",
    "instrument_precision": "share of the instruments heard that were asked for",
    "instrument_recall": "share of the asked-for instruments that are heard",
    "instrument_f1": "instruments heard against those asked for (F1)",
    "instrument_family_f1": "instrument families heard against those asked for (F1)",
    "instrument_presence": "share of bars in which each asked-for instrument plays",
    "chord_perfect": "the chord sequence is exactly the asked-for progression",
    "chord_in_order": "the asked-for progression is heard in order",
    "chord_any_order": "share of asked-for chords heard anywhere",
    "chord_any_order_majmin": "share of asked-for chords heard anywhere (root and third only)",
    "density_level": "notes per beat in the asked-for density level",
    "polyphony_level": "notes sounding together in the asked-for polyphony level",
    "rhythm_level": "note starts per beat in the asked-for rhythm level",
}
"""Each adherence score in plain words, for people reading a table of them (the studio, reports)."""


def metric_words(name: str) -> str:
    """The plain-words meaning of an adherence score's name (the name itself when it has none)."""
    if name.endswith("_relative_error"):
        return f"relative error of the {name.removesuffix('_relative_error')}"
    return METRIC_WORDS.get(name, name)


@dataclass
class Controls:
    """The controls a piece was generated with; every field is optional (None = not requested).

    ``key`` like ``"Eb major"`` or ``"C:min"``; ``tempo`` in bpm (or ``tempo_bin`` 0-8 directly);
    ``time_signature`` like ``"3/4"``; ``instruments`` GM names or program numbers (``"Drums"`` for drums);
    ``chords`` mir_eval labels in order; ``density`` pitched notes per second, ``polyphony`` and ``rhythm``
    (distinct note starts per second) as :func:`partita.analysis.describe` measures them (``note_density``,
    ``polyphony``, ``onset_density``).
    """

    key: str | None = None
    mode: str | None = None
    """``"major"`` or ``"minor"`` asked without a key (a key states its own mode: then this is unused)."""
    tempo: float | None = None
    tempo_bin: int | None = None
    time_signature: str | None = None
    instruments: list[str | int] | None = None
    chords: list[str] | None = None
    density: float | None = None
    polyphony: float | None = None
    rhythm: float | None = None
    bars: int | None = None

    @classmethod
    def from_dict(cls, d: dict) -> Controls:
        """Controls from a dict (e.g. one line of prompts.jsonl); unknown keys are ignored, bad values
        raise."""
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in names and v is not None}
        c = cls(**kw)
        c.validate()
        return c

    def validate(self) -> None:
        """Raise ValueError naming the field and the value when a control cannot be used."""
        checks = {
            "key": lambda v: parse_key(str(v)),
            "mode": _check_mode,
            "tempo": tempo_bin,
            "tempo_bin": _check_bin,
            "time_signature": _parse_meter,
            "chords": lambda v: [_chord_code(c) for c in v],
            "instruments": lambda v: [_program(i) for i in v],
        }
        for name, check in checks.items():
            value = getattr(self, name)
            if value is None:
                continue
            if name in ("chords", "instruments") and not isinstance(value, (list, tuple)):
                raise ValueError(f"{name} must be a list, got {value!r}")
            try:
                check(value)
            except (TypeError, ValueError) as e:
                raise ValueError(f"{name} {value!r}: {e}") from None

    def requested_bin(self) -> int | None:
        """The requested tempo bin (from ``tempo_bin`` or ``tempo``)."""
        if self.tempo_bin is not None:
            return int(self.tempo_bin)
        return tempo_bin(self.tempo) if self.tempo is not None else None


@dataclass
class Measured:
    """What the analysis found in a generated piece (None = unknown)."""

    key: str | None = None
    tempo: float | None = None
    time_signature: str | None = None
    instruments: list[str | int] = field(default_factory=list)
    chords: list[str] = field(default_factory=list)
    density: float | None = None
    polyphony: float | None = None
    rhythm: float | None = None
    """Distinct note starts per second (the description's ``onset_density``)."""
    bar_share: dict[str | int, float] | None = None
    """Instrument (as in ``instruments``) -> share of bars in which it starts a note; None when not
    measured."""
    bars: int | None = None
    """Bars from the start to the end of the last note (the description's ``n_bars``)."""

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


def _check_mode(value) -> None:
    if value not in ("major", "minor"):
        raise ValueError("expected 'major' or 'minor'")


def _check_bin(value) -> None:
    if not (isinstance(value, int) and 0 <= value <= 8):
        raise ValueError("a tempo bin is an integer 0-8")


def _parse_meter(text: str) -> tuple[int, int]:
    try:
        num, den = (int(x) for x in str(text).split("/"))
    except ValueError:
        raise ValueError(f"not a time signature: {text!r} (expected e.g. '3/4')") from None
    if num <= 0 or den <= 0:
        raise ValueError(f"not a time signature: {text!r}")
    return num, den


def _program(instrument: str | int) -> int:
    """A GM program number 0-127, or -1 for drums, from a number or a GM name (case-insensitive)."""
    if isinstance(instrument, (int, np.integer)):
        if not 0 <= int(instrument) <= 127:
            raise ValueError(f"a GM program must be 0-127, got {instrument}")
        return int(instrument)
    name = str(instrument).strip().lower()
    if name in ("drums", "drum kit", "drumkit", "percussion", "drum"):
        return -1
    if name.isdigit():
        return _program(int(name))
    program = gm_program_of(name)
    if program is None:
        raise ValueError(
            f"unknown instrument {instrument!r}: give a General MIDI name or program number 0-127"
        )
    return program


def _chord_code(label: str) -> tuple[int, tuple[int, ...]]:
    """(root, pitch-class bitmap) of a mir_eval chord label; (-1, ()) for no chord."""
    # mir_eval takes ~0.25 s to import (after numpy and scipy): only when chords are compared
    import mir_eval

    try:
        root, bitmap, _ = mir_eval.chord.encode(str(label))
    except Exception as e:  # mir_eval raises InvalidChordException and others
        raise ValueError(f"not a chord label mir_eval can read: {label!r} ({e})") from None
    if root < 0:
        return -1, ()
    return int(root), tuple(int(x) for x in np.roll(bitmap, root))


def _measured_chord(label: str) -> tuple[int, tuple[int, ...]]:
    """A measured chord label's code; a label mir_eval cannot read counts as no chord (and is logged)."""
    try:
        return _chord_code(label)
    except ValueError as e:
        log.warning("measured chord skipped: %s", e)
        return -1, ()


def _majmin(code: tuple[int, tuple[int, ...]]) -> tuple[int, str] | None:
    root, pcs = code
    if root < 0:
        return None
    rel = {(i - root) % 12 for i, on in enumerate(pcs) if on}
    if 4 in rel:
        return root, "maj"
    if 3 in rel:
        return root, "min"
    return root, "other"


def _merge_repeats(seq: list) -> list:
    return [c for i, c in enumerate(seq) if i == 0 or c != seq[i - 1]]


def _contains_run(haystack: list, needle: list) -> bool:
    if not needle:
        return True
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def piece_adherence(requested: Controls, measured: Measured) -> dict[str, float]:
    """The adherence scores of one piece for the controls that were requested (1.0/0.0 or a fraction)."""
    out: dict[str, float] = {}
    # a control that was asked for but cannot be measured in the piece (no tempo, no key found) is missed
    want_bin = requested.requested_bin()
    if want_bin is not None:
        got = tempo_bin(measured.tempo) if measured.tempo is not None and measured.tempo > 0 else None
        out["TB"] = float(got == want_bin)
        out["TBT"] = float(got is not None and abs(got - want_bin) <= 1)
    if requested.key is not None:
        want = parse_key(requested.key)
        got = parse_key(measured.key) if measured.key is not None else None
        relative = (want % 12 + 9) % 12 + 12 if want < 12 else (want % 12 + 3) % 12
        out["CK"] = float(got == want)
        out["CKD"] = float(got in (want, relative))
    elif requested.mode is not None:
        got = parse_key(measured.key) if measured.key is not None else None
        out["CM"] = float(got is not None and (got >= 12) == (requested.mode == "minor"))
    if requested.time_signature is not None:
        want_m = _parse_meter(requested.time_signature)
        got_m = _parse_meter(measured.time_signature) if measured.time_signature is not None else None
        out["meter"] = float(want_m == got_m)
        out["beat_match"] = float(got_m is not None and want_m[0] == got_m[0])
    if requested.instruments:
        want_i = {_program(i) for i in requested.instruments}
        got_i = {_program(i) for i in measured.instruments}
        for prefix, a, b in (
            ("instrument", want_i, got_i),
            (
                "instrument_family",
                {p // 8 if p >= 0 else -1 for p in want_i},
                {p // 8 if p >= 0 else -1 for p in got_i},
            ),
        ):
            hit = len(a & b)
            p = hit / len(b) if b else 0.0
            r = hit / len(a)
            out[f"{prefix}_precision"] = p
            out[f"{prefix}_recall"] = r
            out[f"{prefix}_f1"] = 2 * p * r / (p + r) if p + r > 0 else 0.0
            if prefix == "instrument_family":
                del out["instrument_family_precision"], out["instrument_family_recall"]
        if measured.bar_share is not None:
            shares = {_program(i): float(v) for i, v in measured.bar_share.items()}
            out["instrument_presence"] = sum(shares.get(p, 0.0) for p in want_i) / len(want_i)
    if requested.bars is not None and measured.bars is not None:
        out["bars"] = float(int(measured.bars) == int(requested.bars))
    if requested.chords:
        want_c = _merge_repeats([_chord_code(c) for c in requested.chords])
        got_c = _merge_repeats([c for c in (_measured_chord(x) for x in measured.chords) if c[0] >= 0])
        out["chord_perfect"] = float(want_c == got_c)
        out["chord_in_order"] = float(_contains_run(got_c, want_c))
        got_set = set(got_c)
        out["chord_any_order"] = sum(c in got_set for c in want_c) / len(want_c)
        got_mm = {_majmin(c) for c in got_c}
        out["chord_any_order_majmin"] = sum(_majmin(c) in got_mm for c in want_c) / len(want_c)
    for name in FADERS:
        want_v, got_v = getattr(requested, name), getattr(measured, name)
        if want_v is not None and got_v is not None and want_v > 0:
            out[f"{name}_relative_error"] = abs(got_v - want_v) / want_v
    return out


def correlation(requested: Sequence[float], measured: Sequence[float]) -> dict[str, float]:
    """Pearson and Spearman correlation of requested and measured values (NaN with < 3 pairs or no spread)."""
    a, b = np.asarray(requested, np.float64), np.asarray(measured, np.float64)
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    if a.size < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return {"pearson": math.nan, "spearman": math.nan, "n": int(a.size)}
    return {
        "pearson": float(pearsonr(a, b)[0]),
        "spearman": float(spearmanr(a, b)[0]),
        "n": int(a.size),
    }


def set_adherence(requested: Sequence[Controls], measured: Sequence[Measured]) -> dict:
    """Mean of every per-piece score over the pieces where it applies, plus the faders' correlations."""
    if len(requested) != len(measured):
        raise ValueError(f"{len(requested)} requests but {len(measured)} measured pieces")
    per_piece = [piece_adherence(r, m) for r, m in zip(requested, measured, strict=True)]
    keys = sorted({k for d in per_piece for k in d})
    scores = {}
    for k in keys:
        vals = [d[k] for d in per_piece if k in d]
        scores[k] = {"mean": float(np.mean(vals)), "n": len(vals)}
    corr = {}
    for name in FADERS:
        pairs = [
            (getattr(r, name), getattr(m, name))
            for r, m in zip(requested, measured, strict=True)
            if getattr(r, name) is not None and getattr(m, name) is not None
        ]
        if pairs:
            corr[name] = correlation([p[0] for p in pairs], [p[1] for p in pairs])
    return {"scores": scores, "correlations": corr, "per_piece": per_piece}


def measure(score) -> Measured:
    """Analyse a generated score with partita's analysis layer (:func:`partita.analysis.describe`)."""
    measured = from_description(describe(score, analyse_structure=False))
    # as written, and as musicians count them (a pickup bar is not: a tune of 8 bars is a pickup and 8 bars);
    # the analysis grid may guess a pickup's phase
    measured.bars = full_bars(score)
    return measured


def from_description(desc) -> Measured:
    """A :class:`Measured` from an analysis :class:`~partita.analysis.Description` (or its dict)."""
    d = desc.to_dict() if hasattr(desc, "to_dict") else dict(desc)
    instruments: list[str | int] = []
    shares: dict[str | int, float] = {}
    for t in d.get("instruments") or []:
        inst = "Drums" if t.get("instrument") == "Drums" else int(t.get("program", 0))
        if inst not in instruments:
            instruments.append(inst)
        if t.get("bar_share") is not None:  # an instrument over several tracks (voices): its busiest one
            shares[inst] = max(shares.get(inst, 0.0), float(t["bar_share"]))
    chords = [c["label"] for c in d.get("chords") or [] if c.get("label") not in (None, "N")]
    return Measured(
        key=d.get("key"),
        tempo=d.get("tempo"),
        time_signature=d.get("time_signature"),
        instruments=instruments,
        chords=chords,
        density=d.get("note_density"),
        polyphony=d.get("polyphony"),
        rhythm=d.get("onset_density"),
        bar_share=shares or None,
        bars=d.get("n_bars"),
    )


# --- a generated candidate against its request --------------------------------------------------------------
def controls_of(request: Request) -> Controls:
    """The controls a :class:`~partita.generation.request.Request` asks for, as adherence measures them."""
    c = request.conditions
    key = c.key if not request.key_chosen else None  # a key the plan chose for a mode: the mode is judged
    return Controls(
        key=f"{key} {c.mode or 'major'}" if key else None,
        mode=c.mode if not key and c.mode in ("major", "minor") else None,
        tempo=c.tempo_bpm,
        time_signature=c.meter,
        instruments=[*c.programs, *(["Drums"] if c.drums else [])] or None,
        chords=request.chords or None,
        bars=request.bars,
    )


def requests_controls(request: Request) -> bool:
    """True when the request asks for something adherence can measure (key, tempo, meter, instruments, chords,
    bars, or a density / polyphony / rhythm fader)."""
    c = request.conditions
    faders = any(getattr(c, k, None) is not None for k in FADERS)
    return faders or any(v is not None for v in astuple(controls_of(request)))


FADERS = {"density": DENSITY_EDGES, "polyphony": POLYPHONY_EDGES, "rhythm": RHYTHM_EDGES}
"""The faders a request may set, and the bins of the condition tokens the model is trained on."""


def fader_adherence(conditions: Conditions, score) -> dict[str, float]:
    """How close a piece's density, polyphony and rhythm are to the requested fader levels.

    Measured in the condition-token bins the model is trained on
    (:data:`partita.tokens.conditions.DENSITY_EDGES` and its siblings): ``1 - |measured bin - requested
    bin| / (bins - 1)`` as ``density_level`` and so on, for each fader the request sets.
    """
    wanted = {k: e for k, e in FADERS.items() if getattr(conditions, k, None) is not None}
    if not wanted or not score.note_num():
        return {}
    stats = score_statistics(score)
    return {
        f"{name}_level": 1.0
        - abs(bin_index(stats[name], edges) - bin_index(getattr(conditions, name), edges)) / len(edges)
        for name, edges in wanted.items()
        if stats[name] is not None
    }


def candidate_adherence(request: Request, score) -> dict[str, float]:
    """The adherence scores of one candidate for ``request``: :func:`piece_adherence` for its controls plus
    :func:`fader_adherence`; empty for a silent one. For a style with a scale of its own (Chinese folk songs)
    CK and CKD are read from its collection and final (:mod:`partita.evaluation.modal_key`)."""
    if not score.note_num():
        return {}
    c = request.conditions
    out = piece_adherence(controls_of(request), measure(score))
    if "CK" in out:  # a style with a scale of its own names its key by collection and final
        out.update(modal_key_adherence(c.style, c.key, c.mode, score))
    return {**out, **fader_adherence(c, score)}
