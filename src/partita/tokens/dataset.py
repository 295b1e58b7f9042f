"""From a corpus to token arrays a model trains on: conditions per piece, Mustango-style augmentation, shards.

:func:`tokenize_corpus` writes a token folder that :func:`partita.training.data.load_token_data` reads::

    train.npy  valid.npy  test.npy     flat uint16/uint32 arrays; each piece BOS, Cond..., CondEnd, music, EOS
    valid_by_source/<source>.npy       the validation pieces of each source (for NLL per source)
    meta.json                          vocabulary size, special ids, tokens per note, counts, the data hash
    tokenizer/                         the tokenizer (partita_tokenizer.json + miditok's tokenizer.json)
    shards/                            per-chunk results while running; an interrupted run resumes from them

Training pieces are augmented as Mustango does, so that every key and tempo is seen with its label: each is
transposed by a few semitones (its key label moves with it) and tempo-scaled (its tempo label moves with it).
Validation and test pieces are never augmented, and a piece's split is the corpus's split by work.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import re
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import symusic

from partita.analysis.features import mean_polyphony
from partita.analysis.key import PITCH_CLASS_OF_TONIC, TONICS, estimate_key, tonic_and_mode
from partita.analysis.timeline import note_arrays
from partita.atomic import atomic_path, atomic_write_text
from partita.corpus import load_corpus
from partita.progress import ProgressCallback, report
from partita.score import Score
from partita.tokens.conditions import STYLES, Conditions
from partita.tokens.tokenizer import MiditokTokenizer

log = logging.getLogger(__name__)

SPLITS = ("train", "valid", "test")

# Corpus labels -> style family. Checked in order; the first rule whose words occur in the piece's
# source / collection / composer / tune type / genre labels wins.
_STYLE_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("chorale", ("jsb", "chorale", "bwv")),
    ("pop", ("pop909",)),
    ("irish_reel", ("reel",)),
    ("jig", ("jig",)),
    ("hornpipe", ("hornpipe",)),
    ("strathspey", ("strathspey",)),
    ("polka", ("polka",)),
    ("waltz", ("waltz",)),
    ("march", ("march",)),
    ("air", (" air", "air ")),
    ("renaissance", ("palestrina", "josquin", "monteverdi", "lusitano")),
    ("medieval", ("trecento", "ciconia", "luca")),
    ("baroque", ("bach", "handel", "corelli", "cpebach")),
    ("classical", ("mozart", "haydn", "beethoven")),
    ("romantic", ("chopin", "schumann", "schubert", "verdi", "weber", "liliuokalani")),
    ("modern", ("schoenberg", "webern", "joplin", "beach")),
)
_REGION_OF_COUNTRY = {
    "china": "china", "deutschland": "germany", "germany": "germany", "ireland": "ireland",
    "irland": "ireland", "scotland": "scotland", "schottland": "scotland", "england": "england",
    "italy": "italy", "italien": "italy", "france": "france", "frankreich": "france", "austria": "austria",
    "oesterreich": "austria", "usa": "usa", "netherlands": "netherlands", "niederlande": "netherlands",
    "holland": "netherlands",
}  # fmt: skip
_REGION_OF_SOURCE = {
    "pop909": "china", "jsb": "germany", "bach": "germany", "palestrina": "italy", "monteverdi": "italy",
    "trecento": "italy", "oneill": "ireland", "ryans": "ireland",
}  # fmt: skip


def _text(record: dict) -> str:
    keys = ("source", "collection", "composer", "tune_type", "genre", "title", "book")
    return " " + " ".join(str(record.get(k) or "") for k in keys).lower() + " "


def style_of(record: dict) -> str | None:
    """The style family of a corpus piece (a :data:`partita.tokens.conditions.STYLES` value) or None."""
    text = _text(record)
    for style, words in _STYLE_RULES:
        if any(w in text for w in words):
            if style == "baroque" and "chorale" in text:
                return "chorale"
            return style
    country = str(record.get("country") or "").lower()
    if "essen" in text or record.get("tune_type") or country:
        if country == "china":
            return "chinese_folk"
        if country in ("deutschland", "germany"):
            return "german_folk"
        return "folk"
    return None


def region_of(record: dict) -> str | None:
    """The region token value of a corpus piece, from its country label or its source."""
    country = str(record.get("country") or "").strip().lower()
    if country:
        return _REGION_OF_COUNTRY.get(country, "other")
    text = _text(record)
    if record.get("tune_type") == "strathspey":
        return "scotland"
    for word, region in _REGION_OF_SOURCE.items():
        if word in text:
            return region
    return None


def score_statistics(score: Score) -> dict[str, float | None]:
    """Notes per beat, onsets per beat, mean notes sounding together and mean pitch (pitched tracks).

    The polyphony is :func:`partita.analysis.features.mean_polyphony` of the pitched notes as written (the
    definition the analysis measures with too).
    """
    tpq = score.ticks_per_quarter
    starts, ends, pitches = [], [], []
    for t in score.tracks:
        if t.is_drum or not len(t.notes):
            continue
        arr = t.notes.numpy()
        starts.append(arr["time"])
        ends.append(arr["time"] + arr["duration"])
        pitches.append(arr["pitch"])
    if not starts:
        return {"density": None, "rhythm": None, "polyphony": None, "mean_pitch": None}
    s, e, p = np.concatenate(starts), np.concatenate(ends), np.concatenate(pitches)
    beats = max((e.max() - s.min()) / tpq, 1.0)
    return {
        "density": float(len(s) / beats),
        "rhythm": float(len(np.unique(s)) / beats),
        "polyphony": mean_polyphony(s, e),
        "mean_pitch": float(p.mean()),
    }


def conditions_from(record: dict, score: Score) -> Conditions:
    """The condition values of a corpus piece: labels from the manifest, statistics from the score.

    The key is the notated/annotated key of the manifest where there is one (POP909's annotation, the key
    signature with its mode); tempo, meter and programs come from the normalized score's own events.
    """
    tonic, mode = tonic_and_mode(record.get("key"))
    stats = score_statistics(score)
    ts = score.time_signatures
    tempos = score.tempos
    beats = max(score.end() / max(score.ticks_per_quarter, 1), 1)
    meter = ts[0] if len(ts) and ts[0].numerator > 0 and ts[0].denominator > 0 else None  # 0: damaged
    bar_beats = meter.numerator * 4 / meter.denominator if meter is not None else 4
    return Conditions(
        style=style_of(record),
        region=region_of(record),
        key=tonic,
        mode=mode,
        meter=f"{meter.numerator}/{meter.denominator}" if meter is not None else None,
        tempo_bpm=float(tempos[0].qpm) if len(tempos) else None,
        programs=sorted({int(t.program) for t in score.tracks if not t.is_drum and len(t.notes)}),
        drums=any(t.is_drum and len(t.notes) for t in score.tracks),
        density=stats["density"],
        polyphony=stats["polyphony"],
        rhythm=stats["rhythm"],
        mean_pitch=stats["mean_pitch"],
        bars=int(round(beats / bar_beats)),
    )


def piece_conditions(score: Score) -> Conditions:
    """What ``score`` is, as condition values with no manifest: its key by partita's key analysis, its first
    meter and tempo, its instruments and its texture (notes per beat, onsets per beat, voices, mean pitch).
    A piece to continue or accompany, and a concept's references, are described this way."""
    c = conditions_from({}, score)
    pitched = note_arrays(score)
    pitched = pitched.select(~pitched.drum)
    estimate = estimate_key(pitched) if len(pitched) else None
    if estimate is not None:
        c.key, c.mode = tonic_and_mode(estimate.name)
    return c


