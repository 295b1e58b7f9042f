"""Music tokenizers: miditok's REMI+ (default), TSD and CPWord, with partita's condition prefix and BPE.

:class:`MiditokTokenizer` wraps one miditok tokenizer and adds what partita's models need:

- a condition prefix (:mod:`partita.tokens.conditions`): ``BOS, Cond..., CondEnd, music..., EOS``;
- voices kept apart: miditok's single-stream REMI+ merges tracks that share a program (and music21 gives all
  four voices of a chorale the same one; POP909's three tracks are all piano), so before encoding, tracks that
  share a program are moved to distinct programs of the same General MIDI family (:func:`separate_programs`);
- BPE trained on a corpus (miditok's, on the Hugging Face tokenizers backend), condition tokens outside it;
- ``save_pretrained`` / ``from_pretrained`` so that the tokenizer travels with the model.
"""

from __future__ import annotations

import json
import logging
import os
import random
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import symusic

from partita.atomic import atomic_write_text
from partita.progress import ProgressCallback, report
from partita.score import DEFAULT_TPQ, Score
from partita.tokens.conditions import COND_END, Conditions, condition_tokens, condition_vocabulary

log = logging.getLogger(__name__)

KINDS = ("remi", "tsd", "cpword")
CONFIG_FILE = "partita_tokenizer.json"
MIDITOK_FILE = "tokenizer.json"
_AVOID_PROGRAMS = {55} | set(range(119, 128))  # orchestra hit and sound effects: never a stand-in for a voice


