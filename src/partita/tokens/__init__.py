"""Tokens: scores to token sequences (miditok REMI+/TSD/CPWord with BPE) and the condition prefix."""

from partita.tokens.base import SteerableTokenizer, Tokenizer
from partita.tokens.conditions import (
    COND_END,
    Conditions,
    condition_tokens,
    condition_vocabulary,
    parse_condition_tokens,
)
from partita.tokens.jsb import JSBTokenizer
from partita.tokens.tokenizer import (
    KINDS,
    MiditokTokenizer,
    TokenizerConfig,
    distinct_programs,
    separate_programs,
    voice_programs,
)

__all__ = [
    "COND_END",
    "KINDS",
    "JSBTokenizer",
    "Conditions",
    "MiditokTokenizer",
    "SteerableTokenizer",
    "Tokenizer",
    "TokenizerConfig",
    "condition_tokens",
    "condition_vocabulary",
    "parse_condition_tokens",
    "separate_programs",
    "distinct_programs",
    "voice_programs",
]