def transpose(score: Score, conditions: Conditions, semitones: int) -> tuple[Score, Conditions]:
    """The score moved by ``semitones`` with its key label moved too (pitches kept inside MIDI's 0-127)."""
    if semitones == 0:
        return score, conditions
    out = score.copy()
    for t in out.tracks:
        if not t.is_drum:
            t.shift_pitch(semitones, inplace=True)
    c = Conditions.from_dict(conditions.to_dict())
    if c.key:
        c.key = TONICS[(PITCH_CLASS_OF_TONIC[c.key] + semitones) % 12]
    if c.mean_pitch is not None:
        c.mean_pitch += semitones
    return out, c


def scale_tempo(score: Score, conditions: Conditions, factor: float) -> tuple[Score, Conditions]:
    """The score played ``factor`` times faster (every tempo event scaled), its tempo label scaled too."""
    if factor == 1.0:
        return score, conditions
    out = score.copy()
    scaled = [symusic.Tempo(t.time, qpm=float(t.qpm) * factor) for t in out.tempos]
    out.tempos.clear()
    for t in scaled:
        out.tempos.append(t)
    c = Conditions.from_dict(conditions.to_dict())
    if c.tempo_bpm:
        c.tempo_bpm = c.tempo_bpm * factor
    return out, c


@dataclass
class TokenizeConfig:
    """How a corpus becomes token arrays."""

    transpositions: list[int] = field(default_factory=lambda: [0, -5, -3, -1, 2, 4])
    """Semitone shifts of each training piece (0 = as written); one random non-zero shift is drawn per
    copy."""
    copies: int = 2
    """Training copies per piece: the original plus ``copies - 1`` augmented ones."""
    tempo_factors: list[float] = field(default_factory=lambda: [0.8, 0.9, 1.1, 1.25])
    drop: float = 0.15
    """Probability of dropping each condition field in training copies (the model learns partial prompts)."""
    max_tokens: int = 16384
    """Pieces longer than this many music tokens are cut at a bar line near the limit."""
    seed: int = 0
    chunk: int = 64


