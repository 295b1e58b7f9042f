"""The Compose view: a prompt and optional controls in, ranked candidates out (audio, piano roll, score,
files).

:func:`compose` is the work behind both the page and the ``/compose`` endpoint; it returns a JSON-ready
summary (what the prompt was understood to ask for, each candidate's adherence) and the files to download. The
page keeps each candidate's files in server-side state and shows them in one slot per candidate; nothing a
client sends back is ever used as a path. :func:`generate_views` (a request in, candidates ready to show out)
and :class:`CandidateSlots` (where they show) serve every generating view.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import verovio

from partita.evaluation.adherence import metric_words
from partita.generation.tracks import TrackRefill
from partita.pipelines import Generator
from partita.render import write_score_png
from partita.web.limits import Limits, UserError
from partita.web.prefs import build_prefs
from partita.web.studio import STRENGTH_RANGE, Studio, safe_name

if TYPE_CHECKING:
    from partita.generation.request import Request

log = logging.getLogger(__name__)

MAX_PROMPT_CHARS = 600
KEYS = [
    f"{k} {m}"
    for m in ("major", "minor")
    for k in ("C", "G", "D", "A", "E", "B", "F#", "F", "Bb", "Eb", "Ab", "Db")
]
METERS = ["4/4", "3/4", "2/4", "6/8", "9/8", "12/8", "5/4", "7/8"]
FROM_PROMPT = "(from the prompt)"
NO_CONCEPT = "(none)"
FILE_KINDS = ("midi", "musicxml", "wav", "pianoroll", "score")
EXAMPLES = [
    "a lively Irish jig in D major for fiddle and guitar, 8 bars",
    "a calm chorale in G minor for four voices",
    "a waltz in F major for piano, 16 bars",
]
_KNOWN_FIELDS = {"rank", "score", "seed", "stop_reason", "adherence", "files", "remarks"}


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and (not value.strip() or value == FROM_PROMPT))


def number(value, name: str) -> float | None:
    """A form field as a number: blank is None, anything else must read as a number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise UserError(f"{name}: {str(value)[:40]!r} is not a number (or leave it blank)") from None
    if out != out or out in (float("inf"), float("-inf")):
        raise UserError(f"{name}: give a finite number")
    return out


def whole(value, name: str, low: int, high: int) -> int | None:
    """A form field as a whole number from ``low`` to ``high`` (blank is None)."""
    x = number(value, name)
    if x is None:
        return None
    if x != int(x) or not low <= x <= high:
        raise UserError(f"{name} {x:g}: this server takes a whole number from {low} to {high}")
    return int(x)


def options_of(
    key: str | None = None,
    tempo=None,
    meter: str | None = None,
    instruments: str | list[str] | None = None,
    bars=None,
    chords: str | None = None,
    density=None,
    polyphony=None,
    rhythm=None,
    *,
    max_bars: int = 32,
) -> dict[str, Any]:
    """The ``generate()`` options of the form's fields; blank fields are left to the prompt."""
    out: dict[str, Any] = {}
    if not _blank(key):
        out["key"] = str(key).strip()
    if not _blank(meter):
        out["meter"] = str(meter).strip()
    if not _blank(chords):
        out["chords"] = str(chords).strip()
    if not _blank(instruments):
        items = instruments if isinstance(instruments, list) else str(instruments).split(",")
        out["instruments"] = [str(s).strip() for s in items if str(s).strip()]
    bpm = number(tempo, "tempo")
    if bpm is not None:
        if not 20 <= bpm <= 320:
            raise UserError(f"tempo {bpm:g} bpm: choose 20 to 320 bpm (or leave it blank)")
        out["tempo"] = bpm
    if (n_bars := whole(bars, "bars", 1, max_bars)) is not None:
        out["bars"] = n_bars
    for name, value in (("density", density), ("polyphony", polyphony), ("rhythm", rhythm)):
        x = number(value, f"{name} fader")
        if x is not None:
            if not 0.0 <= x <= 1.0:
                raise UserError(f"{name} fader {x:g}: faders go from 0 to 1 (or leave it blank)")
            out[name] = x
    return out


