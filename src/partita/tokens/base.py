"""The tokenizer protocol: what training and generation may ask of a tokenizer, and nothing private.

Two families implement it: :class:`~partita.tokens.MiditokTokenizer` (miditok's REMI+, TSD or CPWord, with
partita's condition prefix and BPE) and :class:`~partita.tokens.jsb.JSBTokenizer` (the 16th-note grid of Music
Transformer's JSB chorales). A tokenizer that constrained decoding can steer also implements
:class:`SteerableTokenizer`: it says what each id stands for in base tokens (``Bar_None``, ``Pitch_60``, ...),
which is all the rules of :mod:`partita.generation.rules` read.

Adding a tokenizer is a new file whose class has these members; ``isinstance(tok, Tokenizer)`` checks it.
"""

from __future__ import annotations

import os
from typing import Protocol, runtime_checkable

from partita.score import Score


@runtime_checkable
class Tokenizer(Protocol):
    """Scores to ids and back, with the special ids a language model needs."""

    @property
    def vocab_size(self) -> int: ...

    @property
    def bos_id(self) -> int: ...

    @property
    def eos_id(self) -> int: ...

    @property
    def pad_id(self) -> int: ...

    def encode_music(self, score: Score) -> list: ...

    def decode(self, ids: list) -> Score: ...

    def save_pretrained(self, directory: str | os.PathLike): ...


@runtime_checkable
class SteerableTokenizer(Tokenizer, Protocol):
    """A single-stream tokenizer with a condition prefix whose ids constrained decoding can read."""

    @property
    def kind(self) -> str:
        """The token grammar (``"remi"``, ``"tsd"``, ...): the rules that read base tokens know one
        grammar."""
        ...

    @property
    def cond_end_id(self) -> int: ...

    @property
    def bar_ids(self) -> set[int]: ...

    @property
    def positions_per_beat(self) -> int: ...

    @property
    def time_signatures(self) -> list[str]:
        """The meters the vocabulary can write (``"4/4"``, ``"6/8"``, ...)."""
        ...

    def condition_ids(self, conditions) -> list[int]: ...

    @property
    def condition_id_set(self) -> set[int]:
        """The ids of all condition tokens (``CondEnd`` included)."""
        ...

    def condition_token_id(self, token: str) -> int | None:
        """The id of a condition token (``"CondProgram_40"``), or None when the vocabulary has no such
        token."""
        ...

    def base_tokens(self, token_id: int) -> list[str]:
        """The base tokens an id stands for (a BPE id: all it merges); ``[]`` for special and condition ids
        and for an id that decodes to nothing known."""
        ...
