"""Audio in: audio files read within bounds, transcribed into a Score, a hummed melody cleaned into a theme.

partita is symbolic-first; this layer is how sound comes in (FluidSynth, in :mod:`partita.render`, is how it
goes out). It sits beside score I/O and imports only it: key snapping of a hummed theme, which needs the key
analysis, lives in :mod:`partita.generation.hummed`. See docs/AUDIO.md.
"""

from partita.audio.files import (
    AUDIO_SUFFIXES,
    DEFAULT_AUDIO_LIMITS,
    MODEL_SAMPLE_RATE,
    AudioClip,
    AudioLimits,
    audio_array,
    looks_like_audio,
    read_audio,
    sniff_audio,
)
from partita.audio.melody import (
    HummedMelody,
    MelodyConfig,
    clean_melody,
    clean_notes,
    estimate_tatum,
    melody_from_notes,
    quantise_melody,
    read_hummed_melody,
)
from partita.audio.music import is_audio_file, read_music
from partita.audio.transcription import (
    NoteEvent,
    Transcription,
    TranscriptionConfig,
    estimate_beats,
    model_path,
    notes_to_score,
    transcribe,
    transcribe_audio,
)

__all__ = [
    "AUDIO_SUFFIXES",
    "DEFAULT_AUDIO_LIMITS",
    "MODEL_SAMPLE_RATE",
    "AudioClip",
    "AudioLimits",
    "HummedMelody",
    "MelodyConfig",
    "NoteEvent",
    "Transcription",
    "TranscriptionConfig",
    "audio_array",
    "clean_melody",
    "clean_notes",
    "estimate_beats",
    "estimate_tatum",
    "is_audio_file",
    "looks_like_audio",
    "melody_from_notes",
    "model_path",
    "notes_to_score",
    "quantise_melody",
    "read_audio",
    "read_hummed_melody",
    "read_music",
    "sniff_audio",
    "transcribe",
    "transcribe_audio",
]
