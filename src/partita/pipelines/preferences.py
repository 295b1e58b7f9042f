"""Preference pairs as token sequences for DPO (``partita tune``): each stored choice scored under the
condition prefix that sampling builds for its prompt (:func:`condition_prefix`), so that the tuned model
learns what was preferred for that request. Ratings of one prompt become pairs (the higher-rated piece over
the lower, a gap of at least one point); ties are left out. :func:`read_preference_file` reads pairs judged
elsewhere (a JSON or CSV file of piece A, piece B and the winner or reward scores) for ``partita prefs
import``.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

logger = logging.getLogger(__name__)


def condition_prefix(generator, prompt: str, conditions: dict | None = None, **options) -> list[int]:
    """The condition prefix ``generator`` samples ``prompt`` from (its stand-in instruments included), as
    :func:`partita.generation.candidates.planned_prefix` builds it for sampling. ``conditions`` (a request's
    ``conditions.to_dict()``, as the studio stores it) or ``options`` (as ``Generator.request`` takes them)
    stand for the form's controls."""
    from partita.generation.candidates import planned_prefix
    from partita.tokens.conditions import Conditions

    request = generator.request(prompt, **options)
    if conditions:
        request.conditions = Conditions.from_dict(conditions)
    return planned_prefix(generator.model, generator.tokenizer, request, generator.config)[1]


def piece_tokens(generator, score) -> list[int]:
    """The music tokens of ``score`` as the generator's tokenizer writes them, EOS last."""
    return [*generator.tokenizer.encode_music(score), int(generator.tokenizer.eos_id)]


def preference_pairs(generator, prefs: Sequence, min_gap: float = 1.0) -> list:
    """:class:`~partita.training.dpo.TokenPair`\\ s of stored preferences: each decided pair, and each two
    ratings of one prompt at least ``min_gap`` apart (higher over lower)."""
    from partita.training.dpo import TokenPair

    prefixes: dict[str, list[int]] = {}
    tokens: dict[bytes, list[int]] = {}

    def prefix(pref) -> list[int]:
        conditions = pref.meta.get("conditions") or None
        key = json.dumps([pref.prompt, conditions], sort_keys=True)
        if key not in prefixes:
            prefixes[key] = condition_prefix(generator, pref.prompt, conditions)
        return prefixes[key]

    def music(midi: bytes) -> list[int] | None:
        """The piece's tokens; None for a stored piece that does not read or is past the score limits (a
        store written before pieces were checked at import may hold one: its pairs are skipped)."""
        if midi not in tokens:
            from symusic import Score

            from partita.score import check_limits

            try:
                score = Score.from_midi(midi)
                check_limits(score, "a stored piece")
                tokens[midi] = piece_tokens(generator, score)
            except Exception as e:  # symusic and the limits raise assorted errors on a bad piece: skip it
                logger.warning("a stored piece skipped (%s: %s)", type(e).__name__, e)
                tokens[midi] = None
        return tokens[midi]

    def pair(prefix_ids: list[int], good: bytes, bad: bytes) -> None:
        a, b = music(good), music(bad)
        if a is not None and b is not None:
            out.append(TokenPair(prefix_ids, a, b))

    out: list = []
    rated: dict[str, list] = defaultdict(list)
    for p in prefs:
        if p.kind == "rating":
            rated[json.dumps([p.prompt, p.meta.get("conditions")], sort_keys=True)].append(p)
        elif p.winner in ("a", "b"):
            good, bad = (p.piece_a, p.piece_b) if p.winner == "a" else (p.piece_b, p.piece_a)
            pair(prefix(p), good, bad)
    for items in rated.values():
        for i, x in enumerate(items):
            for y in items[i + 1 :]:
                if abs(x.rating - y.rating) >= min_gap:
                    good, bad = (x, y) if x.rating > y.rating else (y, x)
                    pair(prefix(good), good.piece_a, bad.piece_a)
    return out


PAIR_FIELDS = ("prompt", "a", "b", "winner", "score_a", "score_b", "rater")
"""The fields of a row of a file of pairs (:func:`read_preference_file`)."""
MAX_BAD_SHOWN = 5


