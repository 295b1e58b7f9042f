"""Realism of the vocal line (issue 25's "realism of the vocal line: the realism benchmark's two-sample test
against the melodies of real songs"): partita's songs in style "pop" against POP909's vocal melodies.

In one run, each set cut into 8-bar windows (``song_realism.py``: POP909 put on its own beat annotations,
songs 1-800 only, even ids the development half, odd ids the held-out half; a window needs notes in 6 of
its 8 bars):

- ``partita``: the English texts of ``bench_song.py`` (:data:`bench_song.TEXTS`) sung with
  :func:`partita.generation.song.sing` in style "pop", seeds 0 .. ``--seeds`` - 1 (English pop's rhythm:
  the rules, ``song_rhythm.STYLE_RHYTHM``);
- ``partita_learned``: the same with pop's rhythm learned from POP909's development half
  (``sing(..., learned=True)``: ``partita.generation.song_pop_rhythm``) and, on it, pop's pitches learned
  from it (``partita.generation.song_pop_pitch``);
- ``partita_zh`` and ``partita_zh_rules``: the Tang poems of ``bench/prompts/zh_lyrics.txt`` sung in style
  "pop" (one text, a poem a section), with the learned rhythm (the default for Chinese lyrics) and with
  the rules' (``learned=False``);
- ``partita_learned_old_pitch`` and ``partita_zh_old_pitch``: ``partita_learned`` and ``partita_zh`` with
  the rules' pitches (``song_pop_pitch.STYLE_PITCH["pop"]`` None: the arch, steps, repeats and leaps of
  ``song_pitch``, the tone rule's choice for Chinese lines) instead of the pitches learned from POP909;
- ``partita_rules_pitch``: ``partita`` with the rules' pitches on the rules' rhythm
  (``PopPitch.rules_rhythm`` False: English pop before it sang pop's learned pitches), and
  ``partita_zh_tones_before``: ``partita_zh`` with the learned pitches' tone weight and Mandarin interval
  weights before (:data:`ZH_BEFORE`);
- ``eighth``: the issue's baseline, one syllable per eighth note in order (each line from a new bar) on the
  same syllables, each sung to partita's pitch for it;
- ``markov``: the realism benchmark's peer, a second-order Markov chain over (pitch, duration) trained on the
  development half's melodies (measured against the development half it is judged on its training data);
- ``partita_pop_before``: partita with English pop's rules as before POP909's note lengths within their
  gaps (``RhythmStyle.sounding``) and the lines starting later (``RhythmStyle.late_start``):
  :data:`POP_BEFORE`; ``partita_pentatonic``: partita with the pentatonic lean (``LeapStyle.pentatonic``
  at :data:`PENTATONIC`, not shipped);
- ``partita_no_repeats``: partita with pop's ``LeapStyle.repeat`` at 0 (no note between strong-beat notes
  repeats the one before: the lines as they were before it);
- ``partita_across``: partita with pop's ``LeapStyle.across`` at ``song_pop909.CANDIDATE_ACROSS`` (the line
  starts fitted on POP909's development half, not shipped);
- ``partita_no_reprise``: partita with pop's ``RhythmStyle.reprise`` at 0 (each line sung anew unless its
  words repeat: the lines as before reprises);
- ``partita_exact_reprise``: partita with pop's reprises as before the line forms (``reprise``
  :data:`EXACT_REPRISE`, ``line_form`` False: only exact repeats of the nearest same-cadence line);
- with ``--reprise``, only ``partita``, ``partita_no_reprise``, ``partita_exact_reprise`` and partita with
  each ``reprise`` of :data:`FIT_REPRISE` (``reprise_R``, exact) and of :data:`FIT_FORM` with the line
  forms (``reprise_R_form``: ``RhythmStyle.line_form``, ABAB / AABA with near repeats), judged on each
  half (all windows and sparse ones; three judges' seeds) with the phrase repeats of
  :func:`phrase_repeats` (``song_realism_reprise.json``);
- with ``--retext``, the ``--reprise`` run with, instead of those arms, partita with each ``retext`` of
  :data:`FIT_RETEXT` (``reprise_retext_R``: ``RhythmStyle.retext``, a line sung to its tune's first half
  and its own rhythm after) and ``reprise_retext_rescue`` (only where the whole tune is not taken)
  (``song_realism_retext.json``);
- with ``--fit-repeat``, partita with each ``repeat`` of :data:`FIT_REPEAT` (``repeat_R``): the value whose
  share of repeated notes comes nearest the development half's is the fit (``info.repeat_fit``).

The arms that change pop's ``LeapStyle`` or its rhythm before (``partita_pop_before``,
``partita_pentatonic``, ``partita_no_repeats``, ``partita_across``, ``repeat_R``) sing the rules' pitches
(``rules_rhythm`` False), which those settings shape. ``partita`` and ``partita_rules_pitch`` are also judged
on the pitch features alone (:func:`pitch_only`, three judges' seeds) against the sparse windows.

Each set is judged against each half's POP909 windows (at most ``--real``, drawn with a fixed seed) by
:func:`partita.evaluation.realism.realism_report`: the cross-validated balanced accuracy of the stronger of
two judges on the realism features (0.5: cannot be told apart) and the Fréchet distance, with the floor of
two halves of the same real windows, and the development half's windows against the held-out half's.
Choices look at the development half only; the held-out rows report. What the held-out judge reads
(:func:`judge_reads`: permutation importance) is reported for ``partita``, ``partita_learned`` and
``partita_zh``. The judge tells partita's lines from
POP909's by their density first (the English texts' short lines against Chinese pop's many syllables), so
``partita`` and ``partita_no_repeats`` are also judged against each half's windows of :data:`SPARSE` notes a
bar or fewer.

The lyrics are the same in both halves (nothing is fitted on them here); windows of one song share its
words and, across seeds, its rhythm's skeleton, so the judges' folds are not independent songs.

    python bench/bench_song_realism.py [--seeds 8] [--real 400] [--songs 400] [--fit-repeat] [--reprise]
                                       [--retext] [--quick]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402
from song_realism import markov_windows, pop909_full, pop909_windows, sample, sung_windows  # noqa: E402

log = logging.getLogger("bench_song_realism")
SLOW = True  # reads 800 POP909 songs and sings each text with 8 seeds in 8 ways: run only when named
COMMAND = "python bench/bench_song_realism.py --threads 1"
ZH_LYRICS = Path(__file__).resolve().parent / "prompts" / "zh_lyrics.txt"
MARKOV_TRAIN = 200
"""Development-half melodies the Markov chain is trained on."""
HALVES = ("development", "held_out")
ZH_BEFORE = {"tones": 2.0, "correct_tones": (1.36, 1.0, 0.93, 1.02, 0.86, 1.77, 3.0, 3.0)}
"""Pop's learned pitches' tone weight and Mandarin interval weights before the tone agreement was
recovered (the ``partita_zh_tones_before`` arm)."""


def english_texts() -> list[str]:
    from bench_song import TEXTS
    from partita.lyrics import read_lyrics

    return [t for t in TEXTS.values() if read_lyrics(t).language == "en"]


POP_BEFORE = ({"sounding": 0.0, "late_start": 0.0}, {"pentatonic": 0.0})
"""English pop on the rules' rhythm before POP909's note lengths and the later line starts
(``RhythmStyle.sounding``, ``RhythmStyle.late_start``; the pentatonic lean ``LeapStyle.pentatonic`` is 0 in
both: the ``partita_pop_before`` arm)."""
PENTATONIC = 1.0
"""Pop's ``LeapStyle.pentatonic`` tried in the ``partita_pentatonic`` arm (not shipped: 0)."""
SPARSE = 4.0
"""Notes a bar at most of the POP909 windows the sets of :data:`SPARSE_SETS` are also judged against: the
judge tells partita's lines (about 3.3 notes a bar, English hymn and nursery-rhyme lines) from POP909's (5.4)
by their density first; against POP909's sparser windows it has to look at the rest."""
SPARSE_SETS = (
    "partita",
    "partita_pop_before",
    "partita_pentatonic",
    "partita_rules_pitch",
    "partita_learned",
    "partita_no_repeats",
    "partita_learned_old_pitch",
    "partita_no_reprise",
    "partita_exact_reprise",
)
FIT_REPEAT = (0.0, 0.25, 0.5, 0.75, 1.0)
"""The values of pop's ``LeapStyle.repeat`` that ``--fit-repeat`` tries on the development half."""


