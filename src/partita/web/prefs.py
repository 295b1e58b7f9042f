"""Preferences in the Compose view: pick the better of two candidates, or rate one, and it is stored.

:func:`record_choice` and :func:`record_rating` are the work behind the buttons (and the ``/prefer`` and
``/rate`` endpoints): they read the candidates of the person's last Compose answer from the page's
server-side state (nothing a client sends is used as a path or as a piece), and store the choice with the
prompt, both pieces as MIDI bytes, and the model's name and version
(:mod:`partita.training.preferences`) in ``studio``'s preference store (``$PARTITA_DATA/preferences.db``
unless the studio names another). When the candidates were sampled with a learned concept (the Concept
menu), the choice keeps the concept's name, version and strength too, so that tuning the base model leaves
it out. Nothing leaves the machine.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from partita.training.preferences import (
    Preference,
    add_preference,
    concept_version,
    default_store,
    model_version,
)
from partita.web.limits import UserError
from partita.web.studio import Studio

log = logging.getLogger(__name__)

CHOICES = {"candidate 1": "a", "candidate 2": "b", "about the same": "tie"}
"""The buttons' answers as stored winners (candidate 1 is piece a, candidate 2 piece b)."""


def store_of(studio: Studio) -> Path:
    """The preference store of this studio: ``studio.prefs_store`` when set, else the default one."""
    return Path(getattr(studio, "prefs_store", None) or default_store())


def version_of(studio: Studio) -> str:
    """The model version of the studio's generator (hashed once per studio)."""
    cached = getattr(studio, "_prefs_version", None)
    if cached is None:
        cached = model_version(getattr(studio.model, "model", studio.model))
        studio._prefs_version = cached
    return cached


def concept_of_answer(studio: Studio, state: dict[str, Any] | None) -> dict[str, Any]:
    """The concept the last answer's candidates were sampled with, as :class:`Preference` stores it:
    ``concept`` (its name), ``concept_version`` and ``concept_strength``; empty without one."""
    name = (state or {}).get("concept")
    if not name:
        return {}
    generator = studio.concepts.get(name)
    if generator is None and getattr(studio.model, "concept", None) == name:
        generator = studio.model  # a server whose model carries the concept itself
    learned = getattr(generator, "learned_concept", None)
    if learned is None:
        raise UserError(f"the concept <{name}> of the last answer is not on this server now: generate again")
    versions = studio.__dict__.setdefault("_concept_versions", {})
    if name not in versions:
        versions[name] = concept_version(learned)
    strength = (state or {}).get("concept_strength")
    if strength is None:
        strength = studio.concept_strength(name) if name in studio.concepts else learned.config.strength
    return {"concept": name, "concept_version": versions[name], "concept_strength": float(strength)}


def _midi(view: dict[str, Any]) -> bytes:
    """The MIDI bytes of a candidate's view (its file, written by the studio itself)."""
    path = (view.get("paths") or {}).get("midi")
    if not path or not Path(path).is_file():
        raise UserError("this candidate's MIDI file is gone (the studio keeps files a while): generate again")
    return Path(path).read_bytes()


def _candidates(state: dict[str, Any] | None, needed: int) -> list[dict[str, Any]]:
    views = (state or {}).get("candidates") or []
    if len(views) < needed:
        raise UserError(
            "generate candidates first"
            if not views
            else f"this needs {needed} candidates and the last answer has {len(views)}: generate 2 or more"
        )
    return views