def _extra_fields(cand) -> dict[str, Any]:
    """Fields a newer Candidate carries beyond the ones known here (e.g. the selector's scores),
    JSON-ready."""
    extra: dict[str, Any] = {}
    names = [f.name for f in dataclasses.fields(cand)] if dataclasses.is_dataclass(cand) else []
    for name in (*names, "scores", "selector"):
        if name in _KNOWN_FIELDS or name in extra or not hasattr(cand, name):
            continue
        value = getattr(cand, name)
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            value = str(value)
        extra[name] = value
    return extra


def engrave(score, path: Path, title: str) -> list[Path]:
    """The engraved score as PNG, from any thread.

    verovio keeps its default resource path (its fonts) per thread, set only in the thread that imported it;
    in a Gradio worker thread a toolkit would find no fonts and refuse every score. Setting it here, in the
    calling thread, makes engraving work wherever the request runs.
    """
    verovio.setDefaultResourcePath(str(files("verovio") / "data"))
    return write_score_png(score, path, title=title)


def key_gravity(value) -> float | None:
    """The key-gravity field (the tonic pull of :func:`partita.generate`): blank is the default, else 0 to
    3."""
    x = number(value, "key gravity")
    if x is not None and not 0.0 <= x <= 3.0:
        raise UserError(f"key gravity {x:g}: choose 0 (none) to 3 (or leave it blank for the default)")
    return x


def count_and_seed(n: int | str | None, seed: int | str | None, limits: Limits) -> tuple[int, int | None]:
    """The candidates and seed fields of a generating view, checked against the server's limits."""
    count = whole(n, "candidates", 1, limits.max_candidates)
    if count is None:
        raise UserError(f"candidates: this server makes 1 to {limits.max_candidates} at a time")
    return count, whole(seed, "seed", 0, 2**31 - 1)


def concept_of(studio: Studio, choice: str | None, request: Request) -> str | None:
    """The concept a request samples with, of those the server was started with (``studio.concepts``):
    ``choice`` names one (``<name>`` or ``name``), or is :data:`NO_CONCEPT` for none; blank or
    :data:`FROM_PROMPT` takes the one the prompt names (``<name>``: ``request.concept``), none when it names
    none. A name the server does not have is refused in one sentence."""
    picked = str(choice or "").strip()
    if picked == NO_CONCEPT:
        return None
    if picked and picked != FROM_PROMPT:
        name = picked.removeprefix("<").removesuffix(">").strip()
    elif request.concept and studio.concepts:
        name = request.concept
    else:  # the generator itself says what a prompt's <name> did when there is nothing to pick from
        return None
    studio.generator(name)  # refused when the server has no such concept
    return name


def strength_of(studio: Studio, concept: str | None, value: Any) -> float | None:
    """The strength a request applies its concept at: ``value`` (0 to 1.5, or the concept's own strength
    on this server even beyond; 0 is the base model), or the concept's own when blank; None without a
    concept (a strength alone changes nothing)."""
    if not concept:
        return None
    x = number(value, "concept strength")
    own = studio.concept_strength(concept)
    if x is None or x == own:
        return own
    low, high = STRENGTH_RANGE
    if not low <= x <= high:
        raise UserError(
            f"concept strength {x:g}: choose {low:g} (the base model) to {high:g} (beyond as learned)"
        )
    return x


def start_strength(studio: Studio) -> float:
    """Where the concept-strength slider starts, which is also what a client that leaves the strength off
    gets: the server's concepts' own strength when they share one (the usual case: ``partita serve
    --concept-strength S``, or concepts learned at the default 1), else 1 (each concept as learned); 1
    without concepts."""
    own = {studio.concept_strength(n) for n in studio.concepts}
    return own.pop() if len(own) == 1 else 1.0


def named_concept(studio: Studio, prompt: str | None) -> str | None:
    """The server's concept a prompt names as ``<name>`` (the first one named, as the request reads it:
    :attr:`Request.concept`), or None."""
    text = str(prompt or "")
    if "<" not in text:
        return None
    try:
        name = Generator.request_of(text[:MAX_PROMPT_CHARS]).concept
    except ValueError:  # a prompt the request refuses says so when it is sent; the slider stays
        return None
    return name if name in studio.concepts else None