def variants() -> dict[str, dict]:
    """Pop's ``LeapStyle`` changed for a set: no repeated notes (``repeat`` 0, as before it), and lines
    starting with a leap at ``song_pop909.CANDIDATE_ACROSS``."""
    from song_pop909 import CANDIDATE_ACROSS

    return {"partita_no_repeats": {"repeat": 0.0}, "partita_across": {"across": CANDIDATE_ACROSS}}


@contextmanager
def pop_style(table: dict, old: bool = False, **changes):
    """A context in which pop's entry of ``table`` (``STYLE_LEAPS``, ``STYLE_RHYTHM``, ``STYLE_PITCH``) has
    ``changes`` (``old``: is None)."""
    kept = table["pop"]
    table["pop"] = None if old else replace(kept, **changes)
    try:
        yield
    finally:
        table["pop"] = kept


def generated_sets(seeds: int, markov_train: list, fit: bool = False) -> dict[str, list]:
    """The generated sets of the module's docstring (``fit``: also ``repeat_R`` for each of
    :data:`FIT_REPEAT`)."""
    from partita.generation.song_pitch import STYLE_LEAPS

    texts = english_texts()
    sets = sung_windows(texts, seeds)
    changes = variants() | ({f"repeat_{r}": {"repeat": r} for r in FIT_REPEAT} if fit else {})
    from partita.generation.song_pop_pitch import STYLE_PITCH as PITCH

    def rules():  # the arms below vary the rules' pitches: sung with them
        return pop_style(PITCH, rules_rhythm=False)

    for name, change in changes.items():  # the rules' pitches' leaps and repeats on the rules' rhythm
        with rules(), pop_style(STYLE_LEAPS, **change):
            sets[name] = sung_windows(texts, seeds)["partita"]
    with rules():
        sets["partita_rules_pitch"] = sung_windows(texts, seeds)["partita"]
    from partita.generation.song_rhythm import STYLE_RHYTHM

    with rules(), pop_style(STYLE_RHYTHM, **POP_BEFORE[0]), pop_style(STYLE_LEAPS, **POP_BEFORE[1]):
        sets["partita_pop_before"] = sung_windows(texts, seeds)["partita"]
    with rules(), pop_style(STYLE_LEAPS, pentatonic=PENTATONIC):
        sets["partita_pentatonic"] = sung_windows(texts, seeds)["partita"]
    from partita.generation.song_rhythm import STYLE_RHYTHM as RHYTHM

    with pop_style(RHYTHM, reprise=0.0):
        sets["partita_no_reprise"] = sung_windows(texts, seeds)["partita"]
    with pop_style(RHYTHM, reprise=EXACT_REPRISE, line_form=False):
        sets["partita_exact_reprise"] = sung_windows(texts, seeds)["partita"]
    sets["partita_learned"] = sung_windows(texts, seeds, learned=True)["partita"]
    zh = [ZH_LYRICS.read_text(encoding="utf-8")]
    sets["partita_zh"] = sung_windows(zh, seeds)["partita"]
    sets["partita_zh_rules"] = sung_windows(zh, seeds, learned=False)["partita"]
    with pop_style(PITCH, **ZH_BEFORE):
        sets["partita_zh_tones_before"] = sung_windows(zh, seeds)["partita"]
    with pop_style(PITCH, old=True):
        sets["partita_learned_old_pitch"] = sung_windows(texts, seeds, learned=True)["partita"]
        sets["partita_zh_old_pitch"] = sung_windows(zh, seeds)["partita"]
    sets["markov"] = markov_windows(markov_train, len(sets["partita"]))
    return sets