def read_preference_file(
    path: str | Path,
    model: str,
    version: str,
    rater: str | None = None,
    skip_bad: bool = False,
) -> tuple[list, list[str]]:
    """The preferences in a file of pairs (JSON: a list of objects or ``{"pairs": [...]}``; JSON Lines; or
    CSV with a header), ready for :func:`partita.training.preferences.add_preferences`, and the bad rows'
    messages (only with ``skip_bad``; otherwise any bad row refuses the file in one sentence naming it).

    Each row has ``prompt``, the two pieces ``a`` and ``b`` (score files: MIDI, MusicXML, ABC or Humdrum;
    paths relative to the file's folder) and who won: ``winner`` (``a``, ``b`` or ``tie``) or reward scores
    ``score_a`` and ``score_b`` (the higher wins; equal scores are a tie), or both when they agree; ``rater``
    optionally (default ``import:<file name>``). The pieces were made by the model ``model`` (its
    ``version``, :func:`partita.training.preferences.model_version`); the scores are kept in ``meta``."""
    path = Path(path)
    good, bad = [], []
    for where, row in _rows(path):
        try:
            good.append(_preference(row, path, model, version, rater or f"import:{path.name}"))
        except ValueError as e:
            bad.append(f"{where}: {e}")
    if bad and not skip_bad:
        more = f" (and {len(bad) - MAX_BAD_SHOWN} more bad rows)" if len(bad) > MAX_BAD_SHOWN else ""
        raise ValueError(f"{path}: nothing imported: " + "; ".join(bad[:MAX_BAD_SHOWN]) + more)
    if not good:
        raise ValueError(f"{path}: no pair to import" + (f" ({len(bad)} bad rows)" if bad else ""))
    return good, bad


