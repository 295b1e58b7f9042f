"""Slice embeddings: skip-gram (word2vec) over beat slices, after Chuan, Agres & Herremans (2018).

A piece is a sentence of beat words (:mod:`partita.analysis.slices`: ``"0-4-7"`` is a beat where C, E and G
sound); :meth:`SliceModel.train` fits gensim's skip-gram with negative sampling (``sg=1``) to them, so that
slices heard in like contexts get like vectors. Nothing tells the model what the pitch classes are: a word is
an opaque token, and whatever it learns of keys, chord functions or transposition it learns from context.

A model folder (:meth:`SliceModel.save_pretrained`) holds, never pickled:

- ``slice_config.json``: the :class:`SliceModelConfig`;
- ``vectors.safetensors``: ``vectors`` (words x vector_size, float32) and, when the training corpus had key
  labels, ``key_vectors`` (24 x vector_size, the mean slice vector of the pieces in each key, 0-11 major on
  C..B, 12-23 minor) with ``key_pieces`` (pieces per key; a key without pieces has a zero row);
- ``vocab.json``: the words in the order of the rows and how often each was seen;
- ``card.json`` and ``README.md``: what it was trained on and what it measured.

gensim's own ``Word2Vec.save`` pickles, so it is not used.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from partita.analysis.key import key_name, parse_key
from partita.analysis.slices import chord_word, parse_slice, slice_name
from partita.atomic import atomic_write_bytes, atomic_write_text
from partita.progress import ProgressCallback, report

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "pretrained"
"""Where shipped models live (``partita/pretrained/<name>/``)."""
CONFIG = "slice_config.json"
"""Not ``config.json``: a folder of ``partita/pretrained/`` with one is taken for a language model."""
VECTORS = "vectors.safetensors"
VOCAB = "vocab.json"
CARD_JSON = "card.json"
CARD_MD = "README.md"
MAX_SENTENCE = 1000
"""Sentences are cut into pieces of at most this many words (gensim drops words past 10,000 of one)."""


@dataclass
class SliceModelConfig:
    """The skip-gram's settings (gensim ``Word2Vec`` arguments of the same names); saved as
    slice_config.json."""

    vector_size: int = 64
    window: int = 4
    min_count: int = 5
    negative: int = 10
    epochs: int = 10
    sample: float = 1e-3
    alpha: float = 0.025
    seed: int = 0
    workers: int = 1
    """One worker makes training deterministic for a seed; more are faster and vary from run to run."""

    def __post_init__(self) -> None:
        for name in ("vector_size", "window", "min_count", "epochs", "workers"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"SliceModelConfig.{name} must be at least 1, not {getattr(self, name)}")
        if self.negative < 1:
            raise ValueError(
                "SliceModelConfig.negative must be at least 1 (skip-gram with negative sampling)"
            )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> SliceModelConfig:
        """The config of a dict; an unknown field raises ValueError naming it."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown slice model config fields: {', '.join(unknown)}")
        return cls(**d)


class Embedding:
    """Vectors for slice words: what the measures of :mod:`partita.evaluation.slices` need. The trained
    :class:`SliceModel` is one; the baselines (random, co-occurrence counts, pitch-class content) are
    others."""

    def __init__(self, words: Sequence[str], vectors: np.ndarray, name: str = "") -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise ValueError(f"{len(words)} words but vectors of shape {vectors.shape}")
        self.words = list(words)
        self.vectors = vectors
        self.index = {w: i for i, w in enumerate(self.words)}
        self.name = name
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self.unit = vectors / np.maximum(norms, 1e-12)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def vector(self, word: str) -> np.ndarray:
        """The vector of ``word``; ValueError when it is not a slice word or not in the vocabulary."""
        word = str(word).strip()
        if word not in self.index:
            parse_slice(word)  # a malformed word says so
            raise ValueError(
                f"slice {word!r} is not in the vocabulary of {len(self)} slices (seen too rarely or never)"
            )
        return self.vectors[self.index[word]]

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words."""
        self.vector(a), self.vector(b)
        return float(self.unit[self.index[a]] @ self.unit[self.index[b]])

    def most_similar(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` words nearest ``word`` by cosine, nearest first, without ``word`` itself."""
        self.vector(word)
        i = self.index[word.strip()]
        sims = self.unit @ self.unit[i]
        sims[i] = -np.inf
        order = np.argsort(-sims, kind="stable")[: max(k, 0)]
        return [(self.words[j], float(sims[j])) for j in order]

    def nearest_to(
        self, vector: np.ndarray, k: int = 10, exclude: Iterable[str] = ()
    ) -> list[tuple[str, float]]:
        """The ``k`` words nearest a vector by cosine, without those in ``exclude``."""
        v = np.asarray(vector, dtype=np.float32)
        sims = self.unit @ (v / max(float(np.linalg.norm(v)), 1e-12))
        for w in exclude:
            if w in self.index:
                sims[self.index[w]] = -np.inf
        order = np.argsort(-sims, kind="stable")[: max(k, 0)]
        return [(self.words[j], float(sims[j])) for j in order]

    def triad_vector(self, key: int | str) -> np.ndarray:
        """The vector of a key's tonic triad: key 0-11 (or ``"G major"``) is the major triad on that tonic,
        12-23 (``"E minor"``) the minor one."""
        index = parse_key(key) if isinstance(key, str) else int(key)
        if not 0 <= index < 24:
            raise ValueError(f"key index {index} out of range (0-11 major, 12-23 minor)")
        return self.vector(chord_word(index % 12, "maj" if index < 12 else "min"))


