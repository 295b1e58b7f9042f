"""The Corpus view: browse the built corpora by label, listen to a piece, read its caption.

Only corpora built under the studio's corpora folder are offered, by name; a client names a corpus and a piece
id, both looked up in the manifests, so no path a client sends is opened. Endpoints ``/corpora``,
``/corpus_values``, ``/corpus_pieces`` and ``/corpus_piece``.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from partita.analysis import caption, caption_segments, describe
from partita.analysis.corpus_captions import CAPTIONS_FILE, caption_labels
from partita.corpus import load_corpus
from partita.render import audio_available, write_pianoroll, write_wav
from partita.web.limits import UserError
from partita.web.studio import Studio, corpus_names, safe_name

log = logging.getLogger(__name__)

BROWSE_LABELS = ("collection", "composer", "genre", "tune_type", "country", "meter", "key", "source", "split")
ANY = "(any)"
MAX_LISTED = 200
PIECE_HEADERS = ["piece_id", "title", "composer", "tune_type", "key", "meter", "seconds"]


class CorpusShelf:
    """The studio's corpora, opened on first use and reopened when a manifest changes (a build finished)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._open: dict[str, tuple[float, Any]] = {}

    def names(self) -> list[str]:
        return corpus_names(self.root)

    def get(self, name: str | None):
        names = self.names()
        if not name or name not in names:
            offered = ", ".join(names) or "none is built yet (partita corpus build NAME --source ...)"
            raise UserError(f"no corpus named {name!r} on this server; the corpora are: {offered}")
        manifest = self.root / name / "manifest.parquet"
        mtime = manifest.stat().st_mtime
        cached = self._open.get(name)
        if cached is None or cached[0] != mtime:
            cached = (mtime, load_corpus(self.root / name))
            self._open[name] = cached
        return cached[1]


def labels_of(corpus) -> list[str]:
    """The labels a corpus can be browsed by (those with at least one value)."""
    cols = corpus.table.column_names
    return [c for c in BROWSE_LABELS if c in cols and corpus.table[c].null_count < corpus.table.num_rows]


def label_values(corpus, label: str | None) -> list[str]:
    """The values of one label, most frequent first."""
    if not label or label == ANY:
        return []
    if label not in labels_of(corpus):
        raise UserError(f"label {label!r}: browse by one of {', '.join(labels_of(corpus))}")
    counts = Counter(v for v in corpus.table[label].to_pylist() if v not in (None, ""))
    return [str(v) for v, _ in counts.most_common(500)]


def pieces(corpus, label: str | None, value: str | None) -> tuple[list[list], int]:
    """Rows of the pieces whose ``label`` is ``value`` (all pieces without a label); and how many matched."""
    table = corpus.table
    if label and label != ANY and value and value != ANY:
        if label not in labels_of(corpus):
            raise UserError(f"label {label!r}: browse by one of {', '.join(labels_of(corpus))}")
        column = table[label]
        table = table.filter(pc.equal(pc.cast(column, "string"), str(value)))
    total = table.num_rows
    rows = []
    for r in table.slice(0, MAX_LISTED).to_pylist():
        seconds = r.get("duration_s")
        rows.append(
            [
                r["piece_id"],
                r.get("title") or "",
                r.get("composer") or "",
                r.get("tune_type") or "",
                r.get("key") or "",
                r.get("meter") or "",
                None if seconds is None else round(float(seconds), 1),
            ]
        )
    return rows, total


def stored_captions(corpus, piece_id: str) -> dict[str, Any] | None:
    """The row of ``captions.parquet`` for one piece, when the corpus has been captioned."""
    path = corpus.path / CAPTIONS_FILE
    if not path.is_file():
        return None
    table = pq.read_table(path, columns=["piece_id", "captions_en", "captions_zh", "segments_en", "error"])
    rows = table.filter(pc.equal(table["piece_id"], piece_id)).to_pylist()
    return rows[0] if rows and not rows[0].get("error") else None


def piece(studio: Studio, corpus, piece_id: str | None) -> tuple[str, str, dict[str, Any], str | None, str]:
    """One piece: (caption en, caption zh, its labels, WAV or None, piano-roll PNG)."""
    if not piece_id:
        raise UserError("choose a piece first")
    try:
        labels = corpus.labels(str(piece_id))
    except KeyError:
        raise UserError(f"no piece {piece_id!r} in corpus {corpus.name}") from None
    midi = (corpus.path / labels["midi_path"]).resolve()
    if (
        corpus.path.resolve() not in midi.parents
    ):  # a manifest never points outside its corpus; refuse if it does
        raise UserError(f"piece {piece_id!r}: its file is outside the corpus folder")
    score = corpus.read_piece(str(piece_id))
    stored = stored_captions(corpus, str(piece_id))
    if stored and stored.get("captions_en"):
        en = stored["captions_en"][0]
        zh = (stored.get("captions_zh") or [""])[0]
        segments = stored.get("segments_en") or ""
    else:
        d = describe(score)
        extra = caption_labels(labels)
        en, zh = caption(d, lang="en", labels=extra), caption(d, lang="zh", labels=extra)
        segments = caption_segments(d, lang="en", labels=extra)
    out = studio.work.new("corpus")
    stem = safe_name(labels.get("title") or str(piece_id))
    wav = str(write_wav(score, out / f"{stem}.wav")) if audio_available() else None
    roll = str(
        write_pianoroll(score, out / f"{stem}-pianoroll.png", title=labels.get("title") or str(piece_id))
    )
    shown = {k: v for k, v in labels.items() if v not in (None, "", []) and k not in ("midi_path",)}
    sections = [line for line in (segments or "").splitlines() if not line.startswith("Summary: ")]
    if sections:
        en = en + "\n\n" + "\n".join(sections)
    return en, zh, shown, wav, roll


