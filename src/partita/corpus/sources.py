"""Corpus sources: what ``--source`` may name, and the work items each one yields.

A source is ``music21:NAME`` (a collection of music21's bundled corpus, or ``music21:all``), ``jsb``,
``pop909``, or a folder of MIDI / MusicXML / ABC / Humdrum files. Each source is expanded into
:class:`WorkItem` s, one per piece: a file, one tune of an ABC collection, one JSB chorale or one POP909 song.
Items are small and picklable; the parsing happens in the worker processes (:mod:`partita.corpus.pieces`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from partita.paths import shared_data_dir
from partita.score import MAX_FILE_BYTES, iter_abc_tunes

log = logging.getLogger(__name__)

SCORE_SUFFIXES = {".mid", ".midi", ".kar", ".rmi", ".mxl", ".xml", ".musicxml", ".abc", ".krn", ".kern"}
"""Files of a folder source that are read as scores; other files are counted as ignored."""

ANALYSIS_SUFFIXES = {".rntxt"}

# Short names accepted after "music21:" for the bundled collections whose folder names are long.
MUSIC21_ALIASES = {
    "ryans": "ryansMammoth",
    "ryan": "ryansMammoth",
    "oneill": "oneills1850",
    "oneills": "oneills1850",
    "essen": "essenFolksong",
    "nottingham": "nottingham-dataset",
    "airds": "airdsAirs",
    "clara": "schumann_clara",
    "schumann": "schumann_robert",
}
# Bundled folders that are not repertoire: music21's test material and theory exercises.
MUSIC21_SKIP = {"demos", "theoryExercises", "_metadataCache", "__pycache__"}
# Folk collections where the work is the tune (matched by title across collections), not the file.
FOLK_COLLECTIONS = {
    "ryansMammoth",
    "oneills1850",
    "essenFolksong",
    "nottingham-dataset",
    "airdsAirs",
    "miscFolk",
}
MUSIC21_COMPOSERS = {
    "bach": "Johann Sebastian Bach",
    "beach": "Amy Beach",
    "beethoven": "Ludwig van Beethoven",
    "chopin": "Frédéric Chopin",
    "ciconia": "Johannes Ciconia",
    "corelli": "Arcangelo Corelli",
    "cpebach": "Carl Philipp Emanuel Bach",
    "handel": "George Frideric Handel",
    "haydn": "Joseph Haydn",
    "johnson_j_r": "J. Rosamond Johnson",
    "joplin": "Scott Joplin",
    "josquin": "Josquin des Prez",
    "liliuokalani": "Liliʻuokalani",
    "luca": "Gaffurius (Luca)",
    "lusitano": "Vicente Lusitano",
    "monteverdi": "Claudio Monteverdi",
    "mozart": "Wolfgang Amadeus Mozart",
    "palestrina": "Giovanni Pierluigi da Palestrina",
    "schoenberg": "Arnold Schoenberg",
    "schubert": "Franz Schubert",
    "schumann_clara": "Clara Schumann",
    "schumann_robert": "Robert Schumann",
    "verdi": "Giuseppe Verdi",
    "weber": "Carl Maria von Weber",
    "webern": "Anton Webern",
}


@dataclass(frozen=True)
class WorkItem:
    """One piece to read: where it comes from and what the worker needs to read it."""

    key: str
    """Unique and stable across runs: source plus path (plus tune number); the piece id is derived from it."""
    source: str
    kind: str  # "file" | "abc" | "jsb" | "pop909"
    path: str
    collection: str
    tune_ref: str | None = None
    text: str | None = None
    grid: tuple | None = None
    jsb_split: str | None = None
    hints: dict = field(default_factory=dict)

    @property
    def piece_id(self) -> str:
        return piece_id_of(self.key, self.source)


def piece_id_of(key: str, source: str) -> str:
    """``<source slug>-<12 hex digits of the key's hash>``: stable across runs and machines."""
    return f"{source_slug(source)}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:12]}"


def source_slug(source: str) -> str:
    """A file-name-safe short name of a source (``music21:bach`` -> ``bach``, a folder -> its name)."""
    if source.startswith("music21:"):
        name = source.split(":", 1)[1]
    elif source.startswith("folder:"):
        name = Path(source.split(":", 1)[1]).name or "folder"
    else:
        name = source
    return re.sub(r"[^A-Za-z0-9_.]+", "-", name).strip("-").lower() or "source"


def music21_corpus_root() -> Path:
    """The folder of music21's bundled corpus."""
    # music21 takes ~0.3 s to import: only when its bundled corpus is read
    import music21.corpus

    return Path(music21.corpus.__file__).resolve().parent


