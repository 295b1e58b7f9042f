"""Training data as token arrays: random windows for training, sliding windows for validation NLL.

A :class:`TokenData` holds the training stream (one flat array: a list of sequences is concatenated, a
``.npy`` file is memory-mapped), the validation / test sequences, and what the tokens mean (vocabulary size,
special ids, tokens per note). Batches are a pure function of ``(seed, step, micro-batch, rank)``, so the data
position of a resumed run is its step and nothing else needs to be stored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from partita.models.fim import FimIds, to_fim
from partita.progress import ProgressCallback, report
from partita.training.bundle import SOURCE_PREFIX, read_bundle

logger = logging.getLogger(__name__)


@dataclass
class TokenData:
    """Token arrays for one training run."""

    train: np.ndarray  # flat 1-D array of token ids (may be a memmap)
    valid: list[np.ndarray]
    test: list[np.ndarray] = field(default_factory=list)
    vocab_size: int | None = None
    bos_id: int | None = None
    eos_id: int | None = None
    pad_id: int | None = None
    tokens_per_note: float | None = None
    description: str = ""
    tokenizer: str | None = None  # the kind of tokenizer these tokens come from
    tokenizer_dir: str | None = None  # a saved tokenizer to ship with the model (a token folder's tokenizer/)
    valid_by_source: dict[str, np.ndarray] = field(default_factory=dict)
    cond_end_id: int | None = (
        None  # the id closing a condition prefix (BOS, Cond..., CondEnd): carried into windows
    )
    bar_ids: list[int] | None = None
    """The ids that open a bar (fill-in-the-middle training cuts gaps there); None: read from the tokenizer
    when needed (:meth:`bar_id_array`)."""
    _prefixes: PrefixIndex | None = field(default=None, init=False, repr=False)

    @property
    def prefixes(self) -> PrefixIndex | None:
        """Where each training piece's condition prefix lies (built on first use), or None without
        prefixes."""
        if self._prefixes is None and self.cond_end_id is not None and self.bos_id is not None:
            self._prefixes = PrefixIndex.build(self.train, self.bos_id, self.cond_end_id)
        return self._prefixes

    def bar_id_array(self) -> np.ndarray:
        """:attr:`bar_ids` as an array, read from the token folder's tokenizer when the data does not say;
        a clear ValueError when neither can (random ids, a bundle without them)."""
        if self.bar_ids is None and self.tokenizer_dir:
            # partita.tokens needs symusic; a bundle trains with only torch, numpy and safetensors
            from partita.tokens import MiditokTokenizer

            self.bar_ids = sorted(MiditokTokenizer.from_pretrained(self.tokenizer_dir).bar_ids)
        if not self.bar_ids:
            raise ValueError(
                f"{self.description}: these tokens say no bar lines (no bar_ids in meta.json and no REMI "
                "tokenizer): fill-in-the-middle training cuts gaps at bar lines"
            )
        return np.asarray(self.bar_ids, dtype=np.int64)

    def __post_init__(self) -> None:
        if self.train.ndim != 1:
            raise ValueError(f"training tokens must be a flat array, got shape {self.train.shape}")
        if self.vocab_size is None:
            top = max([int(self.train.max())] + [int(v.max()) for v in self.valid if len(v)])
            self.vocab_size = top + 1

    def sha256(self) -> str:
        """A hash of the training tokens (for the model card)."""
        h = hashlib.sha256()
        step = 1 << 24
        for i in range(0, len(self.train), step):
            h.update(np.ascontiguousarray(self.train[i : i + step], dtype=np.uint32).tobytes())
        return h.hexdigest()

    def check(self, block_size: int) -> None:
        if len(self.train) < block_size + 2:
            raise ValueError(
                f"{self.description}: {len(self.train)} training tokens, fewer than one window of "
                f"{block_size + 1}"
            )
        for name, seqs in (("train", [self.train]), ("valid", self.valid)):
            for s in seqs:
                if len(s) and int(np.max(s)) >= int(self.vocab_size or 0):
                    raise ValueError(
                        f"{self.description}: {name} has token id {int(np.max(s))} >= vocab_size "
                        f"{self.vocab_size}"
                    )


def batch_seed(seed: int, step: int, micro: int, rank: int) -> int:
    """The seed of one micro-batch: every (step, micro-batch, rank) draws its own windows, reproducibly."""
    return (seed * 1_000_003 + step * 7_919 + micro * 104_729 + rank * 15_485_863) % (2**63 - 1)


@dataclass
class PrefixIndex:
    """The condition prefix ``[start, end)`` of every piece in a flat token stream (pieces start at BOS).

    A window that starts inside a piece's music gets that piece's prefix put in front of it, so that the model
    always sees what the piece was asked to be, also deep into a long piece; sampling keeps the prefix when
    its context slides (see :func:`partita.generation.sampling.sample`) for the same reason.
    """

    starts: np.ndarray  # position of each piece's BOS
    ends: np.ndarray  # one past its CondEnd (== start when the piece has no prefix)

    @classmethod
    def build(cls, tokens: np.ndarray, bos_id: int, cond_end_id: int) -> PrefixIndex:
        starts, ends = [], []
        step = 1 << 22
        for lo in range(0, len(tokens), step):  # chunked: the stream may be a large memmap
            chunk = np.asarray(tokens[lo : lo + step])
            starts.append(np.flatnonzero(chunk == bos_id) + lo)
            ends.append(np.flatnonzero(chunk == cond_end_id) + lo + 1)
        s, e = np.concatenate(starts), np.concatenate(ends)
        # a piece's prefix ends at the first CondEnd after its BOS, if that comes before the next BOS
        nxt = np.append(s[1:], len(tokens))
        idx = np.searchsorted(e, s, side="right")
        cand = np.append(e, np.iinfo(np.int64).max)[idx]
        end = np.where(cand <= nxt, cand, s)
        return cls(starts=s.astype(np.int64), ends=end.astype(np.int64))

    def prefix_at(self, position: int) -> tuple[int, int] | None:
        """The ``[start, end)`` prefix of the piece whose music contains ``position``, or None."""
        i = int(np.searchsorted(self.starts, position, side="right")) - 1
        if i < 0 or position < self.ends[i] or self.ends[i] == self.starts[i]:
            return None
        return int(self.starts[i]), int(self.ends[i])


@dataclass
class FimTraining:
    """Fill-in-the-middle training (:mod:`partita.tokens.fim`): the share of windows put in its layout, its
    marker ids, and the ids that open a bar (where gaps are cut)."""

    rate: float
    ids: FimIds
    bar_ids: np.ndarray


def random_windows(
    tokens: np.ndarray,
    batch: int,
    block_size: int,
    generator: torch.Generator,
    prefixes: PrefixIndex | None = None,
    fim: FimTraining | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``batch`` random windows of ``block_size + 1`` tokens: inputs and next-token targets (int64).

    With ``prefixes``, a window starting inside a piece's music begins with that piece's condition prefix.
    With ``fim``, that share of the windows (those with a prefix) has its music in the fill-in-the-middle
    layout; a window that comes out shorter is padded, and the padding's targets are -100 (not scored).
    """
    starts = torch.randint(0, len(tokens) - block_size - 1, (batch,), generator=generator).tolist()
    rng = np.random.default_rng(int(torch.randint(0, 2**62, (1,), generator=generator))) if fim else None
    rows, lengths = [], []
    for s in starts:
        span = prefixes.prefix_at(s) if prefixes is not None else None
        if span is not None and span[1] - span[0] < block_size // 2:
            head = np.asarray(tokens[span[0] : span[1]], dtype=np.int64)
            music = np.asarray(tokens[s : s + block_size + 1 - len(head)], dtype=np.int64)
            if fim is not None and rng.random() < fim.rate:
                music = to_fim(music, fim.bar_ids, fim.ids, rng)
                if music is None:
                    music = np.asarray(tokens[s : s + block_size + 1 - len(head)], dtype=np.int64)
            row = np.concatenate([head, music])
        else:
            row = np.asarray(tokens[s : s + block_size + 1], dtype=np.int64)
        lengths.append(len(row))
        rows.append(np.pad(row, (0, block_size + 1 - len(row))))
    t = torch.from_numpy(np.stack(rows))
    x, y = t[:, :-1], t[:, 1:].clone()
    for b, n in enumerate(lengths):
        y[b, n - 1 :] = -100
    return x, y