def zh_tone_agreement(seeds: int) -> dict[str, float]:
    """Tone-melody agreement of the Tang poems sung as pop (each line's syllables' first notes, pooled over
    seeds 0 .. ``seeds`` - 1: ``partita.lyrics.tone_agreement``) with the pitches learned from POP909
    (``learned``) and the rules' (``rules``), and the share of moves against the tones (``..._contrary``)."""
    from partita.generation.song import sing
    from partita.generation.song_pop_pitch import STYLE_PITCH
    from partita.lyrics import pooled_agreement, read_lyrics, tone_agreement

    lyrics = read_lyrics(ZH_LYRICS.read_text(encoding="utf-8"))
    out = {}
    for name, change in (("learned", {}), ("rules", {"old": True}), ("before", ZH_BEFORE)):
        got = []
        with pop_style(STYLE_PITCH, **change):
            for seed in range(seeds):
                lines: dict = {}
                for n in sing(lyrics, seed=seed, style="pop").notes:
                    if n.syllable is not None:
                        lines.setdefault((n.section, n.line), []).append(n)
                got += [
                    tone_agreement([n.pitch for n in ns], [n.syllable.tone for n in ns])
                    for ns in lines.values()
                ]
        pooled = pooled_agreement(got)
        out[name], out[f"{name}_contrary"] = float(pooled["agree"]), float(pooled["contrary"])
    return out


def repeat_fit(report: dict) -> dict:
    """The ``repeat`` whose repeated-note share on the development half came nearest POP909's."""
    rep = report["development"]
    real = rep["real"]["means"]["melody_repeat_share"]
    got = {r: rep["sets"][f"repeat_{r}"]["means"]["melody_repeat_share"] for r in FIT_REPEAT}
    return {"real": real, "tried": got, "fit": min(got, key=lambda r: abs(got[r] - real))}


def judge(sets: dict[str, list], reals: dict[str, list]) -> dict:
    """:func:`realism_report` of every set against each half, and the halves against each other."""
    from partita.evaluation.realism import (
        feature_matrix,
        frechet_distance,
        realism_features,
        realism_report,
        two_sample_test,
    )

    out: dict = {h: realism_report(sets, reals[h]) for h in HALVES}
    a, b = (feature_matrix([realism_features(s) for s in reals[h]]) for h in HALVES)
    out["halves"] = {"two_sample": two_sample_test(a, b), "frechet": frechet_distance(a, b)}
    sparse = {k: sets[k] for k in SPARSE_SETS}
    for h in HALVES:
        out[f"{h}_sparse"] = realism_report(sparse, reals[f"{h}_sparse"])
        out[f"{h}_pitch_only"] = pitch_only(sets, reals[f"{h}_sparse"])
    return out


PITCH_FEATURES = ("pitch_class_entropy", "melody_mean_interval", "melody_step_share", "melody_leap_share",
                  "melody_repeat_share", "pitch_range")  # fmt: skip
"""The realism features of the pitches alone (the rest are rhythm, density and repeated bars)."""
PITCH_ONLY_SETS = ("partita", "partita_rules_pitch")
JUDGE_SEEDS = (0, 1, 2)


def pitch_only(sets: dict[str, list], real: list) -> dict:
    """Each set of :data:`PITCH_ONLY_SETS` against ``real``: the two-sample test on the
    :data:`PITCH_FEATURES` alone and on all the features, each the mean over the judges' seeds
    :data:`JUDGE_SEEDS` (the judge of all the features reads the rhythm first: what the pitches alone
    give away is this one's)."""
    from partita.evaluation.realism import FEATURES, feature_matrix, realism_features, two_sample_test

    cols = [FEATURES.index(f) for f in PITCH_FEATURES]
    rx = feature_matrix([realism_features(p) for p in real])
    out = {}
    for name in PITCH_ONLY_SETS:
        gx = feature_matrix([realism_features(p) for p in sets[name]])
        got = {k: [two_sample_test(gx[:, c], rx[:, c], seed=s)["accuracy"] for s in JUDGE_SEEDS]
               for k, c in (("pitch", cols), ("all", list(range(len(FEATURES)))))}  # fmt: skip
        out[name] = {k: {"accuracy": sum(v) / len(v), "seeds": v} for k, v in got.items()}
        log.info("pitch only %s: %s", name, {k: round(v["accuracy"], 3) for k, v in out[name].items()})
    return out


READS = ("partita", "partita_learned", "partita_zh")
"""The sets whose judge's reading :func:`judge_reads` reports."""