def record_choice(studio: Studio, state: dict[str, Any] | None, choice: str) -> str:
    """Store which of the first two candidates of the last answer (``state``) is better; return a line for
    the page. ``choice`` is one of :data:`CHOICES` (or ``"a"``, ``"b"``, ``"tie"``)."""
    winner = CHOICES.get(str(choice).strip().lower(), str(choice).strip().lower())
    if winner not in CHOICES.values():
        raise UserError(f"choice {str(choice)[:40]!r}: choose {', '.join(CHOICES)}")
    a, b = _candidates(state, 2)[:2]
    pref = Preference(
        prompt=str((state or {}).get("prompt", "")),
        piece_a=_midi(a),
        piece_b=_midi(b),
        winner=winner,
        model=studio.model_name,
        model_version=version_of(studio),
        meta=_meta(state, a, b),
        **concept_of_answer(studio, state),
    )
    pid = add_preference(store_of(studio), pref)
    said = {"a": "candidate 1", "b": "candidate 2", "tie": "neither (about the same)"}[winner]
    return f"Stored: {said} preferred (choice {pid}{_made_with(pref)}, kept on this machine only)."


def record_rating(studio: Studio, state: dict[str, Any] | None, candidate, rating) -> str:
    """Store a rating (1 to 5) of candidate ``candidate`` (1-based) of the last answer; return a line."""
    views = _candidates(state, 1)
    try:
        index, value = int(candidate), float(rating)
    except (TypeError, ValueError):
        raise UserError("give the candidate's number and a rating from 1 to 5") from None
    if not 1 <= index <= len(views):
        raise UserError(f"candidate {index}: the last answer has candidates 1 to {len(views)}")
    if not 1 <= value <= 5:
        raise UserError(f"rating {value:g}: rate from 1 to 5")
    view = views[index - 1]
    pref = Preference(
        prompt=str((state or {}).get("prompt", "")),
        piece_a=_midi(view),
        rating=value,
        model=studio.model_name,
        model_version=version_of(studio),
        meta=_meta(state, view),
        **concept_of_answer(studio, state),
    )
    pid = add_preference(store_of(studio), pref)
    return (
        f"Stored: candidate {index} rated {value:g} of 5 (rating {pid}{_made_with(pref)}, kept on this "
        "machine only)."
    )


def _made_with(pref: Preference) -> str:
    """``, made with <name> at strength s`` for a choice between a concept's pieces."""
    return f", made with <{pref.concept}> at strength {pref.concept_strength:g}" if pref.concept else ""


def _meta(state: dict[str, Any] | None, *views: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": "studio compose",
        "seeds": [v.get("seed") for v in views],
        "samples": [v.get("sample", 1) for v in views],
        "adherence": [v.get("adherence_mean") for v in views],
        "explain": (state or {}).get("explain", ""),
        # the conditions the candidates were sampled under (the prompt with the form's controls): tuning
        # scores the pair under the same prefix
        "conditions": ((state or {}).get("understood") or {}).get("conditions"),
    }


def build_prefs(studio: Studio, slots_state: Any) -> None:
    """The "Which is better?" row under the Compose view's candidates, wired to the view's state."""
    # gradio takes ~3 s to import and is optional (the web extra): only on use
    import gradio as gr

    with gr.Accordion("Which is better? (teaches `partita tune`; stored on this machine only)", open=False):
        with gr.Row():
            choice = gr.Radio(list(CHOICES), value=None, label="Candidate 1 or candidate 2?")
            prefer = gr.Button("Store my choice", elem_id="compose-prefer")
        with gr.Row():
            which = gr.Number(1, label="Candidate", precision=0, minimum=1)
            stars = gr.Slider(1, 5, value=3, step=1, label="Rating (1-5)")
            rate = gr.Button("Store my rating", elem_id="compose-rate")
        said = gr.Markdown("", elem_id="compose-prefs-status")
    prefer.click(
        studio.guard("prefer", lambda state, c: record_choice(studio, state, c)),
        inputs=[slots_state, choice],
        outputs=[said],
        api_name="prefer",
        concurrency_limit=1,
    )
    rate.click(
        studio.guard("rate", lambda state, i, r: record_rating(studio, state, i, r)),
        inputs=[slots_state, which, stars],
        outputs=[said],
        api_name="rate",
        concurrency_limit=1,
    )
