"""What each vocabulary id does in REMI+, read once from its base tokens: the tables the rules share.

Works with BPE: every id is expanded once into its base tokens (:meth:`SteerableTokenizer.base_tokens`), and
the expansion is summarised as arrays (bars it opens, notes and onsets it adds, positions it moves to, the
type of its first and last token), so that each sampling step is a few vectorised mask operations rather than
a walk over the vocabulary. Tables a single rule needs (pitches outside a key, programs not asked for) are the
rule's.
"""

from __future__ import annotations

import weakref

import numpy as np
import torch

from partita.tokens.base import SteerableTokenizer

_NOTE_OPENERS = frozenset({"Position", "Program", "Pitch", "PitchDrum"})


class IdTables:
    """Per-id summaries of a REMI+ vocabulary of ``vocab_size`` ids (the model's, which may exceed the
    tokenizer's: the ids past it, a fill-in-the-middle model's markers, expand to nothing and are special,
    never drawn as music)."""

    def __init__(self, tokenizer: SteerableTokenizer, vocab_size: int | None = None) -> None:
        if tokenizer.kind != "remi":
            raise ValueError("constrained decoding is implemented for REMI+ tokenizers")
        v = int(vocab_size or tokenizer.vocab_size)
        self.vocab, self.eos = v, tokenizer.eos_id
        self.resolution = tokenizer.positions_per_beat  # positions per beat
        self.cond_end_id = tokenizer.cond_end_id
        # special and condition ids, and ids that decode to nothing known
        self.special = np.zeros(v, dtype=bool)
        self.expansions: list[list[str]] = [[] for _ in range(v)]  # each id's base tokens (none when special)
        for i in range(min(v, tokenizer.vocab_size)):
            self.expansions[i] = list(tokenizer.base_tokens(i))
            # an id that decodes to no known token (partita-small's BPE has one, decoding to ""): the grammar
            # cannot place it, and left allowed it kept every soft bound from yielding
            self.special[i] = not self.expansions[i]
        # a FIM model's hole and fill markers: drawn in music they derailed it (no notes to the budget)
        self.special[min(v, tokenizer.vocab_size) :] = True
        self._kinds()
        self._bars_and_notes()
        self._positions()
        self._openers()

    def _kinds(self) -> None:
        """The type of each id's first and last base token ("" for none; the EOS id's first is "EOS")."""
        v = self.vocab
        self.first_kind: list[str] = [""] * v
        self.last_kind: list[str] = [""] * v
        self.meter_of: list[str | None] = [None] * v  # the time signature an id sets (its last), if any
        for i, toks in enumerate(self.expansions):
            if toks:
                self.first_kind[i], self.last_kind[i] = toks[0].split("_")[0], toks[-1].split("_")[0]
            for t in toks:
                if t.startswith("TimeSig_"):
                    self.meter_of[i] = t.split("_", 1)[1]
        if 0 <= self.eos < v:
            self.first_kind[self.eos] = "EOS"
        first = np.array(self.first_kind)
        self.starts_with_bar = torch.tensor([bool(t) and t[0] == "Bar_None" for t in self.expansions])
        self.starts_with_pitch = torch.tensor(
            [bool(t) and t[0].startswith(("Pitch_", "PitchDrum_")) for t in self.expansions]
        )
        self.ends_with_program = [bool(t) and t[-1].startswith("Program_") for t in self.expansions]
        self.sets_meter = [m is not None for m in self.meter_of]
        self.adds_to_onset = torch.from_numpy(np.isin(first, ["Program", "Pitch", "PitchDrum"]))
        self.ends_onset = torch.from_numpy(np.isin(first, ["Position", "Bar", "EOS"]))

    def _bars_and_notes(self) -> None:
        """Bars each id opens; the notes and onsets it adds before its first bar line and after its last one;
        the notes after its last onset (a position or a bar line)."""
        v = self.vocab
        n_bars = np.zeros(v, dtype=np.int32)
        notes_before_bar = np.zeros(v, dtype=np.int32)
        onsets_before_bar = np.zeros(v, dtype=np.int32)
        self.notes_after_bar = [0] * v
        self.onsets_after_bar = [0] * v
        # the notes after the id's last position or bar line (-1: it has none), whether that was a bar line,
        # and
        # the notes of an id without either; its last position after its last bar line (-2: it ends in a new
        # bar
        # with no position yet; -1: no position at all)
        self.notes_after_onset = [-1] * v
        self.onset_is_bar = [False] * v
        self.onset_extra = [0] * v
        self.last_position = [-1] * v
        for i, toks in enumerate(self.expansions):
            run, bars_seen, onsets = 0, 0, 0
            for t in toks:
                if t.startswith("Position_"):
                    onsets += 1
                if t.startswith(("Pitch_", "PitchDrum_")):
                    run += 1
                    if self.notes_after_onset[i] >= 0:
                        self.notes_after_onset[i] += 1
                    else:
                        self.onset_extra[i] += 1
                elif t == "Bar_None" or t.startswith("Position_"):
                    self.notes_after_onset[i], self.onset_is_bar[i] = 0, t == "Bar_None"
                    self.last_position[i] = -2 if t == "Bar_None" else int(t.split("_")[1])
                if t == "Bar_None":
                    if bars_seen == 0:
                        notes_before_bar[i], onsets_before_bar[i] = run, onsets
                    bars_seen, run, onsets = bars_seen + 1, 0, 0
                    n_bars[i] += 1
            self.notes_after_bar[i], self.onsets_after_bar[i] = run, onsets
            if not n_bars[i]:
                onsets_before_bar[i] = onsets
        self.n_bars = torch.from_numpy(n_bars)
        self.opened = n_bars.tolist()
        self.bar_ids = self.n_bars > 0
        self.notes_before_bar = torch.from_numpy(notes_before_bar)
        self.onsets_before_bar = torch.from_numpy(onsets_before_bar)

    def _positions(self) -> None:
        """Positions inside each id: its first token's, the first before any bar line, its highest, and
        whether they run backwards (BPE merges such as "Duration Position_8 ... Position_16" carry positions
        past their start)."""
        v = self.vocab
        first_position = np.full(v, -1, dtype=np.int64)
        inner_position = np.full(v, -1, dtype=np.int64)
        backwards = np.zeros(v, dtype=bool)
        top_position = np.full(v, -1, dtype=np.int64)  # the id's highest position (-1: none)
        for i, toks in enumerate(self.expansions):
            if toks and toks[0].startswith("Position_"):
                first_position[i] = int(toks[0].split("_")[1])
            seg: list[int] = []
            for t in toks:
                if t == "Bar_None":
                    seg = [-1]
                elif t.startswith("Position_"):
                    at = int(t.split("_")[1])
                    if not seg and inner_position[i] < 0:
                        inner_position[i] = at
                    backwards[i] |= bool(seg) and at <= seg[-1]
                    top_position[i] = max(top_position[i], at)
                    seg.append(at)
        self.first_position = torch.from_numpy(first_position)
        self.inner_position = torch.from_numpy(inner_position)
        self.backwards = torch.from_numpy(backwards)
        self.top_position = top_position

    def _openers(self) -> None:
        """Ids that start a new note (or a new onset) inside the open bar: no bar line before their first
        note, or a note opener anywhere before their first bar line (a BPE id "Velocity Duration Position
        Program" ends where a pitch must follow: allowed into a full bar, it left no token to sample)."""
        first = np.array(self.first_kind)
        opens_in_bar = np.isin(first, ["Position", "Program", "Pitch", "PitchDrum", "Tempo"])
        in_bar_note = np.array(
            [any(t.split("_")[0] in _NOTE_OPENERS for t in before_bar(toks)) for toks in self.expansions]
        )
        self.starts_note = torch.from_numpy((opens_in_bar & ~self.starts_with_bar.numpy()) | in_bar_note)

    def pitch_classes(self) -> torch.Tensor:
        """(vocab, 12): the pitch classes each id plays (drums excluded)."""
        pcs = np.zeros((self.vocab, 12), dtype=bool)
        for i, toks in enumerate(self.expansions):
            for t in toks:
                if t.startswith("Pitch_"):
                    pcs[i, int(t.split("_")[1]) % 12] = True
        return torch.from_numpy(pcs)


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def id_tables(tokenizer: SteerableTokenizer, vocab_size: int | None = None) -> IdTables:
    """The tables of ``tokenizer`` (made once per tokenizer and vocabulary size: reading every id's base
    tokens takes a while)."""
    if tokenizer.kind != "remi":
        raise ValueError("constrained decoding is implemented for REMI+ tokenizers")
    key = (int(vocab_size or tokenizer.vocab_size), tokenizer.vocab_size)
    try:
        per_tokenizer = _CACHE.setdefault(tokenizer, {})
    except TypeError:  # a tokenizer that cannot be weakly referenced is read every time
        return IdTables(tokenizer, vocab_size)
    if key not in per_tokenizer:
        per_tokenizer[key] = IdTables(tokenizer, vocab_size)
    return per_tokenizer[key]


def before_bar(tokens: list[str]) -> list[str]:
    """The base tokens of an id before its first bar line."""
    return tokens[: tokens.index("Bar_None")] if "Bar_None" in tokens else tokens