def judge_reads(sets: dict[str, list], real: list, top: int = 6, seed: int = 0) -> dict:
    """What tells each set of :data:`READS` from ``real``: the boosting judge of ``realism.two_sample_test``
    (the same model and folds) refitted on each fold, each feature's permutation importance on the fold's
    held-out windows (the drop in balanced accuracy when its column is shuffled, 5 shuffles), averaged over
    the folds; and each feature alone (a boosting judge on it only, cross-validated). The ``top`` features
    by importance, with the set's and the real windows' means."""
    import numpy as np
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.inspection import permutation_importance
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from partita.evaluation.realism import FEATURES, feature_matrix, realism_features

    def judge(n=100):
        return make_pipeline(
            StandardScaler(),
            GradientBoostingClassifier(n_estimators=n, max_depth=2, learning_rate=0.1, random_state=seed),
        )

    rx = feature_matrix([realism_features(p) for p in real])
    out = {}
    for name in READS:
        gx = feature_matrix([realism_features(p) for p in sets[name]])
        x, y = np.vstack([gx, rx]), np.r_[np.zeros(len(gx), int), np.ones(len(rx), int)]
        cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
        imp = np.zeros(len(FEATURES))
        for train, test in cv.split(x, y):
            j = judge().fit(x[train], y[train])
            got = permutation_importance(j, x[test], y[test], scoring="balanced_accuracy", n_repeats=5,
                                         random_state=seed)  # fmt: skip
            imp += got.importances_mean / cv.get_n_splits()
        rows = []
        for i in np.argsort(-imp)[:top]:
            alone = cross_val_score(judge(50), x[:, [i]], y, cv=cv, scoring="balanced_accuracy").mean()
            rows.append({"feature": FEATURES[i], "importance": float(imp[i]), "alone": float(alone),
                         "set": float(gx[:, i].mean()), "real": float(rx[:, i].mean())})  # fmt: skip
        out[name] = rows
        log.info("judge reads %s: %s", name, [(r["feature"], round(r["importance"], 3)) for r in rows])
    return out


def sparse_windows(pieces: list, n: int, seed: int) -> list:
    """At most ``n`` of the ``pieces`` with :data:`SPARSE` notes a bar or fewer."""
    from partita.evaluation.realism import realism_features

    return sample([p for p in pieces if realism_features(p)["notes_per_bar"] <= SPARSE], n, seed)


def _diff_note(entry: dict) -> str:
    return ", ".join(f"{d['feature']} {d['a']:.2f} vs {d['b']:.2f}" for d in entry.get("differences", [])[:3])


SETS = (
    ("partita", "partita's vocal lines (pop)"),
    ("partita_learned", "partita with pop's rhythm learned from POP909"),
    ("partita_zh", "partita's Chinese lines (Tang poems, pop, learned rhythm)"),
    ("partita_zh_rules", "partita's Chinese lines (Tang poems, pop, the rules' rhythm)"),
    ("partita_zh_old_pitch", "partita's Chinese lines (Tang poems, pop, learned rhythm, the rules' pitches)"),
    ("partita_learned_old_pitch", "partita with pop's learned rhythm and the rules' pitches"),
    ("partita_rules_pitch", "partita (English, the rules' rhythm) with the rules' pitches (before)"),
    ("partita_zh_tones_before", "partita's Chinese lines (pop), the learned pitches' tone weight as before"),
    ("partita_pop_before", "partita (pop) before POP909's note lengths and late line starts"),
    ("partita_pentatonic", "partita (pop) with the pentatonic lean (LeapStyle.pentatonic 1, not shipped)"),
    ("partita_no_repeats", "partita with no repeated notes (repeat 0, as before)"),
    ("eighth", "one syllable an eighth (partita's pitches)"),
    ("partita_across", "partita, pop across 0.3 (not shipped)"),
    ("partita_no_reprise", "partita with each line sung anew (reprise 0, before)"),
    ("partita_exact_reprise", "partita with exact reprises only (line forms off, before)"),
)


def _half_rows(h: str, rep: dict) -> list[dict]:
    label = "development half (choices looked here)" if h == "development" else "held-out half"
    real_n, floor = rep["real"]["n"], rep["floor"]["two_sample"]["accuracy"]
    mk = rep["sets"]["markov"]
    rows = []
    for name, what in SETS:
        s = rep["sets"][name]
        rows.append(
            row(f"song realism, POP909 {label}: two-sample accuracy, {what}", s["accuracy"], "accuracy",
                COMMAND, "the Markov chain (trained on the development half)", mk["accuracy"],
                higher_is_better=False, goal="near the floor (0.5 = indistinguishable)",
                notes=f"{s['n']} windows of 8 bars against {real_n} POP909 windows; floor (two halves "
                f"of these real windows) {floor:.3f}; Fréchet {s['frechet']:.2f} (Markov "
                f"{mk['frechet']:.2f}); apart most: {_diff_note(s)}")
        )  # fmt: skip
    p, before = (rep["sets"][k]["means"] for k in ("partita", "partita_no_repeats"))
    real = rep["real"]["means"]
    rows.append(
        row(f"song realism, POP909 {label}: repeated notes among the intervals, partita",
            p["melody_repeat_share"], "share", COMMAND, "POP909's melodies", real["melody_repeat_share"],
            goal="near POP909's",
            notes=f"repeat 0 (as before): {before['melody_repeat_share']:.3f}; steps (1-2 semitones): "
            f"partita {p['melody_step_share']:.3f}, repeat 0 {before['melody_step_share']:.3f}, POP909 "
            f"{real['melody_step_share']:.3f}; Fréchet partita {rep['sets']['partita']['frechet']:.2f}, "
            f"repeat 0 {rep['sets']['partita_no_repeats']['frechet']:.2f}")
    )  # fmt: skip
    return rows


RULES_PITCH = "the rules' pitches, same rhythm"
PITCH_SETS = (("partita", "partita_rules_pitch", "English, the rules' rhythm", RULES_PITCH),
              ("partita_learned", "partita_learned_old_pitch", "English, learned rhythm", RULES_PITCH),
              ("partita_zh", "partita_zh_old_pitch", "Chinese (Tang poems)", RULES_PITCH),
              ("partita_zh", "partita_zh_tones_before", "Chinese (Tang poems), tone weight 2.5",
               "the learned pitches' tone weight before (2.0)"))  # fmt: skip
PITCH_KEYS = ("melody_repeat_share", "melody_leap_share", "melody_step_share", "melody_mean_interval",
              "pitch_class_entropy", "pitch_range")  # fmt: skip