def eval_windows(seq: np.ndarray, block_size: int) -> list[tuple[int, int, int]]:
    """Sliding windows ``(start, end, first_scored)`` that score every token of ``seq`` after the first once.

    The first window scores all its tokens; later ones advance by half a block and score only their second
    half, so every scored token sees at least ``block_size // 2`` tokens of context (or all there are).
    """
    n = len(seq)
    if n < 2:
        return []
    if n <= block_size + 1:
        return [(0, n, 1)]
    stride = max(1, block_size // 2)
    out = [(0, block_size + 1, 1)]
    scored_to = block_size + 1  # tokens [1, scored_to) are scored
    while scored_to < n:
        end = min(n, scored_to + stride)
        start = max(0, end - block_size - 1)
        out.append((start, end, scored_to))
        scored_to = end
    return out


@torch.no_grad()
def sequence_nll(
    model: torch.nn.Module,
    sequences: list[np.ndarray],
    block_size: int,
    max_tokens: int = 0,
    autocast: bool = False,
) -> tuple[float, int]:
    """Summed NLL (nats) and the number of scored tokens over ``sequences`` (each token after the first)."""
    total, count = 0.0, 0
    device = next(model.parameters()).device
    for seq in sequences:
        for start, end, first in eval_windows(seq, block_size):
            x = torch.as_tensor(np.asarray(seq[start:end], dtype=np.int64), device=device)[None]
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
                logits, _ = model(x[:, :-1])
            logp = torch.log_softmax(logits.float(), dim=-1)[0]
            targets = x[0, 1:]
            nll = -logp.gather(1, targets[:, None])[:, 0]
            nll = nll[first - start - 1 :]
            total += float(nll.sum())
            count += int(nll.numel())
            if max_tokens and count >= max_tokens:
                return total, count
    return total, count


# -- sources --------------------------------------------------------------------------------------------


def debug_sequences(n: int, vocab_size: int = 64, seed: int = 0) -> list[np.ndarray]:
    """Small learnable sequences for tests: BOS, a transposed scale-like pattern repeated, EOS."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        base = int(rng.integers(3, vocab_size - 16))
        pattern = base + np.array([0, 4, 7, 12, 7, 4], dtype=np.int64)
        length = int(rng.integers(40, 120))
        body = np.resize(pattern, length)
        out.append(np.concatenate([[1], body, [2]]).astype(np.uint16))
    return out


def _read_npy(path: Path) -> np.ndarray | list[np.ndarray]:
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as e:
        raise ValueError(f"{path}: not a readable .npy token array: {e}") from None
    if arr.dtype.kind not in "iu":
        raise ValueError(f"{path}: token arrays must hold integers, got {arr.dtype}")
    if arr.ndim == 2:
        return [np.asarray(r) for r in arr]
    if arr.ndim != 1:
        raise ValueError(f"{path}: expected a 1-D or 2-D array of token ids, got shape {arr.shape}")
    return arr


def _flat(x: np.ndarray | list[np.ndarray]) -> np.ndarray:
    return x if isinstance(x, np.ndarray) else np.concatenate(x)


def _seqs(x: np.ndarray | list[np.ndarray]) -> list[np.ndarray]:
    return [x] if isinstance(x, np.ndarray) else list(x)


def load_token_data(
    data: str | list[np.ndarray] | np.ndarray,
    valid: str | list[np.ndarray] | None = None,
    augment_transpose: bool = False,
    vocab_size: int | None = None,
) -> TokenData:
    """The :class:`TokenData` named by a training config's ``data`` (see :class:`TrainConfig`)."""
    if isinstance(data, str) and data == "jsb":
        # partita.tokens needs symusic; a bundle trains with only torch, numpy and safetensors
        from partita.tokens import jsb

        return TokenData(
            train=_flat(jsb.jsb_token_arrays("train", augment=augment_transpose)),
            valid=jsb.jsb_token_arrays("valid"),
            test=jsb.jsb_token_arrays("test"),
            vocab_size=jsb.VOCAB_SIZE,
            bos_id=jsb.BOS,
            eos_id=jsb.EOS,
            pad_id=jsb.PAD,
            tokens_per_note=1.0,
            description="JSB Chorales (Jsb16thSeparated.json), S,A,T,B per 16th step"
            + (", transposed -5..+6" if augment_transpose else ""),
            tokenizer="jsb",
        )
    if isinstance(data, str) and data == "debug":
        return TokenData(
            train=_flat(debug_sequences(200, seed=0)),
            valid=debug_sequences(20, seed=1),
            vocab_size=vocab_size or 64,
            bos_id=1,
            eos_id=2,
            pad_id=0,
            description="debug: synthetic repeated arpeggios",
        )
    if isinstance(data, str):
        path = Path(data).expanduser()
        if path.suffix == ".npz" and path.is_file():
            return _bundle(path)
        if path.is_dir():
            if not (path / "train.npy").is_file():
                raise FileNotFoundError(f"{path}: a token folder needs train.npy (and valid.npy)")
            train = _read_npy(path / "train.npy")
            if valid is None and (path / "valid.npy").is_file():
                valid = str(path / "valid.npy")
            test = _seqs(_read_npy(path / "test.npy")) if (path / "test.npy").is_file() else []
            if (path / "meta.json").is_file():
                return _token_folder(path, train, test)
        elif path.is_file():
            train, test = _read_npy(path), []
        else:
            raise FileNotFoundError(
                f"{path}: training data not found (give jsb, debug, a .npy file or a folder)"
            )
        description = str(path)
    else:
        train, test, description = data, [], "in-memory token arrays"
    if valid is None:  # hold out the last 5% of the tokens
        flat = _flat(train)
        cut = int(len(flat) * 0.95)
        train, valid_seqs = flat[:cut], [flat[cut:]]
        logger.warning("%s: no validation data given: holding out the last 5%% of the tokens", description)
    else:
        valid_seqs = _seqs(_read_npy(Path(valid))) if isinstance(valid, str) else _seqs(valid)
    return TokenData(
        train=_flat(train), valid=valid_seqs, test=test, vocab_size=vocab_size, description=description
    )


def _token_folder(path: Path, train, test) -> TokenData:
    """A folder written by :func:`partita.tokens.dataset.tokenize_corpus`: its meta.json says what ids
    mean."""
    try:
        meta = json.loads((path / "meta.json").read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"{path / 'meta.json'}: unreadable ({e})") from None
    if not (path / "valid.npy").is_file():
        raise FileNotFoundError(f"{path}: the token folder has no valid.npy")
    by_source = {
        p.stem: np.asarray(_flat(_read_npy(p))) for p in sorted((path / "valid_by_source").glob("*.npy"))
    }
    return TokenData(
        train=_flat(train),
        valid=_seqs(_read_npy(path / "valid.npy")),
        test=test,
        vocab_size=int(meta["vocab_size"]),
        bos_id=meta.get("bos_id"),
        eos_id=meta.get("eos_id"),
        pad_id=meta.get("pad_id"),
        tokens_per_note=meta.get("tokens_per_note"),
        description=f"{path} (corpus {meta.get('corpus')}, sha256 {str(meta.get('sha256', ''))[:12]})",
        tokenizer=None,
        tokenizer_dir=str(path / "tokenizer") if (path / "tokenizer").is_dir() else None,
        valid_by_source=by_source,
        cond_end_id=meta.get("cond_end_id", _cond_end_of(path / "tokenizer")),
        bar_ids=meta.get("bar_ids"),
    )


def _bundle(path: Path) -> TokenData:
    """A training bundle (:mod:`partita.training.bundle`): a token folder's arrays in one file, no
    tokenizer."""
    meta, arrays = read_bundle(path)
    by_source = {k[len(SOURCE_PREFIX) :]: v for k, v in arrays.items() if k.startswith(SOURCE_PREFIX)}
    return TokenData(
        train=arrays["train"],
        valid=_seqs(arrays["valid"]),  # one stream, as a folder's valid.npy is read: the same NLL figures
        test=_seqs(arrays["test"]) if "test" in arrays else [],
        vocab_size=int(meta["vocab_size"]),
        bos_id=meta.get("bos_id"),
        eos_id=meta.get("eos_id"),
        pad_id=meta.get("pad_id"),
        tokens_per_note=meta.get("tokens_per_note"),
        description=f"{path} (bundle of {meta.get('bundle_of')}, corpus {meta.get('corpus')}, "
        f"sha256 {str(meta.get('sha256', ''))[:12]})",
        valid_by_source=by_source,
        cond_end_id=meta.get("cond_end_id"),
        bar_ids=meta.get("bar_ids"),
    )


def _cond_end_of(tokenizer_dir: Path) -> int | None:
    """The CondEnd id of a saved tokenizer (token folders written before meta.json recorded it)."""
    if not tokenizer_dir.is_dir():
        return None
    # partita.tokens needs symusic; a bundle trains with only torch, numpy and safetensors
    from partita.tokens import MiditokTokenizer

    try:
        return MiditokTokenizer.from_pretrained(tokenizer_dir).cond_end_id
    except Exception as e:  # an unreadable tokenizer only loses the prefix carry, and says so
        logger.warning(
            "%s: cannot read the tokenizer (%s): windows will not carry condition prefixes", tokenizer_dir, e
        )
        return None


def evaluate_lm(
    model: torch.nn.Module,
    data: TokenData,
    max_tokens: int = 0,
    autocast: bool = False,
    shards: int = 1,
    progress: ProgressCallback | None = None,
) -> dict[str, float]:
    """Validation, test and per-source NLL of ``model`` on ``data``, as a training run's final evaluation has
    them.

    ``max_tokens`` bounds the tokens scored per set (0: all). ``shards`` deals each set out the way a
    ``torchrun`` run of that many processes does (sequences in turn, ``max_tokens / shards`` scored from each
    share), so that one process reproduces the figures of a model card written by a DDP run, and two models
    compare on the same tokens.
    """
    sets = [("valid", data.valid), ("test", data.test)]
    sets += [(f"valid_{source}", [tokens]) for source, tokens in sorted(data.valid_by_source.items())]
    sets = [(prefix, seqs) for prefix, seqs in sets if len(seqs)]
    budget = max_tokens // shards if max_tokens else 0
    was_training = model.training
    model.eval()
    out: dict[str, float] = {}
    for k, (prefix, seqs) in enumerate(sets):
        total, count = 0.0, 0
        for rank in range(shards):
            t, c = sequence_nll(model, seqs[rank::shards], model.config.block_size, budget, autocast)
            total, count = total + t, count + c
        out.update(nll_metrics(total, count, data.tokens_per_note, prefix))
        report(progress, k + 1, len(sets), prefix)
    model.train(was_training)
    return out


def nll_metrics(total: float, count: int, tokens_per_note: float | None, prefix: str) -> dict[str, float]:
    """NLL per token (nats) and, when the tokenizer says how many tokens make a note, per note."""
    if count == 0:
        return {}
    per_token = total / count
    out = {f"{prefix}_nll_per_token": per_token, f"{prefix}_tokens": float(count)}
    if tokens_per_note:
        out[f"{prefix}_nll_per_note"] = per_token * tokens_per_note
    out[f"{prefix}_ppl"] = math.exp(min(per_token, 50.0))
    return out