def music21_collections() -> list[str]:
    """The names of music21's bundled collections (its corpus sub-folders), sorted."""
    root = music21_corpus_root()
    return sorted(p.name for p in root.iterdir() if p.is_dir() and p.name not in MUSIC21_SKIP)


def resolve_sources(specs: list[str]) -> list[str]:
    """Canonical source names for the ``--source`` values; an unknown one raises ValueError naming it."""
    if not specs:
        raise ValueError("no source given: name at least one (music21:bach, jsb, pop909 or a folder)")
    out: list[str] = []
    for spec in specs:
        spec = spec.strip()
        if spec.startswith("music21:"):
            name = spec.split(":", 1)[1]
            available = music21_collections()
            if name in ("all", "*", ""):
                names = available
            else:
                name = MUSIC21_ALIASES.get(name.lower(), name)
                matches = [a for a in available if a.lower() == name.lower()]
                if not matches:
                    raise ValueError(
                        f"unknown music21 collection '{spec}': choose one of {', '.join(available)} "
                        f"(or the aliases {', '.join(sorted(MUSIC21_ALIASES))}, or music21:all)"
                    )
                names = matches
            out.extend(f"music21:{n}" for n in names)
        elif spec in ("jsb", "pop909"):
            root = shared_data_dir(required=True)
            if not (root / spec).exists():
                raise FileNotFoundError(f"source '{spec}': {root / spec} does not exist")
            out.append(spec)
        else:
            path = Path(spec.removeprefix("folder:")).expanduser()
            if not path.is_dir():
                raise ValueError(
                    f"unknown source '{spec}': not a folder, and not one of music21:NAME, music21:all, jsb, "
                    "pop909"
                )
            out.append(f"folder:{path.resolve()}")
    seen: set[str] = set()
    return [s for s in out if not (s in seen or seen.add(s))]


def iter_items(source: str, ignored: dict[str, int] | None = None) -> list[WorkItem]:
    """The work items of one canonical source; files skipped as non-scores are counted in ``ignored``."""
    ignored = ignored if ignored is not None else {}
    if source == "jsb":
        return _jsb_items()
    if source == "pop909":
        return _pop909_items()
    if source.startswith("music21:"):
        name = source.split(":", 1)[1]
        root = music21_corpus_root()
        return _folder_items(source, root / name, root, ignored, music21_name=name)
    folder = Path(source.split(":", 1)[1])
    return _folder_items(source, folder, folder, ignored)


def _analysis_refs(files: list[Path]) -> dict[str, tuple[str, str | None]]:
    """Roman-numeral analyses (``.rntxt``): (path, title) by the stem or BWV number of the score they
    analyse."""
    refs: dict[str, str] = {}
    for f in files:
        if f.suffix.lower() not in ANALYSIS_SUFFIXES:
            continue
        try:
            head = f.read_text(encoding="utf-8", errors="replace")[:2000]
        except OSError:
            continue
        title = re.search(r"^Title:\s*(.+)$", head, re.MULTILINE)
        ref = (str(f), title.group(1).strip() if title else None)
        refs[f.stem] = ref
        m = re.search(r"^BWV:\s*([\d.]+)", head, re.MULTILINE)
        if m:
            refs.setdefault(f"bwv{m.group(1).rstrip('.')}", ref)
    return refs


FOLDER_LINK = "link to a folder (not followed)"
"""The key under which a folder source's links to folders are counted among the ignored files."""


def _broken_link(path: Path) -> bool:
    """A symbolic link whose target does not exist or leads back to itself."""
    try:
        return path.is_symlink() and not path.exists()
    except OSError:  # a loop, on Pythons whose exists() raises for it
        return True


def _folder_items(
    source: str, folder: Path, root: Path, ignored: dict[str, int], music21_name: str | None = None
) -> list[WorkItem]:
    # a link that leads nowhere (dangling, or a loop) is kept: it is read, refused and counted among the
    # rejects, not skipped unseen
    found = [p for p in folder.rglob("*") if not p.name.startswith(".")]
    files = sorted(p for p in found if p.is_file() or _broken_link(p))
    # a link to a folder is not followed (it may lead back up: a loop, or the same files twice); it is
    # counted, so that a linked folder of music is not skipped unseen
    folder_links = sum(1 for p in found if p.is_symlink() and p.is_dir())
    if folder_links:
        ignored[FOLDER_LINK] = ignored.get(FOLDER_LINK, 0) + folder_links
    refs = _analysis_refs(files)
    items: list[WorkItem] = []
    for f in files:
        suffix = f.suffix.lower()
        if suffix in ANALYSIS_SUFFIXES:
            continue
        if suffix not in SCORE_SUFFIXES:
            ignored[suffix or "(no suffix)"] = ignored.get(suffix or "(no suffix)", 0) + 1
            continue
        rel = f.relative_to(root).as_posix()
        collection = (
            str(Path(rel).parent.as_posix()) if music21_name else (f.parent.relative_to(root).as_posix())
        )
        if collection == ".":
            collection = folder.name
        hints: dict = {}
        if music21_name:
            hints["composer"] = MUSIC21_COMPOSERS.get(music21_name.split("/")[0])
            hints["folk"] = music21_name in FOLK_COLLECTIONS
        stem = re.sub(r"-[a-z]+$", "", f.stem)
        ref = refs.get(f.stem) or refs.get(stem)
        if ref:
            hints["analysis_ref"], hints["analysis_title"] = ref
        if suffix == ".abc" and f.stat().st_size <= MAX_FILE_BYTES:
            text = f.read_bytes().decode("utf-8", errors="replace")
            tunes = list(iter_abc_tunes(text))
            if tunes:
                for i, (x, tune) in enumerate(tunes):
                    items.append(
                        WorkItem(
                            f"{source}:{rel}#{i + 1}", source, "abc", str(f), collection, x, tune, hints=hints
                        )
                    )
                continue
        items.append(WorkItem(f"{source}:{rel}", source, "file", str(f), collection, hints=hints))
    return items