def _pitch_rows(h: str, rep: dict) -> list[dict]:
    """Learned pitches against the rules' on the learned rhythm: accuracy, repeated notes and leaps."""
    label = "development half" if h == "development" else "held-out half"
    real = rep["real"]["means"]
    rows = []
    for new, old, what, base in PITCH_SETS:
        a, b = rep["sets"][new], rep["sets"][old]
        shares = "; ".join(
            f"{k} learned {a['means'][k]:.3f}, baseline {b['means'][k]:.3f}, POP909 {real[k]:.3f}"
            for k in PITCH_KEYS
        )
        rows.append(
            row(f"song realism, POP909 {label}: two-sample accuracy, {what}, pitches learned from POP909",
                a["accuracy"], "accuracy", COMMAND, base, b["accuracy"],
                higher_is_better=False, goal="near the floor (0.5 = indistinguishable)",
                notes=f"Fréchet learned {a['frechet']:.2f}, baseline {b['frechet']:.2f}; {shares}")
        )  # fmt: skip
        if base != RULES_PITCH:
            continue
        for key, name in (("melody_repeat_share", "repeated notes"), ("melody_leap_share", "leaps")):
            rows.append(
                row(f"song realism, POP909 {label}: {name} among the intervals, {what}, pitches learned "
                    "from POP909", a["means"][key], "share", COMMAND, "POP909's melodies", real[key],
                    goal="near POP909's", notes=f"the rules' pitches {b['means'][key]:.3f}")
            )  # fmt: skip
    return rows


def _rhythm_row(h: str, rep: dict) -> dict:
    label = "development half" if h == "development" else "held-out half"
    p, before = (rep["sets"][k]["means"] for k in ("partita_learned", "partita"))
    real = rep["real"]["means"]
    keys = ("empty_beat_share", "ioi_mean", "ioi_entropy", "duration_mean")
    return row(
        f"song realism, POP909 {label}: notes a bar, partita's vocal lines (pop, learned rhythm)",
        p["notes_per_bar"],
        "notes", COMMAND, "POP909's melodies", real["notes_per_bar"], goal="near POP909's",
        notes=f"the rules' rhythm {before['notes_per_bar']:.2f}; "
        + "; ".join(f"{k} learned {p[k]:.3f}, rules {before[k]:.3f}, POP909 {real[k]:.3f}" for k in keys),
    )  # fmt: skip


def _sparse_row(h: str, rep: dict) -> dict:
    label = "development half" if h == "development" else "held-out half"
    s, before = rep["sets"]["partita_learned"], rep["sets"]["partita"]
    floor = rep["floor"]["two_sample"]["accuracy"]
    return row(
        f"song realism, POP909 {label}, windows of {SPARSE:g} notes a bar or fewer: two-sample accuracy, "
        "partita's vocal lines (pop, learned rhythm)", s["accuracy"], "accuracy", COMMAND,
        "partita with the rules' rhythm",
        before["accuracy"], higher_is_better=False, goal="near the floor (0.5 = indistinguishable)",
        notes=f"{s['n']} windows against {rep['real']['n']} POP909 windows as sparse as partita's; floor "
        f"{floor:.3f}; Fréchet {s['frechet']:.2f} (rules' rhythm {before['frechet']:.2f}); apart most: "
        f"{_diff_note(s)}",
    )  # fmt: skip


POP_KEYS = ("ioi_std", "duration_mean", "duration_std", "empty_beat_share", "melody_mean_interval",
            "melody_leap_share", "pitch_class_entropy")  # fmt: skip


def _pop_rows(h: str, rep: dict, sparse: bool) -> dict:
    """partita (English pop, the rules' rhythm) against :data:`POP_BEFORE`'s arm, same run."""
    label = "development half" if h == "development" else "held-out half"
    label += f", windows of {SPARSE:g} notes a bar or fewer" if sparse else ""
    a, b = rep["sets"]["partita"], rep["sets"]["partita_pop_before"]
    pent = rep["sets"]["partita_pentatonic"]
    real = rep["real"]["means"]
    return row(
        f"song realism, POP909 {label}: two-sample accuracy, partita's English pop lines (POP909's note "
        "lengths, late line starts)", a["accuracy"], "accuracy", COMMAND,
        "before (each note to the next, lines from the bar's start)", b["accuracy"],
        higher_is_better=False, goal="near the floor (0.5 = indistinguishable)",
        notes=f"Fréchet {a['frechet']:.2f} (before {b['frechet']:.2f}); with the pentatonic lean (not "
        f"shipped) {pent['accuracy']:.3f}, Fréchet {pent['frechet']:.2f}; "
        + "; ".join(f"{k} {a['means'][k]:.3f}, before {b['means'][k]:.3f}, pentatonic "
                    f"{pent['means'][k]:.3f}, POP909 {real[k]:.3f}" for k in POP_KEYS),
    )  # fmt: skip


def _pitch_only_rows(h: str, rep: dict, means: dict) -> list[dict]:
    """English pop's learned pitches on the rules' rhythm against the rules' pitches (before), judged on the
    pitch features alone and on all (means over three judges' seeds), against the sparse windows."""
    label = "development half" if h == "development" else "held-out half"
    a, b = rep["partita"], rep["partita_rules_pitch"]
    new, old, real = means["partita"]["means"], means["partita_rules_pitch"]["means"], means["_real"]
    shares = "; ".join(f"{k} {new[k]:.3f}, before {old[k]:.3f}, POP909 {real[k]:.3f}" for k in PITCH_FEATURES)
    return [
        row(f"song realism, POP909 {label}, windows of {SPARSE:g} notes a bar or fewer: two-sample accuracy "
            f"on the {what}, partita's English pop lines (pitches learned from POP909 on the rules' rhythm)",
            a[key]["accuracy"], "accuracy", COMMAND, "the rules' pitches (before), same run",
            b[key]["accuracy"],
            higher_is_better=False, goal="near the floor (0.5 = indistinguishable)",
            notes=f"mean of judges' seeds {list(JUDGE_SEEDS)}: {[round(x, 3) for x in a[key]['seeds']]} "
            f"against {[round(x, 3) for x in b[key]['seeds']]}; {shares}")
        for key, what in (("pitch", "pitch features alone"), ("all", "all features"))
    ]  # fmt: skip