@dataclass
class TokenizerConfig:
    """How scores become tokens. Saved as ``partita_tokenizer.json`` beside miditok's ``tokenizer.json``."""

    kind: str = "remi"
    beat_resolution: list[list[int]] = field(default_factory=lambda: [[0, 4, 8], [4, 12, 4]])
    """``[first beat, last beat, positions per beat]`` ranges of note durations (miditok's ``beat_res``)."""
    pitch_range: tuple[int, int] = (21, 109)
    num_velocities: int = 8
    use_tempos: bool = True
    num_tempos: int = 32
    tempo_range: tuple[int, int] = (30, 250)
    log_tempos: bool = True
    use_time_signatures: bool = True
    use_programs: bool = True
    separate_programs: bool = True
    bpe_vocab_size: int = 0
    """0: no BPE; otherwise the vocabulary size that :meth:`MiditokTokenizer.train_bpe` aims for."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown tokenizer kind {self.kind!r}; choose one of {', '.join(KINDS)}")
        self.pitch_range = tuple(self.pitch_range)
        self.tempo_range = tuple(self.tempo_range)


def distinct_programs(programs: list[int]) -> list[int]:
    """The programs of pitched tracks made distinct, in order: a program already taken moves to the next
    free program of its General MIDI family (the eight programs that share ``program // 8``: pianos,
    strings, ensemble voices, ...), so the track keeps its sound family; when the family is full it keeps
    its program."""
    used: set[int] = set()
    out = []
    for p in (int(q) for q in programs):
        if p in used:
            family = range(p // 8 * 8, p // 8 * 8 + 8)
            free = [q for q in family if q not in used and q not in _AVOID_PROGRAMS]
            if free:
                after = [q for q in free if q > p]
                p = (after or free)[0]
        used.add(p)
        out.append(p)
    return out


def separate_programs(score: Score) -> Score:
    """A copy of ``score`` in which no two pitched tracks share a program (see :func:`distinct_programs`), so
    that every track stays its own through a single-stream tokenizer."""
    out = score.copy()
    pitched = [t for t in out.tracks if not t.is_drum]
    for track, program in zip(pitched, distinct_programs([int(t.program) for t in pitched]), strict=True):
        track.program = program
    return out


def voice_programs(programs: list[int], voices: int) -> dict[int, int]:
    """The programs ``voices`` tracks of ``programs`` are written with, each mapped to the program it
    stands for.

    Four voices of a choir (52) are tokenized as programs 52, 53, 54 and 48 (:func:`separate_programs`); to
    ask a model for four choir voices is to allow those programs, and to read each back as 52. The
    requested programs are shared out in turn over the voices; with fewer voices than programs each program
    is one voice.
    """
    programs = [int(p) for p in programs]
    if not programs:
        return {}
    wanted = programs + [programs[i % len(programs)] for i in range(max(0, int(voices) - len(programs)))]
    return dict(zip(distinct_programs(wanted), wanted, strict=True))


class MiditokTokenizer:
    """A miditok tokenizer with partita's condition prefix, voice separation and save/load."""

    def __init__(self, config: TokenizerConfig | None = None, _inner=None) -> None:
        self.config = config or TokenizerConfig()
        self.miditok = _inner if _inner is not None else self._build_inner()
        self._cond_ids: dict[str, int] = {}
        if not self.is_multi_vocab:
            missing = [t for t in condition_vocabulary() if t not in self.miditok.vocab]
            for t in missing:
                self.miditok.add_to_vocab(t)
            self._cond_ids = {t: self.miditok.vocab[t] for t in condition_vocabulary()}
        self._bar_ids: set[int] | None = None
        self._base: tuple[set[int], int] | None = None

    def _build_inner(self):
        # miditok takes ~1.2 s to import (it loads torch): only when a miditok tokenizer is used
        import miditok

        c = self.config
        cfg = miditok.TokenizerConfig(
            pitch_range=tuple(c.pitch_range),
            beat_res={(a, b): r for a, b, r in c.beat_resolution},
            num_velocities=c.num_velocities,
            special_tokens=["PAD", "BOS", "EOS"],
            use_tempos=c.use_tempos,
            num_tempos=c.num_tempos,
            tempo_range=tuple(c.tempo_range),
            log_tempos=c.log_tempos,
            use_time_signatures=c.use_time_signatures,
            use_programs=c.use_programs,
            one_token_stream_for_programs=c.use_programs,
        )
        cls = {"remi": miditok.REMI, "tsd": miditok.TSD, "cpword": miditok.CPWord}[c.kind]
        return cls(cfg)

    # --- vocabulary -----------------------------------------------------------------------------------------
    @property
    def is_multi_vocab(self) -> bool:
        """True for compound-token tokenizers (CPWord): each step is a tuple of ids, one per
        sub-vocabulary."""
        return bool(self.miditok.is_multi_voc)

    @property
    def vocab_size(self) -> int:
        if self.is_multi_vocab:
            raise ValueError("a compound (CPWord) tokenizer has one vocabulary per field: see .miditok.vocab")
        return len(self.miditok)

    def _special(self, name: str) -> int:
        vocab = self.miditok.vocab[0] if self.is_multi_vocab else self.miditok.vocab
        return vocab[f"{name}_None"]

    @property
    def pad_id(self) -> int:
        return self._special("PAD")

    @property
    def bos_id(self) -> int:
        return self._special("BOS")

    @property
    def eos_id(self) -> int:
        return self._special("EOS")

    @property
    def cond_end_id(self) -> int:
        return self._cond_ids[COND_END]

    def condition_ids(
        self, conditions: Conditions, drop: float = 0.0, rng: random.Random | None = None
    ) -> list[int]:
        """``BOS, Cond..., CondEnd`` as ids."""
        self._require_single_stream("condition prefixes")
        toks = condition_tokens(conditions, drop=drop, rng=rng)
        return [self.bos_id, *(self._cond_ids[t] for t in toks), self.cond_end_id]

    def id_to_token(self, i: int) -> str:
        """The (base) token string of an id; a BPE id shows its merged tokens joined by ``+``."""
        if self.miditok.is_trained and i >= len(self.miditok.vocab):
            return "+".join(self._bpe_tokens(i))
        return self.miditok[i]

    # --- what constrained decoding reads (partita.tokens.base.SteerableTokenizer) ---------------------------
    @property
    def kind(self) -> str:
        return self.config.kind

    @property
    def positions_per_beat(self) -> int:
        """The finest grid of positions in a beat (the largest resolution of ``beat_resolution``)."""
        return max(r for _, _, r in self.config.beat_resolution)

    @property
    def time_signatures(self) -> list[str]:
        """The meters the vocabulary can write, sorted (empty for a compound tokenizer)."""
        if self.is_multi_vocab:
            return []
        return sorted(t.split("_", 1)[1] for t in self.miditok.vocab if t.startswith("TimeSig_"))

    def condition_token_id(self, token: str) -> int | None:
        """The id of a condition token (``"CondProgram_40"``), or None when the vocabulary has none."""
        return self._cond_ids.get(token)

    @property
    def condition_id_set(self) -> set[int]:
        """The ids of all condition tokens (``CondEnd`` included)."""
        return set(self._cond_ids.values())

    def base_tokens(self, token_id: int) -> list[str]:
        """The base tokens an id stands for (a BPE id: all it merges); ``[]`` for the special and condition
        ids and for an id that decodes to no known base token (partita-small's BPE has one, decoding to
        "")."""
        i = int(token_id)
        if self._base is None:  # miditok rebuilds its vocabulary on len(): the specials and size, once
            self._base = (set(self._cond_ids.values()) | {self.bos_id, self.pad_id}, len(self.miditok))
        special, size = self._base
        if i in special or not 0 <= i < size:
            return []
        toks = self._bpe_tokens(i) if self.miditok.is_trained else [self.miditok[i]]
        base = self.miditok.vocab
        return toks if toks and all(t in base for t in toks) else []

    def _bpe_tokens(self, i: int) -> list[str]:
        # miditok takes ~1.2 s to import (it loads torch): only when a miditok tokenizer is used
        from miditok import TokSequence

        seq = TokSequence(ids=[i], are_ids_encoded=True)
        self.miditok.decode_token_ids(seq)
        self.miditok.complete_sequence(seq)
        return list(seq.tokens)

    @property
    def bar_ids(self) -> set[int]:
        """Ids whose tokens start a bar (REMI's ``Bar_None``, also inside BPE merges): the bar budget's
        counter."""
        if self._bar_ids is None:
            if self.is_multi_vocab or self.config.kind != "remi":
                self._bar_ids = set()
            else:
                ids = {self.miditok.vocab["Bar_None"]}
                if self.miditok.is_trained:
                    for i in range(len(self.miditok.vocab), len(self.miditok)):
                        if "Bar_None" in self._bpe_tokens(i):
                            ids.add(i)
                self._bar_ids = ids
        return self._bar_ids

    # --- encode / decode ------------------------------------------------------------------------------------
    def _require_single_stream(self, what: str) -> None:
        if self.is_multi_vocab:
            raise ValueError(f"{what} need a single-stream tokenizer (remi or tsd), not {self.config.kind}")

    def _prepare(self, score: Score) -> Score:
        out = separate_programs(score) if self.config.separate_programs else score.copy()
        # miditok 3 assumes each track's notes sorted by (time, pitch, duration), as symusic reads a file;
        # notes made in memory (a decoded piece, an edited one) may not be, and then its duration lookup fails
        for track in out.tracks:
            track.notes.sort()
        return out

    def encode_music(self, score: Score) -> list:
        """The music tokens of ``score`` as ids (BPE applied when trained); CPWord gives a list of id
        tuples."""
        seq = self.miditok.encode(self._prepare(score))
        if isinstance(seq, list):  # miditok returns one sequence per track when not single-stream
            seq = seq[0]
        return list(seq.ids)

    def encode(
        self,
        score: Score,
        conditions: Conditions | None = None,
        drop: float = 0.0,
        rng: random.Random | None = None,
    ) -> list[int]:
        """``BOS, Cond..., CondEnd, music..., EOS`` as ids (for single-stream tokenizers)."""
        self._require_single_stream("encode() with a condition prefix")
        prefix = self.condition_ids(conditions or Conditions(), drop=drop, rng=rng)
        return [*prefix, *self.encode_music(score), self.eos_id]

    def split(self, ids: list[int]) -> tuple[list[str], list[int]]:
        """Split a sequence into its condition tokens and its music ids (specials removed)."""
        ids = [int(i) for i in ids]
        conds: list[str] = []
        if self.cond_end_id in ids:
            end = ids.index(self.cond_end_id)
            reverse = {v: k for k, v in self._cond_ids.items()}
            conds = [reverse[i] for i in ids[:end] if i in reverse]
            ids = ids[end + 1 :]
        cond_set = set(self._cond_ids.values())
        specials = {self.pad_id, self.bos_id}
        size = self.vocab_size
        music: list[int] = []
        for i in ids:
            if i == self.eos_id:
                break
            if i in specials or i in cond_set or not 0 <= i < size:  # past it: a model's own markers
                continue
            music.append(i)
        return conds, music

    def decode(self, ids: list, ticks_per_quarter: int = DEFAULT_TPQ) -> Score:
        """The score of a token sequence (prefix and special tokens are skipped), at ``ticks_per_quarter``."""
        # miditok takes ~1.2 s to import (it loads torch): only when a miditok tokenizer is used
        from miditok import TokSequence

        if self.is_multi_vocab:
            music = [list(step) for step in ids]
        else:
            music = self.split(ids)[1]
        if not music:
            out = symusic.Score(ticks_per_quarter)
            return out
        try:
            seq = TokSequence(ids=music, are_ids_encoded=bool(self.miditok.is_trained))
            score = self.miditok.decode(seq if self.miditok.one_token_stream else [seq])
        except Exception as e:  # miditok raises assorted errors on ill-formed sequences
            raise ValueError(f"these tokens do not decode to a score ({type(e).__name__}: {e})") from None
        if score.ticks_per_quarter != ticks_per_quarter:
            score = score.resample(ticks_per_quarter)
        return score

    def tokens(self, ids: list[int]) -> list[str]:
        """Readable token strings of a sequence (BPE ids expanded)."""
        return [self.id_to_token(int(i)) for i in ids]

    # --- BPE ------------------------------------------------------------------------------------------------
    def train_bpe(
        self,
        files: Iterable[str | os.PathLike],
        vocab_size: int | None = None,
        progress: ProgressCallback | None = None,
    ) -> None:
        """Learn BPE merges from MIDI files (miditok's trainer; condition tokens are never merged)."""
        self._require_single_stream("BPE")
        size = int(vocab_size or self.config.bpe_vocab_size)
        if size <= len(self.miditok.vocab):
            raise ValueError(
                f"BPE vocabulary size {size} must exceed the base vocabulary ({len(self.miditok.vocab)})"
            )
        paths = [Path(f) for f in files]
        if not paths:
            raise ValueError("BPE training needs at least one MIDI file")
        report(progress, 0, 1, f"training BPE on {len(paths)} files")
        self.miditok.train(vocab_size=size, model="BPE", files_paths=paths)
        self.config.bpe_vocab_size = size
        self._bar_ids = None
        self._base = None
        report(progress, 1, 1, f"vocabulary {len(self.miditok)}")

    # --- save / load ----------------------------------------------------------------------------------------
    def save_pretrained(self, directory: str | os.PathLike) -> Path:
        """Write ``partita_tokenizer.json`` (our config) and miditok's ``tokenizer.json`` into
        ``directory``."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f".{MIDITOK_FILE}.tmp"
        self.miditok.save(tmp)
        os.replace(tmp, d / MIDITOK_FILE)
        atomic_write_text(d / CONFIG_FILE, json.dumps(asdict(self.config), indent=2) + "\n")
        return d

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike) -> MiditokTokenizer:
        """Load a tokenizer saved by :meth:`save_pretrained`."""
        # miditok takes ~1.2 s to import (it loads torch): only when a miditok tokenizer is used
        import miditok

        d = Path(directory)
        if not (d / CONFIG_FILE).exists() or not (d / MIDITOK_FILE).exists():
            raise FileNotFoundError(
                f"{d}: no partita tokenizer here (expected {CONFIG_FILE} and {MIDITOK_FILE})"
            )
        config = TokenizerConfig(**json.loads((d / CONFIG_FILE).read_text()))
        cls_ = {"remi": miditok.REMI, "tsd": miditok.TSD, "cpword": miditok.CPWord}[config.kind]
        return cls(config, _inner=cls_(params=d / MIDITOK_FILE))
