"""Rendering: WAV through FluidSynth, a piano roll through matplotlib, an engraved score through verovio."""

from partita.render.audio import AudioUnavailable, audio_available, find_soundfont, write_wav
from partita.render.engrave import (
    ensure_music_fonts,
    to_svg_pages,
    write_png_pages,
    write_score_png,
    write_score_svg,
    write_svg_pages,
)
from partita.render.outputs import render, title_of
from partita.render.pianoroll import bar_lines, gm_instrument_name, pitch_name, write_pianoroll

__all__ = [
    "AudioUnavailable",
    "audio_available",
    "bar_lines",
    "ensure_music_fonts",
    "find_soundfont",
    "gm_instrument_name",
    "pitch_name",
    "render",
    "title_of",
    "to_svg_pages",
    "write_pianoroll",
    "write_png_pages",
    "write_score_png",
    "write_score_svg",
    "write_svg_pages",
    "write_wav",
]
