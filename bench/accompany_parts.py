"""How the parts under a melody move, for ``bench_accompany.py`` (its chorale rows): their rhythm, their
voicing, their lines (the bass's register, phrase ends) and their harmony. Each measure takes whole pieces
(the melody's tracks first, then the parts) cut to ``bars`` bars. Split out of ``bench_accompany.py``, which
re-exports these names."""

from __future__ import annotations

from collections import Counter

import numpy as np


def parts_rhythm(pieces: list, bars: int, melody_tracks: int = 1) -> dict[str, float]:
    """Over ``pieces`` (the melody's tracks first, then the parts; ``bars`` bars each): the parts' notes a
    bar, notes an onset (notes over distinct start times), the share of their notes on a beat (a quarter),
    the share of the melody's onsets the parts start a note at, and of bars 2 to ``bars`` (the first may be
    a pickup) those whose downbeat starts a part's note (struck downbeats), the parts' notes a piece that
    start before the melody's first note (in a pickup bar's empty beats, where real voices are silent), and
    the parts' notes starting with each of the melody's onsets between the beats (Bach's alto, tenor and
    bass start 0.9 under his sopranos' eighths off the beat, 2.9 under their notes on the beat: they hold
    while the soprano passes); and under the melody's dotted figures (a note three times as long as the note
    after it, which starts as it ends, off the beat, an eighth or shorter: a dotted quarter and an eighth),
    the parts' notes starting with the short note, a figure and a piece (Bach's, 249 training chorales whole:
    0.93 a figure, none under 38% of them, one under 38%, all three under 8%)."""
    from partita.score.bars import bar_lines

    notes = onsets = on_beats = struck = counted = shared = melody_onsets = early = 0
    off_notes = off_onsets = dotted_notes = dotted = 0
    for piece in pieces:
        q = int(piece.ticks_per_quarter) or 480
        lines = bar_lines(piece, bars)
        starts = [int(n.time) for t in piece.tracks[melody_tracks:] if not t.is_drum for n in t.notes]
        starts = [t for t in starts if t < lines[-1]]
        melody = {int(n.time) for t in piece.tracks[:melody_tracks] for n in t.notes if n.time < lines[-1]}
        notes += len(starts)
        onsets += len(set(starts))
        on_beats += sum(1 for t in starts if (t - lines[np.searchsorted(lines, t, "right") - 1]) % q == 0)
        struck += sum(1 for b in lines[1:-1] if b in set(starts))
        counted += len(lines) - 2
        shared += len(melody & set(starts))
        melody_onsets += len(melody)
        early += sum(1 for t in starts if melody and t < min(melody))
        every = Counter(starts)
        for t in melody:
            if (t - lines[np.searchsorted(lines, t, "right") - 1]) % q:
                off_notes += every.get(t, 0)
                off_onsets += 1
        for t in dotted_onsets(piece, lines, melody_tracks):
            dotted_notes += every.get(t, 0)
            dotted += 1
    return {
        "notes a bar": notes / max(1, bars * len(pieces)),
        "notes an onset": notes / max(1, onsets),
        "on the beats": on_beats / max(1, notes),
        "melody onsets struck": shared / max(1, melody_onsets),
        "struck downbeats": struck / max(1, counted),
        "notes before the melody's first note": early / max(1, len(pieces)),
        "notes at the melody's onsets between the beats": off_notes / max(1, off_onsets),
        "notes with the short note of the melody's dotted figures": dotted_notes / max(1, dotted),
        "notes with the short note of the melody's dotted figures, a piece": dotted_notes
        / max(1, len(pieces)),
    }


def dotted_onsets(piece, lines, melody_tracks: int = 1) -> list[int]:
    """The ticks where the short note of ``piece``'s melody's dotted figures starts (before ``lines[-1]``,
    the bar lines): a note three times as long as the note after it, which starts as it ends, off the beat,
    an eighth or shorter."""
    q = int(piece.ticks_per_quarter) or 480
    out = []
    for t in piece.tracks[:melody_tracks]:
        line = sorted(t.notes, key=lambda n: n.time)
        for a, b in zip(line, line[1:], strict=False):
            start, short = int(b.time), int(b.duration)
            if start >= lines[-1] or start != int(a.time + a.duration) or int(a.duration) != 3 * short:
                continue
            bar = lines[max(0, np.searchsorted(lines, start, "right") - 1)]
            if 2 * short <= q and (start - bar) % q:
                out.append(start)
    return out