def concept_control(studio: Studio, view: str) -> Any:
    """The concept dropdown of a generating view (element id ``<view>-concept``): the prompt's ``<name>``,
    none, or one of the server's concepts; shown only when the server has some (the API takes it always)."""
    # gradio takes ~3 s to import and is optional (the web extra): only on use
    import gradio as gr

    names = list(studio.concepts)
    return gr.Dropdown(
        [FROM_PROMPT, NO_CONCEPT, *names],
        value=FROM_PROMPT,
        label="Concept",
        info="a style learned from a few pieces: the one the prompt names (<name>), none, or one of these",
        allow_custom_value=True,  # checked by concept_of, with a message that names the server's concepts
        visible=bool(names),
        elem_id=f"{view}-concept",
    )


def strength_control(studio: Studio, view: str, menu: Any, prompt: Any = None) -> Any:
    """The concept-strength slider beside ``menu`` (element id ``<view>-strength``): 0 (the base model) to
    1.5 (further when a concept's own strength on this server is higher), starting at
    :func:`start_strength`. It shows the strength the request will apply: picking a concept in the menu sets
    it to that concept's own, and with the menu at "(from the prompt)" naming a concept in ``prompt`` (a
    textbox) sets it to the own strength of the concept named (again only when the concept named changes,
    so a strength the person set stays while they edit the words). Shown only when the server has concepts
    (the API takes it always; a client that leaves it off gets the starting value)."""
    # gradio takes ~3 s to import and is optional (the web extra): only on use
    import gradio as gr

    names = list(studio.concepts)
    own = {n: studio.concept_strength(n) for n in names}
    low, high = STRENGTH_RANGE
    slider = gr.Slider(
        low,
        max(high, *own.values()) if own else high,
        value=start_strength(studio),
        step=0.05,
        label="Concept strength",
        info="0: the base model; 1: the concept as learned; beyond 1: more of it",
        visible=bool(names),
        elem_id=f"{view}-strength",
    )
    if not names:
        return slider
    named = gr.State(None)  # the concept the prompt named when the slider last followed it

    def picked(choice, words=None):
        """The menu moved: a concept's own strength, or at "(from the prompt)" the named concept's."""
        name = str(choice or "").strip().removeprefix("<").removesuffix(">").strip()
        if name in own:
            return gr.update(value=own[name]), None
        said = named_concept(studio, words) if name in ("", FROM_PROMPT) else None
        return (gr.update(value=own[said]) if said else gr.update()), said

    def typed(choice, words, last):
        """The prompt changed: followed only with the menu at "(from the prompt)" and a new concept named."""
        if str(choice or "").strip() not in ("", FROM_PROMPT):
            return gr.update(), last
        said = named_concept(studio, words)
        return (gr.update(value=own[said]) if said and said != last else gr.update()), said

    if prompt is None:
        menu.change(lambda c: picked(c)[0], menu, slider, api_name=False, queue=False)
        return slider
    menu.change(picked, [menu, prompt], [slider, named], api_name=False, queue=False)
    prompt.change(
        typed,
        [menu, prompt, named],
        [slider, named],
        api_name=False,
        queue=False,
        trigger_mode="always_last",
    )
    return slider