JSB_SPLITS = ("train", "valid", "test")
"""The splits of the JSB file: Music Transformer's and Coconet's standard split (229 / 76 / 77), kept as
given."""
JSB_VOICES = ("Soprano", "Alto", "Tenor", "Bass")
"""The voices of a JSB step, in the file's order."""
JSB_STEPS_PER_QUARTER = 4
"""The JSB grid is in 16th notes."""


class JSBError(ValueError):
    """The JSB file or a chorale in it is not in the expected form."""


def jsb_path() -> Path:
    """``jsb/Jsb16thSeparated.json`` in the reference data folder (FileNotFoundError when there is none)."""
    return shared_data_dir(required=True) / "jsb" / "Jsb16thSeparated.json"


def read_jsb(path: str | Path | None = None) -> dict[str, list[np.ndarray]]:
    """Read the JSB chorales (:func:`jsb_path` by default): ``{"train"|"valid"|"test": [int array (steps, 4)
    of MIDI pitch or -1]}``, every chorale checked.

    The one reader of the format (Coconet's ``Jsb16thSeparated.json``, the data of Music Transformer's JSB
    setting): the corpus builder reads it here, and so do the JSB tokens (:mod:`partita.tokens.jsb`).
    Raises FileNotFoundError for a missing file and :class:`JSBError` (a ValueError) for one in another form.
    """
    path = Path(path) if path is not None else jsb_path()
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: JSB chorales file not found") from None
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise JSBError(f"{path}: not a readable JSON file: {e}") from e
    if not isinstance(raw, dict) or not all(s in raw for s in JSB_SPLITS):
        raise JSBError(f"{path}: expected the keys {', '.join(JSB_SPLITS)}")
    out: dict[str, list[np.ndarray]] = {}
    for split in JSB_SPLITS:
        pieces = []
        for n, piece in enumerate(raw[split]):
            try:
                arr = np.asarray(piece, dtype=np.int64)
            except (TypeError, ValueError) as e:
                raise JSBError(f"{path}: {split}[{n}] is not a grid of pitches: {e}") from e
            if arr.ndim != 2 or arr.shape[1] != len(JSB_VOICES) or ((arr < -1) | (arr > 127)).any():
                raise JSBError(f"{path}: {split}[{n}] is not a (steps, 4) grid of MIDI pitches or -1")
            pieces.append(arr)
        out[split] = pieces
    return out


def load_jsb() -> dict[str, list]:
    """The JSB chorales as :func:`read_jsb` reads them, each chorale a list of 16th steps (lists of 4
    pitches)."""
    return {split: [grid.tolist() for grid in grids] for split, grids in read_jsb().items()}


def _jsb_items() -> list[WorkItem]:
    data = read_jsb()
    items = []
    for split in JSB_SPLITS:
        for i, steps in enumerate(data[split]):
            grid = tuple(tuple(step) for step in steps.tolist())
            key = f"jsb:{split}/{i:03d}"
            items.append(
                WorkItem(
                    key,
                    "jsb",
                    "jsb",
                    str(jsb_path()),
                    f"jsb/{split}",
                    f"{split}/{i:03d}",
                    grid=grid,
                    jsb_split=split,
                )
            )
    return items


def _pop909_items() -> list[WorkItem]:
    root = shared_data_dir(required=True) / "pop909"
    items = []
    for d in sorted(p for p in root.iterdir() if p.is_dir() and re.fullmatch(r"\d{3}", p.name)):
        items.append(
            WorkItem(f"pop909:{d.name}", "pop909", "pop909", str(d / f"{d.name}.mid"), "pop909", d.name)
        )
    return items