def _sixteenths(piece, bars: int, melody_tracks: int) -> tuple[int, int, list, list[set[int]]]:
    """``piece``'s parts on a sixteenth-note grid over ``bars`` bars: the step (ticks), the end tick, the
    parts' pitched tracks, and the pitches they sound in each sixteenth."""
    from partita.score.bars import bar_lines

    step = max(1, (int(piece.ticks_per_quarter) or 480) // 4)
    end = int(bar_lines(piece, bars)[-1])
    cells = end // step + 1
    tracks = [t for t in piece.tracks[melody_tracks:] if not t.is_drum and len(t.notes)]
    sound: list[set[int]] = [set() for _ in range(cells)]
    for n in (n for t in tracks for n in t.notes if n.time < end):
        for i in range(int(n.time) // step, min(cells, (int(n.time + n.duration) + step - 1) // step)):
            sound[i].add(int(n.pitch))
    return step, end, tracks, sound


def parts_voicing(pieces: list, bars: int, melody_tracks: int = 1) -> dict[str, float]:
    """How the parts move as voices, over ``pieces`` (the melody's tracks first; ``bars`` bars each), on a
    sixteenth-note grid, whatever tracks the parts are written in:

    - ``inner repeated``: of the notes the inner voices start (each part note that starts, ranked among the
      parts' pitches sounding there, all but the lowest), the share whose pitch its rank last started;
    - ``inner runs of 4+``: the share that start a pitch the fourth time or more running;
    - ``above the melody``: of the sixteenths where the melody and a part sound, the share with a part above
      the melody's note;
    - ``crossings``: of the sixteenths where two neighbouring voices sound (the melody and the part tracks
      ordered by mean pitch), the share with the lower above the higher; NaN where the parts are one track;
    - ``bass leaps over an octave``: of the lowest voice's moves (each part note that starts lowest among the
      parts sounding there, from the pitch the lowest last started), the share of more than 12 semitones;
    - ``inner leaps over a sixth``: of the inner voices' moves (by rank, as the repeats), the share of more
      than 9 semitones;
    - ``upper spacing over an octave``: of the sixteenths where the melody and three or more parts' pitches
      sound, the share with more than 12 semitones between the melody and the highest part, or between the
      two highest parts (the soprano-alto and alto-tenor spacing; the bass may lie further under).
    """

    starts = repeated = long_runs = above = with_melody = crossed = pairs = 0
    bass_moves = bass_leaps = inner_moves = inner_leaps = 0
    four = wide = 0
    for piece in pieces:
        step, end, tracks, sound = _sixteenths(piece, bars, melody_tracks)
        cells = len(sound)
        notes = [n for t in tracks for n in t.notes if n.time < end]
        last: dict[int, list[int]] = {}  # rank -> [pitch, times running]
        lowest = None
        for n in sorted(notes, key=lambda n: (n.time, -n.pitch)):
            here = sorted(sound[int(n.time) // step], reverse=True)
            if here and int(n.pitch) == here[-1]:  # the lowest part's note
                if lowest is not None:
                    bass_moves += 1
                    bass_leaps += abs(int(n.pitch) - lowest) > 12
                lowest = int(n.pitch)
            if len(here) < 2 or int(n.pitch) not in here:
                continue
            rank = here.index(int(n.pitch))
            if rank == len(here) - 1:
                continue
            starts += 1
            prev = last.get(rank)
            if prev is not None:
                inner_moves += 1
                inner_leaps += abs(int(n.pitch) - prev[0]) > 9
            if prev is not None and prev[0] == int(n.pitch):
                prev[1] += 1
                repeated += 1
                long_runs += prev[1] >= 4
            else:
                last[rank] = [int(n.pitch), 1]
        top = np.full(cells, -1)
        for t in piece.tracks[:melody_tracks]:
            for n in t.notes:
                top[int(n.time) // step : min(cells, int(n.time + n.duration) // step)] = int(n.pitch)
        for i, pitches in enumerate(sound):
            if pitches and top[i] >= 0:
                with_melody += 1
                above += int(max(pitches) > top[i])
            if len(pitches) >= 3 and top[i] >= 0:
                hi = sorted(pitches, reverse=True)
                four += 1
                wide += int(top[i] - hi[0] > 12 or hi[0] - hi[1] > 12)
        if len(tracks) > 1:
            order = sorted(tracks, key=lambda t: -float(np.mean([n.pitch for n in t.notes])))
            grid = np.full((len(order) + 1, cells), -1)
            grid[0] = top
            for k, t in enumerate(order, 1):
                for n in t.notes:
                    grid[k, int(n.time) // step : min(cells, int(n.time + n.duration) // step)] = int(n.pitch)
            both = (grid[:-1] >= 0) & (grid[1:] >= 0)
            pairs += int(both.sum())
            crossed += int((both & (grid[1:] > grid[:-1])).sum())
    return {
        "inner repeated": repeated / max(1, starts),
        "inner runs of 4+": long_runs / max(1, starts),
        "above the melody": above / max(1, with_melody),
        "crossings": crossed / pairs if pairs else float("nan"),
        "bass leaps over an octave": bass_leaps / max(1, bass_moves),
        "inner leaps over a sixth": inner_leaps / max(1, inner_moves),
        "upper spacing over an octave": wide / max(1, four),
    }


def parts_lines(pieces: list, bars: int, melody_tracks: int = 1) -> dict[str, float]:
    """The bass's register and the parts at the melody's phrase ends, over ``pieces`` (the melody's tracks
    first; ``bars`` bars each), on a sixteenth-note grid:

    - ``bass lowest`` and ``bass highest``: each piece's lowest and highest pitch of the notes that start
      lowest among the parts sounding (the bass, as ``parts_voicing`` ranks it), averaged over the pieces;
      ``bass range``: the semitones between them, averaged; ``bass mean``: the mean of those pitches a
      piece, averaged, and ``bass mean after its first``: the same without the piece's first bass note (Bach's
      bass under the 20 held-out sopranos opens at 53.5 and sits at 51.4 after);
    - ``alto mean`` and ``tenor mean``: the mean pitch of the highest and the second highest part track (by
      their mean pitch), averaged over the pieces with three parts or more (whether the whole texture sits
      low, or the bass alone);
    - ``silent under phrase ends``: of the sixteenths under the melody's phrase ends (a note of two beats or
      more and twice the melody's median, and its last note:
      :func:`partita.analysis.chorale_harmony.phrase_ends`) times the parts' tracks, the share where the track
      sounds nothing (Bach's voices hold the fermata's chord; a part that ends on an eighth and a rest does
      not);
    - ``phrase ends held``: the share of those phrase ends under which every part's track sounds throughout;
    - ``silent under the melody``: the same share as the first under all the melody's notes.
    """

    lows, highs, spans, centres, after, upper = [], [], [], [], [], []
    quiet = under = held = ends = quiet_all = under_all = 0
    for piece in pieces:
        q = int(piece.ticks_per_quarter) or 480
        step, end, tracks, sound = _sixteenths(piece, bars, melody_tracks)
        cells = len(sound)
        grid = np.zeros((len(tracks), cells), dtype=bool)
        for k, t in enumerate(tracks):
            for n in t.notes:
                if n.time < end:
                    grid[
                        k, int(n.time) // step : min(cells, (int(n.time + n.duration) + step - 1) // step)
                    ] = True
        bass = [
            p
            for _, p in sorted(
                (int(n.time), int(n.pitch))
                for t in tracks
                for n in t.notes
                if n.time < end
                and sound[int(n.time) // step]
                and int(n.pitch) == min(sound[int(n.time) // step])
            )
        ]
        if bass:
            lows.append(min(bass))
            highs.append(max(bass))
            spans.append(max(bass) - min(bass))
            centres.append(float(np.mean(bass)))
            if len(bass) > 1:
                after.append(float(np.mean(bass[1:])))
        ranked = sorted(
            (float(np.mean([int(n.pitch) for n in t.notes])) for t in tracks if len(t.notes)), reverse=True
        )
        if len(ranked) >= 3:
            upper.append(ranked[:2])
        melody = sorted(
            (int(n.time), int(n.time + n.duration)) for t in piece.tracks[:melody_tracks] for n in t.notes
        )
        melody = [(a, min(b, end)) for a, b in melody if a < end]
        if not melody or not tracks:
            continue
        lengths = np.array([(b - a) / q for a, b in melody])
        long = (lengths >= 2.0 - 1e-6) & (lengths >= 2.0 * float(np.median(lengths)) - 1e-6)
        long[-1] = True
        for (a, b), phrase_end in zip(melody, long, strict=True):
            span = grid[:, a // step : max(a // step + 1, b // step)]
            quiet_all += int((~span).sum())
            under_all += int(span.size)
            if phrase_end:
                quiet += int((~span).sum())
                under += int(span.size)
                ends += 1
                held += int(span.all())
    return {
        "bass lowest": float(np.mean(lows)) if lows else float("nan"),
        "bass highest": float(np.mean(highs)) if highs else float("nan"),
        "bass range": float(np.mean(spans)) if spans else float("nan"),
        "bass mean": float(np.mean(centres)) if centres else float("nan"),
        "bass mean after its first": float(np.mean(after)) if after else float("nan"),
        "alto mean": float(np.mean([u[0] for u in upper])) if upper else float("nan"),
        "tenor mean": float(np.mean([u[1] for u in upper])) if upper else float("nan"),
        "silent under phrase ends": quiet / max(1, under),
        "phrase ends held": held / max(1, ends),
        "silent under the melody": quiet_all / max(1, under_all),
    }


def parts_harmony(pieces: list, bars: int, melody_tracks: int = 1) -> dict[str, float]:
    """The harmony the whole texture (melody and parts) sounds over ``pieces`` (``bars`` bars each, beats of a
    quarter):

    - ``pitch-class entropy``: of the parts' notes (bits,
      :func:`partita.evaluation.metrics.pitch_class_entropy`), each piece's, averaged;
      ``pitch-class entropy, whole``: the same of melody and parts;
    - ``chord changes a bar``: each beat labelled with the chord the texture sounds there
      (:func:`partita.analysis.chorale_harmony.label_beat`, as the harmoniser's training chorales were), the
      changes from one beat to the next over the bars;
    - ``parallel fifths and octaves``: of the moves from one beat to the next where two voices (the tracks,
      each's top note sounding) both move, the share that keep a perfect fifth or an octave (or unison) in
      the same direction.
    """
    from partita.analysis.chorale_harmony import beat_weights, label_beat
    from partita.analysis.timeline import note_arrays
    from partita.evaluation.metrics import pitch_class_entropy
    from partita.score.bars import bar_lines

    parts_h, whole_h, changes, counted, parallel, moves = [], [], 0, 0, 0, 0
    for piece in pieces:
        q = int(piece.ticks_per_quarter) or 480
        lines = bar_lines(piece, bars)
        end = int(lines[-1])
        parts = piece.copy()
        parts.tracks = [t for t in piece.tracks[melody_tracks:] if not t.is_drum]
        for target, out in ((parts, parts_h), (piece, whole_h)):
            notes = note_arrays(target)
            value = pitch_class_entropy(notes.select(notes.start < end))
            if value == value:
                out.append(value)
        tracks = [t for t in piece.tracks if not t.is_drum and len(t.notes)]
        every = [(int(n.time), int(n.time + n.duration), int(n.pitch)) for t in tracks for n in t.notes]
        arr = np.array(every, dtype=float).reshape(-1, 3)
        beats = [t for a, b in zip(lines[:-1], lines[1:], strict=True) for t in range(int(a), int(b), q)]
        prev = None
        for t in beats:
            w, bass = beat_weights(arr[:, 0], arr[:, 1], arr[:, 2].astype(np.int64), t, t + q)
            chord = label_beat(w, bass)
            if chord is not None and prev is not None:
                changes += int(chord != prev)
            prev = chord if chord is not None else prev
        counted += bars
        tops = []
        for tr in tracks:
            row = []
            for t in beats:
                here = [int(n.pitch) for n in tr.notes if n.time <= t < n.time + n.duration]
                row.append(max(here) if here else -1)
            tops.append(row)
        for i in range(len(tops)):
            for j in range(i + 1, len(tops)):
                for k in range(len(beats) - 1):
                    a0, a1, b0, b1 = tops[i][k], tops[i][k + 1], tops[j][k], tops[j][k + 1]
                    if min(a0, a1, b0, b1) < 0 or a0 == a1 or b0 == b1:
                        continue
                    moves += 1
                    same = (a1 - a0) * (b1 - b0) > 0
                    perfect = (a0 - b0) % 12 in (0, 7) and (a0 - b0) % 12 == (a1 - b1) % 12
                    parallel += int(same and perfect)
    return {
        "pitch-class entropy": float(np.mean(parts_h)) if parts_h else float("nan"),
        "pitch-class entropy, whole": float(np.mean(whole_h)) if whole_h else float("nan"),
        "chord changes a bar": changes / max(1, counted),
        "parallel fifths and octaves": parallel / max(1, moves),
    }
