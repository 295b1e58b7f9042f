"""What every view of the studio shares: the loaded model, the limits, the work folder, the corpora root.

A view is an object with a ``name``, a ``title`` and ``build(studio)``, which adds its components and events
to the Blocks being built (inside its own tab) and names its API endpoints with ``api_name=``. Later views
(continuation, arrangement, search, dialogue) are added by writing a module with such an object and listing it
in :data:`partita.web.app.DEFAULT_VIEWS` (or passing ``views=`` to :func:`partita.web.build_app`).

Every event handler goes through :meth:`Studio.guard`, which turns bad input into a message on the page and in
the API's answer (``gradio.Error``), and any other failure into one line naming the view, never a traceback.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from partita.score import ScoreError
from partita.web.limits import Deadline, Limits, UserError, WorkDir

log = logging.getLogger(__name__)

STRENGTH_RANGE = (0.0, 1.5)
"""The concept strengths a request may ask for (0: the base model, 1: the concept as learned)."""
MAX_STRENGTH_COPIES = 4
"""Concepts applied at a strength a request asked for, kept for the next request (each a copy of the
network: about 36 MB for partita-small); the oldest goes first."""


class View(Protocol):
    """One tab of the studio, with its endpoints."""

    name: str
    title: str

    def build(self, studio: Studio) -> None: ...


@dataclass
class Studio:
    """The shared state of one app (nothing is kept at module level: two apps never share anything)."""

    model: Any
    """The :class:`partita.Generator` every request shares (loaded once)."""
    model_name: str
    limits: Limits
    work: WorkDir
    corpora_root: Path
    deadline: Deadline | None = None
    concepts: dict[str, Any] = field(default_factory=dict)
    """Generators each carrying one learned concept (``partita serve --concept``, several allowed), by the
    concept's name; Compose and Co-create pick one per request (:meth:`generator`)."""
    _analysis_slots: threading.BoundedSemaphore = field(init=False, repr=False)
    _concept_deadlines: dict[str, Deadline] = field(init=False, repr=False, default_factory=dict)
    _strength_copies: dict[tuple[str, float], tuple[Any, Deadline]] = field(
        init=False, repr=False, default_factory=dict
    )
    _strength_lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._analysis_slots = threading.BoundedSemaphore(self.limits.analysis_concurrency)
        if self.deadline is None:
            self.deadline = Deadline(getattr(self.model, "model", self.model))  # the network's forward passes
        for name, generator in self.concepts.items():  # each concept's copy of the network has its own hook
            self._concept_deadlines[name] = Deadline(getattr(generator, "model", generator))

    def close(self) -> None:
        """Remove the work folder and the models' time-limit hooks."""
        copies = [d for _, d in self._strength_copies.values()]
        for deadline in [self.deadline, *self._concept_deadlines.values(), *copies]:
            if deadline is not None:
                deadline.remove()
        self.work.close()

    def generator(self, concept: str | None = None, strength: float | None = None) -> tuple[Any, Deadline]:
        """The generator a request samples with and its time limit: the base model's (``concept`` None), or
        the one carrying the concept named ``concept`` at ``strength`` (None: the strength the server applied
        it at, :meth:`concept_strength`; 0: a copy of the base model, which samples the base model's pieces
        seed for seed); a name this server was not started with is refused."""
        if not concept:
            return self.model, self.deadline
        if concept not in self.concepts:
            have = ", ".join(f"<{n}>" for n in self.concepts)
            raise UserError(
                f"concept <{concept}>: this server has "
                + (f"the concepts {have}" if have else "no concepts (partita serve --concept DIR)")
            )
        if strength is None or float(strength) == self.concept_strength(concept):
            return self.concepts[concept], self._concept_deadlines[concept]
        return self._at_strength(concept, float(strength))

    def concept_strength(self, concept: str) -> float:
        """The strength the server applied the concept ``concept`` at (``partita serve --concept-strength``,
        else the concept's own)."""
        generator = self.concepts[concept]
        card = getattr(getattr(generator, "model", None), "card", None) or {}
        if card.get("concept_strength") is not None:
            return float(card["concept_strength"])
        learned = getattr(generator, "learned_concept", None)
        return float(learned.config.strength) if learned is not None else 1.0

    def _at_strength(self, concept: str, strength: float) -> tuple[Any, Deadline]:
        """The concept applied at ``strength`` to the base model (a copy kept for the next requests, at most
        :data:`MAX_STRENGTH_COPIES`)."""
        low, high = STRENGTH_RANGE
        if not low <= strength <= high:
            raise UserError(f"concept strength {strength:g}: choose {low:g} (the base model) to {high:g}")
        key = (concept, round(strength, 3))
        with self._strength_lock:
            if key in self._strength_copies:
                self._strength_copies[key] = self._strength_copies.pop(key)  # the newest now
                return self._strength_copies[key]
            learned = getattr(self.concepts[concept], "learned_concept", None)
            if learned is None:
                raise UserError(f"concept <{concept}>: this server applies it at one strength only")
            generator = self.model.with_concept(learned, strength)
            self._strength_copies[key] = (generator, Deadline(generator.model))
            while len(self._strength_copies) > MAX_STRENGTH_COPIES:
                # the copy goes with its last request (its time-limit hook with it)
                self._strength_copies.pop(next(iter(self._strength_copies)))
            return self._strength_copies[key]

    def guard(self, view: str, fn: Callable) -> Callable:
        """``fn`` with its failures turned into messages for the person (``gradio.Error``), never
        tracebacks. The message stays on the page until the person closes it (a toast that faded in 10 s
        left only bare "Error" badges behind)."""
        # gradio takes ~3 s to import and is optional (the web extra): only on use
        import gradio as gr

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except gr.Error:
                raise
            except (UserError, ScoreError) as e:
                raise gr.Error(str(e), duration=None, print_exception=False) from None
            except (ValueError, KeyError, FileNotFoundError) as e:
                # the library's bad-input errors name the problem; KeyError's str() adds quotes
                text = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
                raise gr.Error(str(text), duration=None, print_exception=False) from None
            except Exception:
                log.exception("%s failed", view)
                raise gr.Error(
                    f"{view}: something went wrong on the server (it is logged); try again or change the "
                    "request",
                    duration=None,
                    print_exception=False,
                ) from None

        return wrapper

    def bounded(self, seconds: float, fn: Callable, *args, **kwargs):
        """Run ``fn`` in a worker thread and answer within ``seconds``; analysis slots bound the threads.

        A call that runs past its time keeps its slot until it finishes, so slow work cannot pile up: new
        requests wait for a slot (and are told so once their own time has run out).
        """
        if not self._analysis_slots.acquire(timeout=seconds):
            raise UserError("the server is busy analysing other pieces; try again in a minute")
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["value"] = fn(*args, **kwargs)
            except BaseException as e:  # handed to the caller below
                box["error"] = e
            finally:
                self._analysis_slots.release()

        worker = threading.Thread(target=run, name="partita-studio-analysis", daemon=True)
        worker.start()
        worker.join(seconds)
        if worker.is_alive():
            raise UserError(
                f"the analysis took longer than the {seconds:g} s limit of this server; try a shorter piece"
            )
        if "error" in box:
            raise box["error"]
        return box["value"]


def corpus_names(root: Path) -> list[str]:
    """The corpora built under ``root`` (folders holding a ``manifest.parquet``), by name."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "manifest.parquet").is_file())


def safe_name(text: str, fallback: str = "piece") -> str:
    """A file-name stem made of ``text``'s letters, digits and dashes (never a path)."""
    out = "".join(ch if ch.isalnum() else "-" for ch in str(text))[:48].strip("-")
    while "--" in out:
        out = out.replace("--", "-")
    return out or fallback


def gradio_env() -> None:
    """Switch off Gradio's outbound look-ups (analytics, version check) before gradio is imported."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
