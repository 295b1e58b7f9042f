"""Chinese in ``bench_song_real.py`` (issue 25): partita's Chinese songs (syllables on strong beats by tone)
and the Essen Chinese folk songs of music21's corpus (notes only: they carry no text)."""

from __future__ import annotations

from pathlib import Path

from song_measures import _share
from song_setting import _strong

ZH_LYRICS = Path(__file__).resolve().parent / "prompts" / "zh_lyrics.txt"


def chinese_settings(light: bool = True, full: bool = True) -> dict[str, float]:
    """partita's Chinese songs (the Tang lines and the held-out sandhi lines): full-tone and light syllables
    on strong beats (each line's last syllable, its cadence note, left out), lines whose first syllable is on
    a strong beat, syllables on notes shorter than a beat, and all note onsets on strong beats."""
    from bench_song_tones import SANDHI_LINES
    from partita.generation.song import SLOT, is_strong, sing
    from partita.lyrics import read_lyrics
    from partita.lyrics.mandarin import LIGHT

    texts = [ZH_LYRICS.read_text(encoding="utf-8"), "\n".join(line for line, _ in SANDHI_LINES)]
    full_hits, first, notes, light_hits, short = [], [], [], [], []
    for text in texts:
        song = sing(read_lyrics(text), light=light, full=full)
        by_line: dict = {}
        for n in song.notes:
            notes.append(is_strong(n.onset, song.meter))
            if n.syllable is not None:
                by_line.setdefault((n.section, n.line), []).append(n)
        for ns in by_line.values():
            first.append(is_strong(ns[0].onset, song.meter))
            for n in ns[:-1]:
                (light_hits if n.syllable.tone == LIGHT else full_hits).append(is_strong(n.onset, song.meter))
                short.append(n.duration < 2 * SLOT)
    return {
        "full_strong": _share(full_hits),
        "n_full": len(full_hits),
        "light_strong": _share(light_hits),
        "n_light": len(light_hits),
        "line_first_strong": _share(first),
        "lines": len(first),
        "shorter_than_a_beat": _share(short),
        "notes_strong": _share(notes),
    }


def han_folk(limit: int) -> dict[str, float]:
    """Note onsets on strong beats, and notes shorter than a beat, in the first ``limit`` Essen Chinese folk
    songs (no text: notes only)."""
    from music21 import corpus

    hits, short, songs = [], [], 0
    for name in ("essenFolksong/han1", "essenFolksong/han2"):
        for score in corpus.parse(name).scores:
            if songs >= limit:
                break
            try:
                notes = [x for x in score.recurse().notes if not (x.tie and x.tie.type != "start")]
                if not notes:
                    continue
                hits += [_strong(x) for x in notes]
                beat = notes[0].getContextByClass("TimeSignature").beatDuration.quarterLength
                short += [float(x.quarterLength) < float(beat) for x in notes]
                songs += 1
            except Exception:  # noqa: BLE001 - a song music21 cannot place in its bars is skipped
                continue
    return {
        "songs": songs,
        "notes": len(hits),
        "notes_strong": _share(hits),
        "shorter_than_a_beat": _share(short),
    }