def _rows(path: Path) -> list[tuple[str, dict]]:
    """(where, row) of each row of a JSON, JSON Lines or CSV file of pairs."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file of pairs") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: cannot be read as text ({e})") from None
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or not {"prompt", "a", "b"} <= {f.strip() for f in reader.fieldnames}:
            raise ValueError(f"{path}: a CSV of pairs needs a header with prompt, a, b and winner or scores")
        return [(f"{path.name} line {reader.line_num}", row) for row in reader]
    if path.suffix.lower() == ".jsonl":
        out = []
        for i, line in enumerate(text.splitlines(), 1):
            if line.strip():
                out.append((f"{path.name} line {i}", _json(line, f"{path} line {i}")))
        return out
    data = _json(text, str(path))
    if isinstance(data, dict) and isinstance(data.get("pairs"), list):
        data = data["pairs"]
    if not isinstance(data, list):
        raise ValueError(f'{path}: a JSON file of pairs is a list of objects, or {{"pairs": [...]}}')
    return [(f"{path.name} pair {i}", row) for i, row in enumerate(data, 1)]


def _json(text: str, where: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"{where}: not JSON ({e.msg}, line {e.lineno})") from None


def _preference(row, path: Path, model: str, version: str, rater: str):
    """One row as a pair :class:`~partita.training.preferences.Preference`; ValueError names what is wrong."""
    from partita.training.preferences import Preference

    if not isinstance(row, dict):
        raise ValueError("a row is an object with prompt, a, b and winner or score_a and score_b")
    row = {str(k).strip(): v for k, v in row.items() if k is not None}
    unknown = sorted(set(row) - set(PAIR_FIELDS))
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r} (the fields are {', '.join(PAIR_FIELDS)})")
    prompt = row.get("prompt")
    if not isinstance(prompt, str):
        raise ValueError("no prompt (give the text the pieces were made for)")
    pieces = [_piece(row.get(side), side, path) for side in ("a", "b")]
    if pieces[0][0] == pieces[1][0]:
        raise ValueError(f"a and b are the same file ({row['a']})")
    scores = [_score(row.get(f"score_{side}"), f"score_{side}") for side in ("a", "b")]
    winner = _winner(_blank(row.get("winner")), scores)
    meta = {"source": "import", "file": path.name, "pieces": [str(row["a"]), str(row["b"])]}
    if scores[0] is not None:
        meta["scores"] = scores
    pref = Preference(
        prompt.strip(),
        pieces[0][1],
        pieces[1][1],
        winner=winner,
        model=model,
        model_version=version,
        rater=str(_blank(row.get("rater")) or rater),
        meta=meta,
    )
    pref.check()
    return pref


def _winner(given, scores: list[float | None]) -> str:
    """The winner a row gives, or its scores say (the higher; equal: a tie); both must agree."""
    winner = None if given is None else str(given).strip().lower()
    if winner is not None and winner not in ("a", "b", "tie"):
        raise ValueError(f"winner {winner[:20]!r}: one of a, b, tie")
    if (scores[0] is None) != (scores[1] is None):
        raise ValueError("give both score_a and score_b, or neither")
    if scores[0] is not None:
        a, b = scores
        by_score = "a" if a > b else "b" if b > a else "tie"
        if winner is not None and winner != by_score:
            raise ValueError(f"winner {winner} but the scores say {by_score} ({a:g} against {b:g})")
        winner = by_score
    if winner is None:
        raise ValueError("no winner: give winner (a, b or tie) or score_a and score_b")
    return winner


def _blank(value):
    return None if value is None or (isinstance(value, str) and not value.strip()) else value


def _piece(value, side: str, path: Path) -> tuple[Path, bytes]:
    """The piece file a row names (relative to the file of pairs' folder), read and written as MIDI."""
    from partita.score import ScoreError, check_limits, read_score

    if not isinstance(_blank(value), str):
        raise ValueError(f"no piece {side} (give the path of a MIDI, MusicXML or ABC file)")
    file = (path.parent / value.strip()).resolve()
    if not file.is_file():
        raise ValueError(f"piece {side}: no file {value.strip()}")
    try:
        score = read_score(file)
        check_limits(score, file)  # 0 ticks per quarter note, a note of days: `tune` could not tokenize it
    except (ScoreError, OSError) as e:
        raise ValueError(f"piece {side}: {value.strip()} does not read as a score ({e})") from None
    if not score.note_num():
        raise ValueError(f"piece {side}: {value.strip()} has no notes")
    return file, score.dumps_midi()


def _score(value, name: str) -> float | None:
    value = _blank(value)
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} {str(value)[:20]!r} is not a number") from None
    if not math.isfinite(out):
        raise ValueError(f"{name} must be a finite number")
    return out


def anchor_pieces(generator, folder: str | Path, prompt: str = "") -> list[tuple[list[int], list[int]]]:
    """The real pieces of ``folder`` (MIDI, MusicXML, ABC or Humdrum files, sub-folders included, in name
    order) as ``(prefix, tokens)`` for :func:`partita.training.dpo.tune_dpo`'s ``anchor``: each piece's
    music tokens (EOS last) under the condition prefix sampling builds for ``prompt`` (none: the bare
    prefix). A file that does not read or has no notes is skipped with a warning; none left is one
    ValueError."""
    from partita.training.concept import read_references

    root = Path(folder).expanduser()
    if not root.is_dir():
        raise ValueError(f"{root}: no such folder of real pieces to anchor on")
    try:
        scores, _ = read_references(root, limit=10**6)
    except ValueError:
        raise ValueError(
            f"{root}: no real piece to anchor on (MIDI, MusicXML, ABC or Humdrum files with notes)"
        ) from None
    from partita.score import ScoreError, check_limits

    prefix, out = condition_prefix(generator, prompt), []
    for name, score in scores:
        try:
            check_limits(score, name)  # a piece the tokenizer could not take (0 ticks a quarter, ...)
        except ScoreError as e:
            logger.warning("anchor piece skipped: %s", e)
            continue
        out.append((list(prefix), piece_tokens(generator, score)))
    if not out:
        raise ValueError(f"{root}: none of its pieces is within the score limits to anchor on")
    return out