def build_rows(report: dict, info: dict) -> list[dict]:
    rows = [r for h in HALVES for r in _half_rows(h, report[h])]
    rows += [r for h in HALVES for r in _pitch_rows(h, report[h])]
    rows += [_rhythm_row(h, report[h]) for h in HALVES]
    rows += [_sparse_row(h, report[f"{h}_sparse"]) for h in HALVES]
    rows += [_pop_rows(h, report[f"{h}_sparse" if sp else h], sp) for sp in (True, False) for h in HALVES]
    for h in HALVES:
        sparse = report[f"{h}_sparse"]
        means = {k: sparse["sets"][k] for k in PITCH_ONLY_SETS} | {"_real": sparse["real"]["means"]}
        rows += _pitch_only_rows(h, report[f"{h}_pitch_only"], means)
    tones = info["zh_tones"]
    rows.append(
        row("song realism: tone-melody agreement, Chinese lines (Tang poems, pop), pitches learned from "
            "POP909",
            tones["learned"], "share", COMMAND, "the rules' pitches, same rhythm", tones["rules"],
            goal="high where the style expects it (no measure of real Mandarin pop: POP909 has no lyrics)",
            notes=f"moves against the tones: learned {tones['learned_contrary']:.3f}, rules "
            f"{tones['rules_contrary']:.3f}; learned as before (tones {ZH_BEFORE['tones']:g}) "
            f"{tones['before']:.3f} (against {tones['before_contrary']:.3f}); {info['seeds']} seeds, each "
            "line's syllables' first notes")
    )  # fmt: skip
    for name, reads in info.get("reads", {}).items():
        what = dict(SETS)[name]
        rows.append(
            row(f"song realism, POP909 held-out half: what the judge reads most, {what}",
                reads[0]["importance"], "accuracy drop", COMMAND, "that feature alone", reads[0]["alone"],
                notes="boosting judge's permutation importance (feature: drop, alone, set vs POP909): "
                + "; ".join(f"{r['feature']} {r['importance']:.3f}, {r['alone']:.3f}, {r['set']:.3f} vs "
                            f"{r['real']:.3f}" for r in reads))
        )  # fmt: skip
    halves = report["halves"]
    rows.append(
        row("song realism: POP909 development-half windows against held-out-half windows",
            halves["two_sample"]["accuracy"], "accuracy", COMMAND, "chance", 0.5, higher_is_better=False,
            notes=f"Fréchet {halves['frechet']:.2f}; {info['pop909']}")
    )  # fmt: skip
    return rows


FIT_REPRISE = (0.75, 1.0)
"""The values of pop's ``RhythmStyle.reprise`` that ``--reprise`` tries with exact reprises only
(``reprise_R``: ``line_form`` False, the nearest earlier line with the same cadence) beside the shipped one
(``partita``), the exact reprises as before (``partita_exact_reprise``: :data:`EXACT_REPRISE`) and none
(``partita_no_reprise``). Earlier runs tried 0.25 and ``RhythmStyle.vary`` (docs/SONGS.md)."""
EXACT_REPRISE = 0.5
"""Pop's ``RhythmStyle.reprise`` before the line forms (``line_form`` False): the ``partita_exact_reprise``
arm."""
FIT_FORM = (0.5, 0.75, 1.0)
"""The values of ``reprise`` that ``--reprise`` tries with the sections' line forms (``reprise_R_form``:
``RhythmStyle.line_form``, ABAB or AABA, near repeats with the line's own ending)."""
PHRASES = (2, 4)
"""Phrase lengths (bars) of :func:`phrase_repeats`."""
NEAR = 0.75
"""A phrase nearly repeats an earlier one where this share of its notes (onset in the phrase, pitch) is
one of the earlier phrase's, and of the earlier one's one of its."""


