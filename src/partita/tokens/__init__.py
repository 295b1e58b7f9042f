"""Tokens: scores to token sequences (miditok REMI+/TSD/CPWord with BPE) and the condition prefix."""

from partita.tokens.conditions import (
    COND_END,
    Conditions,
    condition_tokens,
    condition_vocabulary,
    parse_condition_tokens,
)
from partita.tokens.tokenizer import (
    KINDS,
    MusicTokenizer,
    TokenizerConfig,
    distinct_programs,
    separate_programs,
    voice_programs,
)

__all__ = [
    "COND_END",
    "KINDS",
    "Conditions",
    "MusicTokenizer",
    "TokenizerConfig",
    "condition_tokens",
    "condition_vocabulary",
    "parse_condition_tokens",
    "separate_programs",
    "distinct_programs",
    "voice_programs",
]