class SliceModel(Embedding):
    """A skip-gram embedding of beat slices, with its config, word counts and (optionally) key vectors."""

    def __init__(
        self,
        words: Sequence[str],
        vectors: np.ndarray,
        counts: Sequence[int],
        config: SliceModelConfig,
        card: dict[str, Any] | None = None,
        key_vectors: np.ndarray | None = None,
        key_pieces: np.ndarray | None = None,
    ) -> None:
        super().__init__(words, vectors, name="skip-gram")
        if len(counts) != len(words):
            raise ValueError(f"{len(words)} words but {len(counts)} counts")
        self.counts = [int(c) for c in counts]
        self.config = config
        self.card: dict[str, Any] = dict(card or {})
        self.key_vectors = key_vectors
        self.key_pieces = key_pieces

    # --- training -------------------------------------------------------------------------------------------
    @classmethod
    def train(
        cls,
        sentences: Iterable[Sequence[str]],
        config: SliceModelConfig | None = None,
        progress: ProgressCallback | None = None,
    ) -> SliceModel:
        """Fit skip-gram to ``sentences`` (lists of slice words); ValueError when no word is seen
        ``min_count`` times."""
        from gensim.models import Word2Vec

        config = config or SliceModelConfig()
        chunks = [list(s[i : i + MAX_SENTENCE]) for s in sentences for i in range(0, len(s), MAX_SENTENCE)]
        counts = Counter(w for s in chunks for w in s)
        if not any(c >= config.min_count for c in counts.values()):
            raise ValueError(
                f"nothing to train on: {sum(counts.values())} words, none seen {config.min_count} times "
                "(an empty corpus, or set a lower min_count)"
            )
        t0 = time.perf_counter()
        model = Word2Vec(
            vector_size=config.vector_size,
            window=config.window,
            min_count=config.min_count,
            negative=config.negative,
            sample=config.sample,
            alpha=config.alpha,
            seed=config.seed,
            workers=config.workers,
            sg=1,
            hs=0,
        )
        model.build_vocab(chunks)
        model.train(
            chunks,
            total_examples=model.corpus_count,
            epochs=config.epochs,
            callbacks=[_epoch_callback(progress, config.epochs)],
        )
        seconds = time.perf_counter() - t0
        wv = model.wv
        words = list(wv.index_to_key)
        log.info("trained %d slice vectors on %d words in %.1f s", len(words), sum(counts.values()), seconds)
        card = {
            "sentences": len(chunks),
            "words_seen": sum(counts.values()),
            "train_seconds": round(seconds, 2),
        }
        return cls(words, np.array(wv.vectors), [counts[w] for w in words], config, card)

    # --- key vectors ----------------------------------------------------------------------------------------
    def key_vector(self, key: int | str, method: str = "corpus") -> np.ndarray:
        """A key's vector: ``"corpus"``, the mean slice vector of the training pieces in that key (kept with
        the model); ``"triad"``, the vector of its tonic triad. ValueError when the model has none."""
        if method == "triad":
            return self.triad_vector(key)
        if method != "corpus":
            raise ValueError(f"unknown key vector method {method!r}: corpus or triad")
        index = parse_key(key) if isinstance(key, str) else int(key)
        if self.key_vectors is None or self.key_pieces is None or not self.key_pieces[index]:
            raise ValueError(
                f"this model has no corpus vector for {key_name(index)} (no training piece in it)"
            )
        return self.key_vectors[index]

    # --- save / load ----------------------------------------------------------------------------------------
    def save_pretrained(self, directory: str | Path, card: dict[str, Any] | None = None) -> Path:
        """Write slice_config.json, vectors.safetensors, vocab.json, card.json and README.md atomically."""
        from safetensors.numpy import save

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        tensors = {"vectors": np.ascontiguousarray(self.vectors, dtype=np.float32)}
        if self.key_vectors is not None and self.key_pieces is not None:
            tensors["key_vectors"] = np.ascontiguousarray(self.key_vectors, dtype=np.float32)
            tensors["key_pieces"] = np.asarray(self.key_pieces, dtype=np.int64)
        atomic_write_bytes(out / VECTORS, save(tensors, metadata={"partita": "SliceModel"}))
        atomic_write_text(out / VOCAB, json.dumps({"words": self.words, "counts": self.counts}) + "\n")
        atomic_write_text(out / CONFIG, json.dumps(self.config.to_dict(), indent=2) + "\n")
        self.card = {**self.card, **(card or {}), "words": len(self.words)}
        atomic_write_text(
            out / CARD_JSON, json.dumps(self.card, indent=2, sort_keys=True, default=str) + "\n"
        )
        atomic_write_text(out / CARD_MD, model_card(self))
        log.info("saved slice model to %s", out)
        return out

    @classmethod
    def from_pretrained(cls, name_or_path: str | Path) -> SliceModel:
        """Load a folder written by :meth:`save_pretrained`, or a shipped model by name (``slices-small``)."""
        folder = resolve_model(name_or_path)
        try:
            config = SliceModelConfig.from_dict(json.loads((folder / CONFIG).read_text()))
            vocab = json.loads((folder / VOCAB).read_text())
            words, counts = vocab["words"], vocab["counts"]
        except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
            raise ValueError(f"{folder}: not a valid slice model ({e})") from None
        tensors = _read_tensors(folder / VECTORS)
        if tensors["vectors"].shape != (len(words), config.vector_size):
            raise ValueError(
                f"{folder / VECTORS}: vectors of shape {tensors['vectors'].shape} do not match {len(words)} "
                f"words of size {config.vector_size}"
            )
        card = {}
        if (folder / CARD_JSON).is_file():
            try:
                card = json.loads((folder / CARD_JSON).read_text())
            except (OSError, json.JSONDecodeError) as e:  # the card is documentation: warn, do not fail
                log.warning("%s: unreadable model card (%s)", folder / CARD_JSON, e)
        return cls(
            words,
            tensors["vectors"],
            counts,
            config,
            card,
            tensors.get("key_vectors"),
            tensors.get("key_pieces"),
        )