def _piece_sequences(
    tok: MiditokTokenizer, record: dict, score: Score, split: str, cfg: TokenizeConfig, rng: random.Random
) -> list[list[int]]:
    base = conditions_from(record, score)
    if split != "train":
        return [tok.encode(score, base)[: cfg.max_tokens] + [tok.eos_id]]
    out = []
    for copy in range(max(1, cfg.copies)):
        s, c = score, base
        if copy > 0:
            shifts = [x for x in cfg.transpositions if x != 0]
            lo = (
                min(n.pitch for t in score.tracks for n in t.notes if not t.is_drum)
                if score.note_num()
                else 60
            )
            hi = (
                max(n.pitch for t in score.tracks for n in t.notes if not t.is_drum)
                if score.note_num()
                else 60
            )
            shifts = [x for x in shifts if lo + x >= 21 and hi + x <= 108] or [0]
            s, c = transpose(s, c, rng.choice(shifts))
            if cfg.tempo_factors:
                s, c = scale_tempo(s, c, rng.choice(cfg.tempo_factors))
        ids = tok.encode(s, c, drop=cfg.drop, rng=rng)
        if len(ids) > cfg.max_tokens:
            ids = ids[: cfg.max_tokens - 1] + [tok.eos_id]
        out.append(ids)
    return out


def _work_chunk(args: tuple) -> dict:
    """Tokenize one chunk of pieces (runs in a worker process); never raises for a bad piece."""
    corpus_path, tok_dir, ids, split, cfg_dict, chunk_index = args
    corpus = load_corpus(corpus_path)
    tok = MiditokTokenizer.from_pretrained(tok_dir)
    cfg = TokenizeConfig(**cfg_dict)
    rng = random.Random(cfg.seed * 1_000_003 + chunk_index)
    seqs, sources, failed, notes, music_tokens = [], [], [], 0, 0
    for pid in ids:
        try:
            record = corpus.labels(pid)
            score = corpus.read_piece(pid)
            for ids_ in _piece_sequences(tok, record, score, split, cfg, rng):
                seqs.append(np.asarray(ids_, dtype=np.int64))
                sources.append(str(record.get("source") or "unknown"))
            if split != "train":
                notes += score.note_num()
                music_tokens += len(seqs[-1])
        except Exception as e:  # one bad piece is recorded and skipped, never fatal
            failed.append({"piece_id": pid, "error": f"{type(e).__name__}: {e}"})
    return {"seqs": seqs, "sources": sources, "failed": failed, "notes": notes, "tokens": music_tokens}


def _save_npy(path: Path, arr: np.ndarray) -> None:
    with atomic_path(path, suffix=".npy") as tmp, open(tmp, "wb") as f:
        np.save(f, arr, allow_pickle=False)