def compose(
    studio: Studio,
    prompt: str,
    n: int = 2,
    seed: int | None = None,
    progress=None,
    in_key: bool = False,
    tonic_weight=None,
    chord_tones_only: bool = False,
    concept: str | None = None,
    strength: float | str | None = None,
    **fields,
) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
    """Generate ``n`` candidates; return ``(summary, files to download, per-candidate views)``.

    ``fields`` are the form's controls (see :func:`options_of`); ``in_key`` keeps every pitch in the key's
    scale and ``tonic_weight`` sets the key gravity, ``chord_tones_only`` (with chords) keeps every pitch of a
    bar in its chord (as :func:`partita.generate` takes them); ``concept`` picks one of the server's learned
    concepts (:func:`concept_of`), ``strength`` the strength it is applied at (:func:`strength_of`; blank:
    the concept's own, 0: the base model). Raises
    :class:`UserError` for a request this server refuses; generation stops with a message after
    ``studio.limits.request_seconds``.
    """
    limits = studio.limits
    prompt = (prompt or "").strip()
    if not prompt and not any(not _blank(v) for v in fields.values()):
        raise UserError("write a prompt (e.g. 'a waltz in F major for piano') or set some controls")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise UserError(f"the prompt is {len(prompt)} characters; keep it under {MAX_PROMPT_CHARS}")
    n, seed = count_and_seed(n, seed, limits)
    options = options_of(**fields, max_bars=limits.max_bars)
    gravity = key_gravity(tonic_weight)
    request = Generator.request_of(prompt, **options)  # built once, passed down
    if "bars" not in options:
        said = [u.value for u in request.understood if u.field == "bars" and isinstance(u.value, int)]
        if said and said[-1] > limits.max_bars:  # quote what was asked, not the count partita clamped it to
            raise UserError(
                f"the prompt asks for {said[-1]} bars; this server makes at most {limits.max_bars}"
            )
        request.conditions.bars = min(request.bars, limits.max_bars)
    concept = concept_of(studio, concept, request)
    strength = strength_of(studio, concept, strength)
    rows, files, views, seconds = generate_views(
        studio,
        request,
        n,
        seed,
        studio.work.new("compose"),
        prompt,
        progress,
        in_key=bool(in_key) or None,
        tonic_weight=gravity,
        chord_tones_only=bool(chord_tones_only) or None,
        concept=concept,
        strength=strength,
    )
    summary = {
        "prompt": prompt,
        "model": studio.model_name,
        "concept": concept or getattr(studio.model, "concept", None),
        "concept_strength": strength,
        "seconds": seconds,
        "understood": request.to_dict(),
        "sampling": {
            "in_key": bool(in_key),
            "key_gravity": gravity,
            "chord_tones_only": bool(chord_tones_only),
        },
        "explain": request.explain(),
        "candidates": rows,
    }
    if progress is not None:
        progress(1.0, desc="done")
    return summary, files, views


def generate_views(
    studio: Studio,
    request: Request | tuple[Request, Any] | TrackRefill,
    n: int,
    seed: int | None,
    out: Path,
    title: str,
    progress: Callable[..., Any] | None = None,
    concept: str | None = None,
    strength: float | None = None,
    **settings: Any,
) -> tuple[list[dict[str, Any]], list[str], list[dict[str, Any]], float]:
    """Generate ``n`` candidates for ``request`` into the folder ``out`` and make them ready to show; return
    ``(rows, files to download, per-candidate views, seconds)``. ``concept`` names one of the server's
    concepts to sample with (``studio.concepts``; None: the base model), at ``strength`` (None: the
    strength the server applied it at; :meth:`Studio.generator`).

    Generation stops with a message after ``studio.limits.request_seconds``. ``settings`` go to the model's
    ``generate()`` (None leaves the model's own). Each candidate is engraved (titled ``title``) and its files
    are named after ``title`` and its rank; a row is the candidate as the API reports it, a view adds the
    paths the page shows.
    """

    def step(done: int, total: int, message: str) -> None:
        if progress is not None:
            progress(0.9 * done / max(total, 1), desc=message)

    t0 = time.monotonic()
    generator, deadline = studio.generator(concept, strength)
    with deadline.limit(studio.limits.request_seconds):
        kw = dict(n=n, seed=seed, out_dir=out, progress=step, **settings)
        if isinstance(request, tuple):  # a melody and its request (accompaniment_of): parts under it
            candidates = generator.accompany(request, **kw)[1]
        elif isinstance(request, TrackRefill):  # tracks of a piece written anew (Generator.tracks_of)
            candidates = generator.refill_tracks(request, **kw)[1]
        else:
            candidates = generator.generate(request, n=n, seed=seed, out_dir=out, progress=step, **settings)
    files: list[str] = []
    views: list[dict[str, Any]] = []
    rows = []
    stem = safe_name(title[:40], "partita")
    for cand in candidates:
        if progress is not None:
            progress(0.9 + 0.1 * cand.rank / max(len(candidates), 1), desc=f"engraving candidate {cand.rank}")
        paths = {k: Path(v) for k, v in cand.files.items() if v}
        remarks = list(cand.remarks)
        if cand.score.note_num():
            try:
                pages = engrave(cand.score, out / f"candidate-{cand.rank}-score.png", title=title[:60])
                if pages:
                    paths["score"] = pages[0]
            except Exception as e:  # an engraving failure costs the picture, not the candidate
                log.warning("engraving candidate %d failed: %s", cand.rank, e)
                remarks.append("the score could not be engraved")
        else:
            remarks.append("this candidate played no notes (an untrained model often does not)")
        named = {}
        for kind in FILE_KINDS:
            if kind in paths and paths[kind].is_file():
                suffix = "".join(paths[kind].suffixes[-1:])
                target = paths[kind].with_name(
                    f"{stem}-{cand.rank}{'-' + kind if kind in ('pianoroll', 'score') else ''}{suffix}"
                )
                paths[kind].replace(target)
                named[kind] = target
        downloads = [str(named[k]) for k in ("midi", "musicxml", "wav") if k in named]
        files += downloads
        row = {
            "rank": cand.rank,
            "seed": cand.seed,
            "notes": cand.score.note_num(),
            "stop_reason": cand.stop_reason,
            "adherence": cand.adherence,
            "adherence_mean": cand.adherence_mean,
            "remarks": remarks,
            "files": {k: p.name for k, p in named.items()},
            **_extra_fields(cand),
        }
        rows.append(row)
        views.append({**row, "paths": {k: str(p) for k, p in named.items()}, "downloads": downloads})
    return rows, files, views, round(time.monotonic() - t0, 3)