def resolve_model(name_or_path: str | Path) -> Path:
    """The folder of a slice model: a path, or the name of one shipped in ``partita/pretrained/``."""
    text = str(name_or_path)
    for folder in (Path(text).expanduser(), PACKAGE_DIR / text):
        if (folder / CONFIG).is_file() and (folder / VECTORS).is_file():
            return folder
    shipped = available_slice_models()
    hint = f" (shipped: {', '.join(shipped)})" if shipped else ""
    raise FileNotFoundError(f"no slice model at '{text}': a folder needs {CONFIG} and {VECTORS}{hint}")


def available_slice_models() -> list[str]:
    """The names of the slice models shipped in ``partita/pretrained/``."""
    if not PACKAGE_DIR.is_dir():
        return []
    return sorted(p.name for p in PACKAGE_DIR.iterdir() if (p / VECTORS).is_file() and (p / VOCAB).is_file())


def _read_tensors(path: Path) -> dict[str, np.ndarray]:
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError) as e:
        raise ValueError(f"{path}: unreadable vectors ({e})") from None
    if "vectors" not in tensors:
        raise ValueError(f"{path}: no 'vectors' tensor")
    return tensors


def _epoch_callback(progress: ProgressCallback | None, epochs: int):
    from gensim.models.callbacks import CallbackAny2Vec

    class _Epochs(CallbackAny2Vec):
        def __init__(self) -> None:
            self.done = 0

        def on_epoch_end(self, model) -> None:
            self.done += 1
            report(progress, self.done, epochs, f"epoch {self.done}/{epochs}")

    return _Epochs()


def _card_value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    if isinstance(v, dict | list):
        return "`" + json.dumps(v, sort_keys=True, default=str) + "`"
    return str(v)


TABLED = ("name", "measures", "baselines")
"""Card fields the README shows in their own place rather than in the field table."""


def model_card(model: SliceModel) -> str:
    """The README.md of a model folder: the config, the card's fields, its measures beside the baselines'
    (when the card has ``measures`` and ``baselines``) and the most frequent slices."""
    lines = [
        f"# {model.card.get('name', 'slice model')}",
        "",
        "Skip-gram (gensim word2vec, sg=1, negative sampling) over beat slices: each beat of a piece is the "
        "set of pitch classes sounding in it (`partita.analysis.slices`), after Chuan, Agres & Herremans "
        "(2018).",
        "Load it with `SliceModel.from_pretrained(folder)`; query it with "
        "`partita slices query FOLDER 0-4-7`.",
        "",
        "## Config",
        "",
        "| field | value |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in model.config.to_dict().items()],
        "",
        "## Card",
        "",
        "| field | value |",
        "|---|---|",
        *[f"| {k} | {_card_value(v)} |" for k, v in sorted(model.card.items()) if k not in TABLED],
        "",
        *_measures_table(model.card),
        "## Most frequent slices",
        "",
        ", ".join(f"`{w}`" + (f" ({slice_name(w)})" if slice_name(w) else "") for w in model.words[:20]),
        "",
    ]
    return "\n".join(lines)


def _measures_table(card: dict[str, Any]) -> list[str]:
    measures = card.get("measures")
    if not isinstance(measures, dict):
        return []
    baselines = card.get("baselines") if isinstance(card.get("baselines"), dict) else {}
    names = list(baselines)
    lines = [
        "## Measures (`partita.evaluation.slices`)",
        "",
        "| measure | this model | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for key, value in measures.items():
        cells = [_card_value(baselines[n].get(key, float("nan"))) for n in names]
        lines.append(f"| {key} | {_card_value(value)} | " + " | ".join(cells) + " |")
    return [*lines, ""]