def phrase_repeats(score) -> dict[str, float]:
    """For each phrase length L of :data:`PHRASES`: the share of a window's L-bar phrases (from bar 0, after
    the first) that repeat an earlier phrase of the window exactly (``exact_L``: the same notes, onsets in
    the phrase and pitches) or nearly (``near_L``: :data:`NEAR` of the notes shared both ways)."""
    from partita.evaluation.realism import bar_ticks

    bar = bar_ticks(score)[0]
    notes = sorted((n.time, n.pitch) for t in score.tracks for n in t.notes)
    out = {}
    for length in PHRASES:
        span = length * bar
        count = max(n for n, _ in notes) // span + 1 if notes else 0
        phrases = [{(t % span, p) for t, p in notes if t // span == k} for k in range(count)]
        exact = near = total = 0
        for k in range(1, count):
            if not phrases[k]:
                continue
            total += 1
            exact += any(phrases[k] == phrases[j] for j in range(k))
            near += any(
                phrases[j] and len(phrases[k] & phrases[j]) >= NEAR * max(len(phrases[k]), len(phrases[j]))
                for j in range(k)
            )
        out[f"exact_{length}"], out[f"near_{length}"] = (exact / total, near / total) if total else (0.0, 0.0)
    return out


def _mean_repeats(pieces: list) -> dict[str, float]:
    got = [phrase_repeats(p) for p in pieces]
    return {k: sum(g[k] for g in got) / max(len(got), 1) for k in (got[0] if got else {})}


REPRISE_FEATURES = ("bar_repetition", "two_bar_repetition", "notes_per_bar", "duration_mean")
REPEAT_FEATURES = ("bar_repetition", "two_bar_repetition", "longest_repeat_run", "longest_figure_run")
"""The realism features of repeated bars; :func:`_repeat_matrix` adds the phrase repeats
(:func:`phrase_repeats`: exact and near, 2 and 4 bars) that the realism features do not read."""


def _repeat_matrix(pieces: list):
    """One row a piece: its :data:`REPEAT_FEATURES` and :func:`phrase_repeats` (the judge of repeats alone:
    can exact and near repeats tell a set from POP909's windows)."""
    import numpy as np

    from partita.evaluation.realism import realism_features

    rows = []
    for p in pieces:
        feats, phrases = realism_features(p), phrase_repeats(p)
        rows.append([feats[f] for f in REPEAT_FEATURES] + [phrases[k] for k in sorted(phrases)])
    return np.asarray(rows, dtype=float)


FIT_RETEXT = (0.25, 1.0)
"""The values of pop's ``RhythmStyle.retext`` that ``--retext`` tries (``reprise_retext_R``) beside the
shipped rhythm (``partita``: 0, the line forms as before) and ``reprise_retext_rescue`` (a chance of 1e-9:
a retexted line only where the whole tune is not taken)."""


def reprise_run(seeds: int, reals: dict[str, list], retext: bool = False) -> tuple[list[dict], dict]:
    """English pop with pop's ``RhythmStyle.reprise`` as shipped (``partita``), at 0 (``partita_no_reprise``,
    as before) and at each of :data:`FIT_REPRISE` (``reprise_R``), against each half's windows (all, and
    :data:`SPARSE` notes a bar or fewer): the two-sample accuracy (mean of :data:`JUDGE_SEEDS`), the phrase
    repeats (:func:`phrase_repeats`) and the repetition features beside POP909's. ``retext``: the arms
    of :data:`FIT_RETEXT` and ``reprise_retext_rescue`` instead of :data:`FIT_REPRISE` and
    :data:`FIT_FORM`'s."""
    from partita.evaluation.realism import feature_matrix, realism_features, two_sample_test
    from partita.generation.song_rhythm import STYLE_RHYTHM

    texts = english_texts()
    sets = {"partita": sung_windows(texts, seeds)["partita"]}
    shipped = STYLE_RHYTHM["pop"]
    arms = [("partita_no_reprise", 0.0, False), ("partita_exact_reprise", EXACT_REPRISE, False)]
    arms = [(*a, shipped.retext) for a in arms]
    if retext:
        arms += [(f"reprise_retext_{x}", shipped.reprise, True, x) for x in FIT_RETEXT]
        arms.append(("reprise_retext_rescue", shipped.reprise, True, 1e-9))
    else:
        arms += [(f"reprise_{r}", r, False, shipped.retext) for r in FIT_REPRISE]
        arms += [(f"reprise_{r}_form", r, True, shipped.retext) for r in FIT_FORM]
    for name, r, form, x in arms:
        if (r, form, x) == (shipped.reprise, shipped.line_form, shipped.retext):
            sets[name] = sets["partita"]  # the shipped rhythm: the same lines
            continue
        with pop_style(STYLE_RHYTHM, reprise=r, line_form=form, retext=x):
            sets[name] = sung_windows(texts, seeds)["partita"]
    report: dict = {"real": {}, "sets": {k: {} for k in sets}}
    xs = {k: feature_matrix([realism_features(p) for p in v]) for k, v in sets.items()}
    rs = {k: _repeat_matrix(v) for k, v in sets.items()}
    for h in (*HALVES, *(f"{h}_sparse" for h in HALVES)):
        rx, rr = feature_matrix([realism_features(p) for p in reals[h]]), _repeat_matrix(reals[h])
        report["real"][h] = _mean_repeats(reals[h]) | {
            f: float(sum(realism_features(p)[f] for p in reals[h]) / len(reals[h])) for f in REPRISE_FEATURES
        }
        for k, gx in xs.items():
            acc = [two_sample_test(gx, rx, seed=s)["accuracy"] for s in JUDGE_SEEDS]
            alone = [two_sample_test(rs[k], rr, seed=s)["accuracy"] for s in JUDGE_SEEDS]
            report["sets"][k][h] = {"accuracy": sum(acc) / len(acc), "seeds": acc,
                                    "repeats_only": sum(alone) / len(alone),
                                    "repeats_only_seeds": alone}  # fmt: skip
            log.info(
                "reprise %s %s: %.3f (repeats only %.3f)", k, h, sum(acc) / len(acc), sum(alone) / len(alone)
            )
    for k, v in sets.items():
        report["sets"][k]["means"] = _mean_repeats(v) | {
            f: float(sum(realism_features(p)[f] for p in v) / len(v)) for f in REPRISE_FEATURES
        }
        report["sets"][k]["n"] = len(v)
    return _reprise_rows(report), report


def _reprise_rows(report: dict) -> list[dict]:
    from partita.generation.song_rhythm import STYLE_RHYTHM

    pop = STYLE_RHYTHM["pop"]
    shipped = f"reprise {pop.reprise:g}" + (", line forms ABAB / AABA" if pop.line_form else "")
    sets, rows, alone = report["sets"], [], []
    for h in (*HALVES, *(f"{h}_sparse" for h in HALVES)):
        label = ("development half (choices looked here)" if h.startswith("dev") else "held-out half") + (
            f", windows of {SPARSE:g} notes a bar or fewer" if h.endswith("sparse") else ""
        )
        a, b, c = sets["partita"], sets["partita_exact_reprise"], sets["partita_no_reprise"]
        arms = [(k[8:], v[h]) for k, v in sets.items() if k.startswith("reprise_")]
        tried = {m: ", ".join(f"{k}: {v[m]:.3f}" for k, v in arms) for m in ("accuracy", "repeats_only")}
        rows.append(
            row(f"song realism, POP909 {label}: two-sample accuracy, partita's English pop lines with "
                f"reprised lines ({shipped})", a[h]["accuracy"], "accuracy", REPRISE_COMMAND,
                f"exact reprises of the nearest same-cadence line (reprise {EXACT_REPRISE:g}, before), "
                "same run",
                b[h]["accuracy"], higher_is_better=False, goal="near the floor (0.5 = indistinguishable)",
                notes=f"mean of judges' seeds {list(JUDGE_SEEDS)}: {[round(x, 3) for x in a[h]['seeds']]} "
                f"against {[round(x, 3) for x in b[h]['seeds']]}; each line sung anew (reprise 0) "
                f"{c[h]['accuracy']:.3f}; each tried: {tried['accuracy']}")
        )  # fmt: skip
        alone.append(
            row(f"song realism, POP909 {label}: two-sample accuracy on the repeats alone (repeated bars, "
                f"exact and near phrase repeats), partita's English pop lines ({shipped})",
                a[h]["repeats_only"], "accuracy", REPRISE_COMMAND, "exact reprises (before), same run",
                b[h]["repeats_only"],
                higher_is_better=False, goal="near 0.5 (the repeats cannot tell partita from POP909)",
                notes=f"features {list(REPEAT_FEATURES)} and phrase repeats exact/near of 2 and 4 bars; mean "
                f"of judges' seeds {list(JUDGE_SEEDS)}: {[round(x, 3) for x in a[h]['repeats_only_seeds']]} "
                f"against {[round(x, 3) for x in b[h]['repeats_only_seeds']]}; reprise 0 "
                f"{c[h]['repeats_only']:.3f}; each tried: {tried['repeats_only']}")
        )  # fmt: skip
    rows += alone
    real = report["real"]
    for key, what in (("exact_2", "2-bar phrases repeating an earlier one of the window exactly"),
                      ("near_2", f"2-bar phrases nearly repeating an earlier one ({NEAR:g} of notes)"),
                      ("exact_4", "4-bar phrases repeating the first exactly"),
                      ("near_4", f"4-bar phrases nearly repeating the first ({NEAR:g} of notes)"),
                      ("bar_repetition", "bars repeating an earlier bar (realism feature)"),
                      ("two_bar_repetition", "two-bar windows repeating an earlier one (realism "
                       "feature)")):  # fmt: skip
        rows.append(
            row(f"song realism: {what}, partita's English pop lines ({shipped})",
                sets["partita"]["means"][key], "share", REPRISE_COMMAND, "POP909 development half",
                real["development"][key], goal="near POP909's",
                notes=f"exact reprises (before) {sets['partita_exact_reprise']['means'][key]:.3f}; reprise 0 "
                f"{sets['partita_no_reprise']['means'][key]:.3f}; POP909 held out "
                f"{real['held_out'][key]:.3f}, sparse windows development "
                f"{real['development_sparse'][key]:.3f}, held out {real['held_out_sparse'][key]:.3f}; "
                "each tried: "
                + ", ".join(f"{k[8:]}: {v['means'][key]:.3f}" for k, v in sets.items() if k[:7] == "reprise"))
        )  # fmt: skip
    return rows


REPRISE_COMMAND = "python bench/bench_song_realism.py --threads 1 --reprise"
RETEXT_COMMAND = "python bench/bench_song_realism.py --threads 1 --retext"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=8, help="seeds each text is sung with")
    ap.add_argument("--real", type=int, default=400, help="POP909 windows a half at most")
    ap.add_argument("--songs", type=int, default=400, help="POP909 songs a half read (1-800)")
    ap.add_argument("--threads", type=int, default=1, help="rules and small judges: one thread")
    ap.add_argument("--quick", action="store_true", help="for `python -m bench --quick`: fewer songs")
    ap.add_argument("--fit-repeat", action="store_true", help="also try pop's LeapStyle.repeat values")
    ap.add_argument("--reprise", action="store_true", help="only English pop with and without reprised lines")
    ap.add_argument("--retext", action="store_true", help="--reprise with the retexted lines' arms")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    if args.quick:
        args.seeds, args.real, args.songs = min(args.seeds, 2), min(args.real, 80), min(args.songs, 40)
    t0 = time.perf_counter()
    reals, counts = {}, {}
    for i, h in enumerate(HALVES):
        got, counts[h] = pop909_windows(h, args.songs)
        reals[h] = sample(got, args.real, seed=i)
        reals[f"{h}_sparse"] = sparse_windows(got, args.real, seed=i)
    if args.reprise or args.retext:
        rows, report = reprise_run(args.seeds, reals, args.retext)
        if args.retext:
            rows = [r | {"command": RETEXT_COMMAND} for r in rows]
        path = write_result(
            "song_realism_retext" if args.retext else "song_realism_reprise",
            "Realism of the vocal line: English pop lines re-using an earlier line's tune"
            + (", its first half with its own rhythm after (retext)" if args.retext else "")
            + ", against POP909",
            rows,
            quick=args.quick,
            extra={"report": report, "pop909": counts, "seconds": time.perf_counter() - t0},
        )
        print(path)
        return
    train = pop909_full("development", min(args.songs, MARKOV_TRAIN))
    sets = generated_sets(args.seeds, train, args.fit_repeat)
    log.info("read and sung in %.0f s: %s", time.perf_counter() - t0, {k: len(v) for k, v in sets.items()})
    report = judge(sets, reals)
    info = {"pop909": counts, "seeds": args.seeds, "markov_train": len(train), "real_sampled": args.real}
    if args.fit_repeat:
        info["repeat_fit"] = repeat_fit(report)
        log.info("repeat fit: %s", info["repeat_fit"])
    info["zh_tones"] = zh_tone_agreement(args.seeds)
    info["reads"] = judge_reads(sets, reals["held_out"])
    rows = build_rows(report, info)
    path = write_result(
        "song_realism",
        "Realism of the vocal line: partita's pop songs against POP909's melodies, pitches learned from "
        "POP909",
        rows,
        quick=args.quick,
        extra={"report": report, "info": info, "seconds": time.perf_counter() - t0},
    )
    print(path)


if __name__ == "__main__":
    main()
