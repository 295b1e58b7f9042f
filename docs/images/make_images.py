"""Regenerate the README's example images (run from the repository root with the project's virtualenv).

.venv/bin/python docs/images/make_images.py
"""

from __future__ import annotations

from pathlib import Path

from music21 import corpus

from partita.paths import shared_data_dir
from partita.render import write_pianoroll, write_score_png
from partita.score import from_music21, read_abc, read_score

HERE = Path(__file__).resolve().parent


def main() -> None:
    chorale = from_music21(corpus.parse("bach/bwv66.6"))
    write_score_png(
        chorale, HERE / "chorale-bwv66.6-score.png", title="Chorale BWV 66.6 (from MIDI)", width=1200
    )
    write_pianoroll(chorale, HERE / "chorale-bwv66.6-pianoroll.png", title="Chorale BWV 66.6")

    reel_path = Path(corpus.getWork("ryansMammoth/AcaciaReel.abc"))
    reel = read_abc(reel_path, expand_repeats=False)
    write_score_png(
        reel, HERE / "reel-acacia-score.png", title="Acacia Reel (ABC, triplet pickup)", width=1200
    )

    song = read_score(shared_data_dir() / "pop909" / "001" / "001.mid")
    write_pianoroll(song, HERE / "pop909-001-pianoroll.png", title="POP909 song 001 (all 147 bars)")
    excerpt = song.clip(0, 26 * 2 * song.ticks_per_quarter, clip_end=True)
    write_pianoroll(
        excerpt, HERE / "pop909-001-bars9-24-pianoroll.png", title="POP909 song 001", start_bar=9, end_bar=24
    )
    write_score_png(
        excerpt, HERE / "pop909-001-score.png", title="POP909 song 001 (performance MIDI)", width=1200
    )


if __name__ == "__main__":
    main()