def adherence_markdown(view: dict[str, Any]) -> str:
    """The candidate's header, adherence scores and remarks as Markdown."""
    mean = view.get("adherence_mean")
    lines = [
        f"### Candidate {view['rank']}",
        f"{view['notes']} notes, seed {view['seed']} sample {view.get('sample', 1)} (the same seed and "
        "number of candidates give it again), adherence " + ("-" if mean is None else f"**{mean:.2f}**"),
        "",
    ]
    if view.get("adherence"):
        lines += ["| control | what it checks | adherence |", "|---|---|---|"]
        lines += [
            f"| {k} | {metric_words(k)} | {'-' if v is None else f'{v:.2f}'} |"
            for k, v in sorted(view["adherence"].items())
        ]
    for name in ("scores", "selector", "quality"):
        value = view.get(name)
        if isinstance(value, dict) and value:
            lines += ["", f"**{name}**: " + ", ".join(f"{k} {_num(v)}" for k, v in value.items())]
        elif value not in (None, {}, []):
            lines += ["", f"**{name}**: {_num(value)}"]
    for r in view.get("remarks") or []:
        lines.append(f"\n- {r}")
    return "\n".join(lines)


def _num(v) -> str:
    return f"{v:.2f}" if isinstance(v, float) else str(v)


def generate_controls(limits: Limits, view: str) -> tuple[Any, Any, Any, Any]:
    """The candidates slider, seed field, Generate button and status line of a generating view (element ids
    ``<view>-seed``, ``<view>-generate``, ``<view>-status``), built where it is called."""
    # gradio takes ~3 s to import and is optional (the web extra): only on use
    import gradio as gr

    # Gradio's slider needs minimum < maximum: a server limited to 1 candidate shows it, fixed
    one = limits.max_candidates == 1
    n = gr.Slider(
        1,
        max(2, limits.max_candidates),
        value=min(2, limits.max_candidates),
        step=1,
        label="Candidates" + (" (this server makes 1)" if one else ""),
        interactive=not one,
    )
    seed = gr.Textbox("", label="Seed (blank: a fresh one)", max_length=12, elem_id=f"{view}-seed")
    button = gr.Button("Generate", variant="primary", elem_id=f"{view}-generate")
    status = gr.Markdown("", min_height=72, elem_id=f"{view}-status")  # the progress bar shows here
    return n, seed, button, status


