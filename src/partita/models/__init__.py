"""The music language model: :class:`MusicLM` (relative / absolute / rotary positions), its config and
folders."""

from partita.models.music_lm import KVCache, MusicLM, MusicLMConfig, rel_shift
from partita.models.pretrained import (
    available_models,
    debug_config,
    debug_model,
    load_pretrained,
    save_pretrained,
)

__all__ = [
    "KVCache",
    "MusicLM",
    "MusicLMConfig",
    "available_models",
    "debug_config",
    "debug_model",
    "load_pretrained",
    "rel_shift",
    "save_pretrained",
]
