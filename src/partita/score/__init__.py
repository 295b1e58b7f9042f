"""Score I/O: one score type with MIDI semantics, read from and written to the formats of the field."""

from partita.score.checks import ScoreLimits, check_limits, check_score
from partita.score.errors import ScoreError
from partita.score.formats import (
    DEFAULT_TPQ,
    FORMATS,
    MAX_FILE_BYTES,
    Score,
    from_midi_bytes,
    iter_abc_tunes,
    read_abc,
    read_humdrum,
    read_midi,
    read_musicxml,
    read_score,
    sniff_format,
    stat_score_file,
    to_midi_bytes,
    unzip_musicxml,
    write_midi,
    write_score,
)
from partita.score.music21_bridge import from_music21

__all__ = [
    "DEFAULT_TPQ",
    "FORMATS",
    "MAX_FILE_BYTES",
    "Score",
    "ScoreError",
    "ScoreLimits",
    "check_limits",
    "check_score",
    "from_midi_bytes",
    "from_music21",
    "iter_abc_tunes",
    "read_abc",
    "read_humdrum",
    "read_midi",
    "read_musicxml",
    "read_score",
    "sniff_format",
    "stat_score_file",
    "to_midi_bytes",
    "unzip_musicxml",
    "write_midi",
    "write_score",
]