class CandidateSlots:
    """Where a generating view shows its answer, built where it is made: the request as understood, one slot
    per candidate (its adherence, audio, downloads, piano roll and engraved score), the summary and all
    downloads; hidden until :meth:`connect`'s event brings candidates."""

    def __init__(self, count: int, view: str) -> None:
        # gradio takes ~3 s to import and is optional (the web extra): only on use
        import gradio as gr

        self.understood = gr.Textbox(
            label="What the prompt was understood to ask for",
            lines=4,
            max_lines=16,
            interactive=False,
            visible=False,
            elem_id=f"{view}-understood",
        )
        self.slots = []
        for i in range(count):
            with gr.Group(visible=False) as group, gr.Row():
                with gr.Column(scale=1):
                    text = gr.Markdown(f"### Candidate {i + 1}")
                    audio = gr.Audio(
                        label="Listen", type="filepath", interactive=False, elem_classes=["candidate-audio"]
                    )
                    downloads = gr.File(
                        label="MIDI, MusicXML, WAV",
                        file_count="multiple",
                        interactive=False,
                        elem_classes=["candidate-files"],
                    )
                with gr.Column(scale=2):
                    roll, engraved = (
                        gr.Image(
                            label=label, type="filepath", interactive=False, format="png", elem_classes=[c]
                        )
                        for label, c in (("Piano roll", "candidate-pianoroll"), ("Score", "candidate-score"))
                    )
            self.slots.append((group, text, audio, roll, engraved, downloads))
        with gr.Accordion("Summary (the API's answer) and all downloads", open=False):
            self.summary = gr.JSON(label="Summary")
            self.files = gr.File(label="All downloads", file_count="multiple", interactive=False)
        self.state = gr.State({})

    def show(self, state: dict[str, Any]) -> list:
        """The slots' values for ``state`` (``{"explain": ..., "candidates": views}``), the request as
        understood first."""
        # gradio takes ~3 s to import and is optional (the web extra): only on use
        import gradio as gr

        views = state.get("candidates") or []
        out = [gr.Textbox(value=state.get("explain", ""), visible=True)]
        for i in range(len(self.slots)):
            v = views[i] if i < len(views) else None
            if v is None:
                out += [gr.Group(visible=False), "", None, None, None, None]
                continue
            p = v["paths"]
            out += [
                gr.Group(visible=True),
                adherence_markdown(v),
                p.get("wav"),
                p.get("pianoroll"),
                p.get("score"),
                v["downloads"] or None,
            ]
        return out

    def connect(
        self, studio: Studio, view: str, button: Any, run: Callable, inputs: list, outputs: list, status: Any
    ) -> None:
        """Run ``run`` (guarded, as the ``/<view>`` endpoint, in the generation queue) when ``button`` is
        clicked, then show its candidates. ``run`` returns the values of ``outputs`` and the state for
        :meth:`show`; the summary and all downloads are the first two of ``outputs``."""
        limits = studio.limits
        event = button.click(
            studio.guard(view, run),
            inputs=inputs,
            outputs=[*outputs, self.state],
            api_name=view,
            concurrency_limit=limits.generate_concurrency,
            concurrency_id="generate",
            show_progress_on=[status],
            time_limit=limits.request_seconds,
        )
        event.success(
            self.show,
            inputs=[self.state],
            outputs=[self.understood, *(c for slot in self.slots for c in slot)],
            api_visibility="private",
            concurrency_limit=None,
        )