def _source_slug(source: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", source.replace("music21:", "")) or "unknown"


def tokenize_corpus(
    corpus,
    tokenizer: MiditokTokenizer,
    out_dir: str | os.PathLike,
    config: TokenizeConfig | None = None,
    splits: Sequence[str] = SPLITS,
    workers: int = 1,
    progress: ProgressCallback | None = None,
    styles: Sequence[str] | None = None,
) -> dict:
    """Tokenize every piece of ``corpus`` (a :class:`partita.corpus.Corpus`) into ``out_dir``; resumable.

    ``styles``: only the pieces whose :func:`style_of` is one of these (the data of a style expert); every
    piece when None. Returns the ``meta.json`` content. Chunks already finished by an interrupted run are read
    back, not redone.
    """
    cfg = config or TokenizeConfig()
    out = Path(out_dir)
    (out / "shards").mkdir(parents=True, exist_ok=True)
    settings = {
        "config": asdict(cfg),
        "corpus": str(corpus.path),
        "splits": list(splits),
        "tokenizer": asdict(tokenizer.config),
    }
    if styles:
        unknown = sorted(set(styles) - set(STYLES))
        if unknown:
            raise ValueError(f"unknown style {', '.join(unknown)}: choose from {', '.join(STYLES)}")
        settings["styles"] = sorted(set(styles))
    saved = out / "tokenize_config.json"
    if saved.exists() and json.loads(saved.read_text()) != json.loads(json.dumps(settings)):
        raise ValueError(
            f"{out} holds tokens made with other settings (corpus, splits, tokenizer or augmentation): "
            "tokenize into a new folder, or delete this one"
        )
    atomic_write_text(saved, json.dumps(settings, indent=2) + "\n")
    tok_dir = out / "tokenizer"
    if not (tok_dir / "partita_tokenizer.json").exists():
        tokenizer.save_pretrained(tok_dir)
    jobs = []
    for split in splits:
        ids = sorted(corpus.split(split).ids())
        if styles:
            ids = [i for i in ids if style_of(corpus.labels(i)) in settings["styles"]]
        for k in range(0, len(ids), cfg.chunk):
            jobs.append(
                (str(corpus.path), str(tok_dir), ids[k : k + cfg.chunk], split, asdict(cfg), len(jobs))
            )
    done = 0
    total = len(jobs)
    todo = [j for j in jobs if not (out / "shards" / f"{j[3]}-{j[5]:05d}.npz").exists()]
    done = total - len(todo)
    report(progress, done, total, "tokenizing")

    def save(job, result) -> None:
        shard = out / "shards" / f"{job[3]}-{job[5]:05d}.npz"
        lengths = np.asarray([len(s) for s in result["seqs"]], dtype=np.int64)
        flat = np.concatenate(result["seqs"]) if result["seqs"] else np.zeros(0, dtype=np.int64)
        with atomic_path(shard, suffix=".npz") as tmp, open(tmp, "wb") as f:
            meta = json.dumps({k: result[k] for k in ("failed", "notes", "tokens")})
            np.savez(
                f,
                flat=flat,
                lengths=lengths,
                sources=np.asarray(result["sources"], dtype=str),
                meta=np.asarray(meta),
            )

    if workers > 1 and len(todo) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for job, result in zip(todo, pool.map(_work_chunk, todo), strict=True):
                save(job, result)
                done += 1
                report(progress, done, total, job[3])
    else:
        for job in todo:
            save(job, _work_chunk(job))
            done += 1
            report(progress, done, total, job[3])
    return _consolidate(out, jobs, tokenizer, cfg, corpus)


def _consolidate(out: Path, jobs: list, tokenizer: MiditokTokenizer, cfg: TokenizeConfig, corpus) -> dict:
    dtype = np.uint16 if tokenizer.vocab_size < 65535 else np.uint32
    meta: dict = {
        "vocab_size": tokenizer.vocab_size,
        "bos_id": tokenizer.bos_id,
        "eos_id": tokenizer.eos_id,
        "pad_id": tokenizer.pad_id,
        "tokenizer": tokenizer.config.kind,
        "corpus": str(corpus.path),
        "config": asdict(cfg),
        "splits": {},
        "failed": [],
    }
    h = hashlib.sha256()
    eval_notes = eval_tokens = 0
    for split in SPLITS:
        parts, by_source = [], {}
        n_seq = 0
        for job in (j for j in jobs if j[3] == split):
            with np.load(out / "shards" / f"{split}-{job[5]:05d}.npz", allow_pickle=False) as z:
                flat, lengths, sources = z["flat"], z["lengths"], z["sources"]
                info = json.loads(str(z["meta"]))
            meta["failed"] += info["failed"]
            eval_notes += info["notes"]
            eval_tokens += info["tokens"]
            parts.append(flat)
            n_seq += len(lengths)
            if split == "valid":
                offsets = np.concatenate([[0], np.cumsum(lengths)])
                for i, src in enumerate(sources):
                    by_source.setdefault(str(src), []).append(flat[offsets[i] : offsets[i + 1]])
        if not parts:
            continue
        arr = np.concatenate(parts).astype(dtype)
        h.update(arr.tobytes())
        _save_npy(out / f"{split}.npy", arr)
        meta["splits"][split] = {"sequences": n_seq, "tokens": int(len(arr))}
        for src, seqs in by_source.items():
            _save_npy(
                out / "valid_by_source" / f"{_source_slug(src)}.npy", np.concatenate(seqs).astype(dtype)
            )
    meta["tokens_per_note"] = round(eval_tokens / eval_notes, 4) if eval_notes else None
    meta["sha256"] = h.hexdigest()
    atomic_write_text(out / "meta.json", json.dumps(meta, indent=2) + "\n")
    if meta["failed"]:
        log.warning("%d pieces could not be tokenized (listed in meta.json)", len(meta["failed"]))
    return meta
