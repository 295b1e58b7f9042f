"""XMusic's Selector: score generated candidates by control adherence and a learned critic, and rank them.

A :class:`Selector` gives each candidate named scores in ``[0, 1]``, higher is better:

- ``adherence``: the mean of its control-adherence scores
  (:func:`partita.evaluation.adherence.piece_adherence` for the request's key, tempo, meter, instruments and
  chords; the ``*_relative_error`` entries are errors, not scores, and are left out of the mean);
- ``style``: the classifier's probability that the piece is in the requested style (only when the request
  names a style the classifier knows);
- ``quality``: the classifier's probability that the piece is real music rather than a degraded sequence;
- ``realism``: the realism critic's probability that the piece is a real one of the requested style rather
  than the model's (:mod:`partita.evaluation.realism_critic`; only for a style it was fitted for);

and a ``combined`` score, the **weighted mean of the scores that exist**::

    combined = sum(w[k] * score[k] for k present) / sum(w[k] for k present)

with ``weights`` defaulting to :data:`DEFAULT_WEIGHTS` (adherence 0.5, style 0.3, quality 0.2). Dividing by
the weights present keeps a candidate's combined score on the same 0-1 scale whether or not the request names
a style; within one :meth:`Selector.rank` call every candidate has the same scores present (a silent candidate
gets 0.0 for each score that applies, and a score one candidate lacks while others have it counts as 0.0), so
the ranking is the plain weighted sum's. Without a classifier (``Selector()`` or
``Selector.from_pretrained(None)``) the Selector ranks by adherence alone, which is what ``partita generate``
did before it had a classifier.

The classifier reads a Score through its own tokenizer (saved beside it in ``tokenizer/``), so it does not
depend on the generator's vocabulary.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from partita.evaluation.adherence import candidate_adherence, requests_controls
from partita.evaluation.realism_critic import RealismCritic, load_critic
from partita.generation.candidates import adherence_mean
from partita.generation.config import SELECTOR_SCORES, GenerationConfig
from partita.models.style_classifier import StyleClassifier, classifier_ids
from partita.score import Score

log = logging.getLogger(__name__)

DEFAULT_WEIGHTS: dict[str, float] = dict.fromkeys(SELECTOR_SCORES, 0.0) | GenerationConfig().selector_weights
"""The weights of a model folder without a ``generation_config.json`` (its ``selector_weights`` otherwise;
0 for a score they leave out)."""
SCORES = SELECTOR_SCORES


@dataclass
class Selector:
    """Scores and ranks candidates; see the module doc for the scores and how they combine."""

    classifier: StyleClassifier | None = None
    tokenizer: Any = None
    """The :class:`~partita.tokens.MiditokTokenizer` the classifier was trained with (needed to score a
    Score)."""
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    max_windows: int = 8
    """Windows of a long piece the classifier reads (evenly spread) before averaging."""
    source: str | None = None
    """Where the classifier was loaded from (for reports)."""
    note: str | None = None
    """Why this Selector is not the one asked for (e.g. the model's classifier did not load), or None."""
    as_sampled: bool = False
    """The classifier reads a candidate as the model sampled it (:attr:`Candidate.sampled`: before stand-in
    programs and voices were written back as the instruments asked for), not as written."""
    style_weights: dict[str, dict[str, float]] = field(default_factory=dict)
    """Weights for the requests of a style in place of :attr:`weights` (``GenerationConfig.
    style_selector_weights``)."""
    critic: RealismCritic | None = None
    """The realism critic saved beside the classifier (``realism_critic.json``), or None."""

    def __post_init__(self) -> None:
        self.weights = _checked_weights(self.weights)
        self.style_weights = {style: _checked_weights(w) for style, w in self.style_weights.items()}
        if self.tokenizer is None and self.classifier is not None:
            self.tokenizer = self.classifier.tokenizer

    @classmethod
    def from_pretrained(
        cls, path: str | Path | None, weights: dict[str, float] | None = None, max_windows: int = 8
    ) -> Selector:
        """A Selector with the classifier saved in ``path`` (``"debug"``: a tiny untrained one), or adherence
        only."""
        kw: dict[str, Any] = {"max_windows": max_windows}
        if weights is not None:
            kw["weights"] = weights
        if path is None:
            return cls(**kw)
        classifier = StyleClassifier.from_pretrained(path)
        if str(path) != "debug" and classifier.tokenizer is None:
            log.warning("%s: no tokenizer/ beside the classifier: only token ids can be scored", path)
        critic = None if str(path) == "debug" else load_critic(path)
        return cls(classifier=classifier, source=str(path), critic=critic, **kw)

    @property
    def labels(self) -> list[str]:
        """The styles the classifier knows (empty without one)."""
        return self.classifier.labels if self.classifier is not None else []

    # --- scoring ----------------------------------------------------------------------------------------
    def _music_ids(self, item: Any) -> np.ndarray:
        """The music token ids of a Score or of a token sequence (its condition prefix removed), as the
        classifier reads them (:func:`~partita.models.style_classifier.classifier_ids`: its trainer reads
        its pieces the same way)."""
        ids = self._encoded(item)
        config = getattr(self.classifier, "config", None)  # None: no classifier, or a stand-in without one
        return ids if config is None else classifier_ids(config, ids, self.tokenizer)

    def _encoded(self, item: Any) -> np.ndarray:
        if isinstance(item, Score):
            if self.tokenizer is None:
                raise ValueError(
                    "the Selector's classifier has no tokenizer, so it cannot read a Score: "
                    "load it from a folder "
                    "with tokenizer/ (as `partita selector train` writes), or pass token ids"
                )
            try:
                return np.asarray(self.tokenizer.encode_music(item), dtype=np.int64)
            except Exception as e:  # miditok raises assorted errors; an unreadable piece scores as silent
                log.warning(
                    "the Selector's tokenizer could not encode a candidate (%s: %s)", type(e).__name__, e
                )
                return np.zeros(0, dtype=np.int64)
        ids = [int(i) for i in np.asarray(item).reshape(-1)]
        if self.tokenizer is not None:
            return np.asarray(self.tokenizer.split(ids)[1], dtype=np.int64)
        return np.asarray(ids, dtype=np.int64)  # the classifier drops condition and special ids itself

    def _as_score(self, item: Any) -> Score | None:
        if isinstance(item, Score):
            return item
        if self.tokenizer is None:
            return None
        try:
            return self.tokenizer.decode([int(i) for i in np.asarray(item).reshape(-1)])
        except ValueError as e:  # tokens that do not decode cannot be measured: no adherence, said once
            log.info("candidate tokens do not decode, so adherence is not measured: %s", e)
            return None

    def _adherence(self, score: Score | None, request: Any) -> dict[str, float] | None:
        return None if score is None else candidate_adherence(request, score)

    def score(
        self, score_or_token_ids: Any, request: Any = None, adherence: dict[str, float] | None = None
    ) -> dict[str, float]:
        """Named scores of one candidate (see the module doc) and their ``combined`` weighted mean.

        ``score_or_token_ids`` is a ``symusic.Score``, a sequence of token ids of the classifier's tokenizer
        (with or without its condition prefix), or a :class:`~partita.generation.candidates.Candidate` (its
        score and its measured adherence are used). ``request`` is a
        :class:`~partita.generation.prompt.Request` (or None: no adherence, no style score); ``adherence``
        gives already measured adherence scores instead of measuring them again. A silent piece (no notes, or
        no music tokens) gets 0.0 for every score that applies.
        """
        item = score_or_token_ids
        heard = None  # what the classifier reads, where not the candidate as written
        if hasattr(item, "score") and hasattr(item, "adherence") and not isinstance(item, Score):
            adherence = item.adherence if adherence is None else adherence
            heard = getattr(item, "sampled", None) if self.as_sampled else None
            item = item.score
        if not isinstance(item, Score):
            try:
                np.asarray(item, dtype=np.int64)
            except (TypeError, ValueError):
                raise ValueError(
                    f"the Selector scores a Score, token ids or a Candidate, not {type(item).__name__}"
                ) from None
        score = self._as_score(item)
        silent = score is not None and not score.note_num()
        out: dict[str, float] = {}
        if request is not None and requests_controls(request):
            if silent:
                out["adherence"] = 0.0
            else:
                if adherence is None:
                    adherence = self._adherence(score, request)
                mean = adherence_mean(adherence) if adherence else None
                if mean is not None:
                    out["adherence"] = mean
        if self.classifier is not None:
            style = getattr(getattr(request, "conditions", None), "style", None)
            known = bool(style) and style in self.labels
            if style and not known:
                log.info(
                    "the classifier does not know the style %r (it knows %s)", style, ", ".join(self.labels)
                )
            ids = self._music_ids(item if heard is None else heard)
            pred = {"tokens": 0} if silent else self.classifier.predict(ids, self.max_windows)
            if pred["tokens"]:
                out["quality"] = pred["quality"]
                if known:
                    out["style"] = pred["style"][style]
            else:  # nothing to hear: the worst there is
                out["quality"] = 0.0
                if known:
                    out["style"] = 0.0
        realism = self._realism(score, request)
        if realism is not None:
            out["realism"] = realism
        out["combined"] = self.combine(out, self.weights_for(request))
        return out

    def _realism(self, score: Score | None, request: Any) -> float | None:
        """The critic's score of the candidate as written, where the request's style has a critic and its
        weight is above 0 (reading the features costs time)."""
        style = getattr(getattr(request, "conditions", None), "style", None)
        if self.critic is None or score is None or not self.critic.knows(style):
            return None
        if self.weights_for(request).get("realism", 0.0) <= 0:
            return None
        return self.critic.score(score, style)

    def ranks_realism(self, style: str | None) -> bool:
        """Whether this Selector ranks pieces of ``style`` by its realism critic: the critic knows the style
        and the style's weights ask for it (what choosing among more candidates is for)."""
        if self.critic is None or not self.critic.knows(style):
            return False
        return self.style_weights.get(style or "", self.weights).get("realism", 0.0) > 0

    def weights_for(self, request: Any = None) -> dict[str, float]:
        """The weights for ``request``: its style's in :attr:`style_weights`, else :attr:`weights`."""
        style = getattr(getattr(request, "conditions", None), "style", None)
        return self.style_weights.get(style or "", self.weights)

    def combine(self, scores: dict[str, float], weights: dict[str, float] | None = None) -> float:
        """The weighted mean of the scores present under ``weights`` (None: :attr:`weights`; 0.0 when none
        is present, or all their weights are 0)."""
        weights = self.weights if weights is None else weights
        present = [k for k in SCORES if k in scores and weights[k] > 0]
        total = sum(weights[k] for k in present)
        return sum(weights[k] * float(scores[k]) for k in present) / total if total else 0.0

    def rank(self, candidates: Sequence[Any], request: Any = None) -> list[tuple[Any, dict[str, float]]]:
        """``(candidate, scores)`` pairs, best ``combined`` first (ties keep the given order).

        A score that some candidates have and another lacks (its tokens did not decode, so its adherence could
        not be measured) counts as 0.0 for that one, so that every combined score averages the same scores.
        """
        scored = [(cand, self.score(cand, request)) for cand in candidates]
        names = {k for _, s in scored for k in s if k in SCORES}
        for _, s in scored:
            missing = names - set(s)
            if missing:
                s.update(dict.fromkeys(sorted(missing), 0.0))
                s["combined"] = self.combine(s, self.weights_for(request))
        order = sorted(range(len(scored)), key=lambda i: -scored[i][1]["combined"])
        return [scored[i] for i in order]

    def describe(self) -> dict[str, Any]:
        """What this Selector scores with (for ``generation.json``)."""
        out: dict[str, Any] = {"weights": dict(self.weights)}
        if self.style_weights:
            out["style_weights"] = {k: dict(w) for k, w in self.style_weights.items()}
        if self.classifier is None:
            out["kind"] = "adherence"
        else:
            out.update(kind="learned", classifier=self.source, labels=self.labels)
            metrics = (self.classifier.card.get("metrics") or {}).get("test") or {}
            out["classifier_test"] = {
                k: metrics[k] for k in ("style_macro_f1", "quality_auc") if k in metrics
            }
        if self.critic is not None:
            out["realism_critic"] = sorted(self.critic.styles)
        if self.note:
            out["note"] = self.note
        return out


SELECTOR_DIR = "selector"
"""The sub-folder of a model folder that holds the classifier shipped with the model."""


def choose_selector(
    selector: Selector | str | Path | None,
    shipped: str | Path | None = None,
    weights: dict[str, float] | None = None,
    max_windows: int = 8,
    style_weights: dict[str, dict[str, float]] | None = None,
) -> Selector | None:
    """The Selector that ``generate(selector=...)`` asks for, with ``weights`` (the model's
    ``GenerationConfig.selector_weights``; None: :data:`DEFAULT_WEIGHTS`) and ``style_weights`` (its
    ``style_selector_weights``: a style's weights in place of those).

    ``"auto"``: the classifier in ``shipped`` (the ``selector/`` sub-folder of the model's folder, which
    :meth:`partita.Generator.from_pretrained` finds), else adherence only; ``"adherence"``: adherence only;
    ``None`` or ``"none"``: no Selector (sampling order); a :class:`Selector` is used as given; any other
    string is the folder of a classifier.
    """
    if selector is None or isinstance(selector, Selector):
        return selector
    if not isinstance(selector, (str, Path)):
        raise ValueError(
            f"selector={selector!r}: use 'auto', 'adherence', None, a Selector or a classifier folder"
        )
    kw: dict[str, Any] = {
        "max_windows": max_windows,
        "weights": dict(weights or DEFAULT_WEIGHTS),
        "style_weights": dict(style_weights or {}),
    }
    choice = str(selector)
    if choice == "none":
        return None
    if choice == "adherence" or (choice == "auto" and not shipped):
        return Selector(**kw)
    if choice == "auto":
        try:
            stamp = Path(shipped) / "model.safetensors"
            cached = _shipped(str(shipped), stamp.stat().st_mtime_ns if stamp.is_file() else 0)
            return dataclasses.replace(cached, **kw)
        except (FileNotFoundError, ValueError) as e:  # a broken optional part: say so, rank by adherence
            log.warning("the model's selector could not be loaded, ranking by adherence only: %s", e)
            note = f"the model's selector could not be loaded ({e}): ranked by adherence only"
            return Selector(note=note, **kw)
    folder = Path(choice).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(
            f"selector {choice!r}: not 'auto', 'adherence' or 'none', and not a classifier folder"
        )
    chosen = Selector.from_pretrained(folder, weights=kw["weights"], max_windows=max_windows)
    return dataclasses.replace(chosen, style_weights=kw["style_weights"])


def _checked_weights(weights: dict[str, float]) -> dict[str, float]:
    """``weights`` for every score (0.0 where not given), or a ValueError naming what is wrong."""
    unknown = sorted(set(weights) - set(SCORES))
    if unknown:
        raise ValueError(f"Selector weights: unknown scores {unknown}; the scores are {', '.join(SCORES)}")
    bad = {k: v for k, v in weights.items() if not (isinstance(v, (int, float)) and v >= 0)}
    if bad:
        raise ValueError(f"Selector weights must be numbers >= 0, got {bad}")
    return {k: float(weights.get(k, 0.0)) for k in SCORES}


@functools.lru_cache(maxsize=4)
def _shipped(folder: str, stamp: int) -> Selector:
    """The Selector shipped with a model, loaded once per folder (and weights file version) per process."""
    return Selector.from_pretrained(folder)