class ComposeView:
    """Prompt, controls and candidates; endpoint ``/compose``."""

    name = "compose"
    title = "Compose"

    def build(self, studio: Studio) -> None:
        # gradio takes ~3 s to import and is optional (the web extra): only on use
        import gradio as gr

        limits = studio.limits
        # `partita serve --concept DIR`: the first concept the server has, or the one its model carries
        concept = next(iter(studio.concepts), None) or getattr(studio.model, "concept", None)
        carried = getattr(studio.model, "concept", None)
        example = "a lively Irish jig in D major for fiddle and guitar, 8 bars"
        hint = f"Name the concept <{concept}> in the prompt to ask for its style" if concept else None
        if len(studio.concepts) > 1:
            names = ", ".join(f"<{c}>" for c in studio.concepts)
            hint = f"Name a concept ({names}) in the prompt to ask for its style, or pick one"
        with gr.Row():
            with gr.Column(scale=2):
                prompt = gr.Textbox(
                    label="Prompt",
                    lines=2,
                    max_length=MAX_PROMPT_CHARS,
                    elem_id="compose-prompt",
                    placeholder=f"a waltz in <{concept}> in D major, 8 bars" if concept else example,
                    info=hint,
                )
                gr.Examples(EXAMPLES, inputs=[prompt], label="Try")
            with gr.Column(scale=1):
                n, seed, button, status = generate_controls(limits, "compose")
                picked = concept_control(studio, "compose")
                strength = strength_control(studio, "compose", picked, prompt)
        with gr.Accordion("Controls (optional; they win over the prompt)", open=False):
            with gr.Row():
                key = gr.Dropdown(
                    [FROM_PROMPT, *KEYS], value=FROM_PROMPT, label="Key", allow_custom_value=True
                )
                tempo = gr.Textbox("", label="Tempo (bpm, 20-320)", max_length=12)
                meter = gr.Dropdown(
                    [FROM_PROMPT, *METERS], value=FROM_PROMPT, label="Meter", allow_custom_value=True
                )
                bars = gr.Textbox("", label=f"Bars (1-{limits.max_bars})", max_length=12)
            with gr.Row():
                instruments = gr.Textbox(
                    "", label="Instruments (comma-separated GM names)", placeholder="violin, guitar"
                )
                chords = gr.Textbox("", label="Chords (one per bar)", placeholder="Am F C G")
            with gr.Row():
                density = gr.Textbox("", label="Density fader (0-1)", max_length=12)
                polyphony = gr.Textbox("", label="Polyphony fader (0-1)", max_length=12)
                rhythm = gr.Textbox("", label="Rhythm fader (0-1)", max_length=12)
            with gr.Row():
                in_key = gr.Checkbox(False, label="In key (every pitch in the key's scale)")
                gravity = gr.Textbox(
                    "", label="Key gravity (0-3; blank: the default pull to the tonic)", max_length=12
                )
                chord_tones = gr.Checkbox(
                    False, label="Chord tones only (with chords: every pitch of a bar in its chord)"
                )
        gr.Markdown(
            f"Model **{studio.model_name}**"
            + (f", with the concept **`<{carried}>`** in every request's prefix" if carried else "")
            + (
                ", with the concepts " + ", ".join(f"**`<{c}>`**" for c in studio.concepts) + " to pick from"
                if studio.concepts
                else ""
            )
            + f". Limits of this server: up to {limits.max_candidates} "
            f"candidates and {limits.max_bars} bars, {limits.request_seconds:g} s per request; requests "
            "wait in a queue."
        )
        slots = CandidateSlots(limits.max_candidates, "compose")

        def run(
            prompt,
            n,
            seed,
            key,
            tempo,
            meter,
            instruments,
            bars,
            chords,
            density,
            polyphony,
            rhythm,
            in_key=False,
            key_gravity="",
            chord_tones_only=False,
            concept=FROM_PROMPT,
            strength=None,
            progress=gr.Progress(),  # noqa: B008  (how Gradio asks for a progress bar)
        ):
            """Generate candidates for a prompt; blank controls are read from the prompt; ``concept``: one of
            the server's learned concepts, "(none)", or "(from the prompt)" (its <name>); ``strength``: the
            concept's strength, 0 (the base model) to 1.5 (blank: the concept's own)."""
            summary, files, views = compose(
                studio,
                prompt,
                n=n,
                seed=seed,
                progress=progress,
                key=key,
                tempo=tempo,
                meter=meter,
                instruments=instruments,
                bars=bars,
                chords=chords,
                density=density,
                polyphony=polyphony,
                rhythm=rhythm,
                in_key=in_key,
                tonic_weight=key_gravity,
                chord_tones_only=chord_tones_only,
                concept=concept,
                strength=strength,
            )
            state = {
                "explain": summary["explain"],
                "candidates": views,
                "concept": summary["concept"],
                "concept_strength": summary["concept_strength"],
            }
            return summary, files, {**state, "prompt": prompt, "understood": summary["understood"]}

        inputs = [
            prompt,
            n,
            seed,
            key,
            tempo,
            meter,
            instruments,
            bars,
            chords,
            density,
            polyphony,
            rhythm,
            in_key,
            gravity,
            chord_tones,
            picked,
            strength,
        ]
        slots.connect(studio, "compose", button, run, inputs, [slots.summary, slots.files], status)
        build_prefs(studio, slots.state)  # pick the better candidate or rate one (partita.web.prefs)