class CorpusView:
    """Browse the corpora; endpoints ``/corpora``, ``/corpus_values``, ``/corpus_pieces``,
    ``/corpus_piece``."""

    name = "corpus"
    title = "Corpus"

    def build(self, studio: Studio) -> None:
        # gradio takes ~3 s to import and is optional (the web extra): only on use
        import gradio as gr

        shelf = CorpusShelf(studio.corpora_root)
        names = shelf.names()
        with gr.Row():
            corpus = gr.Dropdown(
                names,
                value=names[0] if names else None,
                label="Corpus",
                elem_id="corpus-name",
                allow_custom_value=True,
            )
            label = gr.Dropdown(
                [ANY], value=ANY, label="Label", elem_id="corpus-label", allow_custom_value=True
            )
            value = gr.Dropdown(
                [ANY], value=ANY, label="Value", allow_custom_value=True, elem_id="corpus-value"
            )
            refresh = gr.Button("List pieces", elem_id="corpus-list")
        if not names:
            gr.Markdown(
                f"No corpus is built under `{studio.corpora_root}` yet: "
                "`partita corpus build NAME --source ...`"
            )
        count = gr.Markdown("")
        table = gr.Dataframe(headers=PIECE_HEADERS, label="Pieces", interactive=False, max_height=320)
        with gr.Row():
            chosen = gr.Dropdown([], label="Piece", allow_custom_value=True, elem_id="corpus-piece", scale=3)
            listen = gr.Button("Listen", variant="primary", elem_id="corpus-listen", scale=1)
        with gr.Row():
            with gr.Column(scale=1):
                audio = gr.Audio(
                    label="Listen", type="filepath", interactive=False, elem_classes=["corpus-audio"]
                )
                zh = gr.Textbox(label="Caption (中文)", lines=3, interactive=False)
            with gr.Column(scale=2):
                roll = gr.Image(label="Piano roll", type="filepath", interactive=False, format="png")
                en = gr.Textbox(label="Caption", lines=6, interactive=False, elem_id="corpus-caption")
        with gr.Accordion("Labels", open=False):
            labels = gr.JSON(label="Labels of the piece")

        def list_corpora():
            """The corpora this server offers, by name."""
            found = shelf.names()
            return gr.Dropdown(choices=found, value=found[0] if found else None)

        def choose_corpus(name):
            """The labels a corpus can be browsed by."""
            return gr.Dropdown(choices=[ANY, *labels_of(shelf.get(name))], value=ANY)

        def choose_label(name, label):
            """The values of one label of a corpus, most frequent first."""
            return gr.Dropdown(choices=[ANY, *label_values(shelf.get(name), label)], value=ANY)

        def list_pieces(name, label, value):
            """The pieces of a corpus with one label value (at most 200 are listed)."""
            rows, total = pieces(shelf.get(name), label, value)
            shown = f"{total} pieces" + (f", the first {len(rows)} listed" if total > len(rows) else "")
            choices = [(f"{r[1] or r[0]} ({r[0]})", r[0]) for r in rows]
            return rows, gr.Dropdown(choices=choices, value=choices[0][1] if choices else None), shown

        def show_piece(name, piece_id):
            """One piece of a corpus: its captions, labels, audio and piano roll."""
            corpus_obj = shelf.get(name)
            return studio.bounded(studio.limits.analysis_seconds, piece, studio, corpus_obj, piece_id)

        guard = studio.guard
        gr.on(
            [refresh.click],
            guard("corpus", list_pieces),
            inputs=[corpus, label, value],
            outputs=[table, chosen, count],
            api_name="corpus_pieces",
        )
        corpus.change(
            guard("corpus", choose_corpus), inputs=[corpus], outputs=[label], api_name="corpus_labels"
        )
        label.change(
            guard("corpus", choose_label), inputs=[corpus, label], outputs=[value], api_name="corpus_values"
        )
        listen.click(
            guard("corpus", show_piece),
            inputs=[corpus, chosen],
            outputs=[en, zh, labels, audio, roll],
            api_name="corpus_piece",
            concurrency_limit=studio.limits.analysis_concurrency,
            concurrency_id="analysis",
        )
        refresh_names = gr.Button("Reload corpora", size="sm")
        refresh_names.click(guard("corpus", list_corpora), outputs=[corpus], api_name="corpora")
