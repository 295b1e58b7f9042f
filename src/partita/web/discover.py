"""The Discover view: find pieces of the indexed corpus by talking (``partita chat`` in the page).

Each browser session keeps its own :class:`~partita.discovery.chat.ChatState` (a ``gr.State``); the index is
opened once per studio, on first use, from ``$PARTITA_DATA/index/all`` (built by ``partita index build``).
A turn answers with the pieces and the reason each fits; a piece can be listened to. A request about a
passage ("the part where the fiddle goes up high") is answered, when the index has segments, with the
passages: each row gives its bars, and *Listen* plays (and draws) those bars alone; the passage listened to
is "that one" of a follow-up ("something like that one but faster"). Endpoints ``/discover_say``,
``/discover_piece`` and ``/discover_pick``. Turns are read by rules; with ``$PARTITA_CHAT_ENDPOINT`` set (and
``$PARTITA_CHAT_MODEL``), by that OpenAI-compatible server the user runs locally, the rules reading any turn
it cannot (:mod:`partita.discovery.chat_endpoint`).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from partita.web.limits import UserError
from partita.web.studio import Studio, safe_name

log = logging.getLogger(__name__)
HEADERS = ["#", "title", "piece", "kind", "key", "meter", "why it fits", "bars"]
MAX_TURN_CHARS = 300


class IndexShelf:
    """The studio's discovery index, opened on first use (one per studio, shared by its sessions)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._index = None
        self._lock = threading.Lock()
        self.parser = _endpoint_parser()
        """What reads the turns: None (the rules), or the local endpoint ``$PARTITA_CHAT_ENDPOINT`` names."""

    def get(self):
        from partita.discovery.index import DiscoveryIndex, index_dir

        with self._lock:
            if self._index is None:
                path = self.path or index_dir()
                try:
                    self._index = DiscoveryIndex(path)
                except FileNotFoundError:
                    raise UserError(
                        f"there is no discovery index at {path} yet: build one with `partita index build all`"
                    ) from None
            return self._index


def _endpoint_parser():
    """The turn reader of ``$PARTITA_CHAT_ENDPOINT`` (None when unset; a bad URL: one warning, then rules)."""
    from partita.discovery.chat_endpoint import EndpointParser, endpoint_from_env

    try:
        endpoint = endpoint_from_env()
    except ValueError as e:
        log.warning("%s: the Discover view reads turns with its rules", e)
        return None
    if endpoint is not None:
        log.info("the Discover view reads turns through %s (%s)", endpoint.url, endpoint.model)
    return endpoint and EndpointParser(endpoint)


def say(shelf: IndexShelf, text: str, history: list | None, state) -> tuple[list, list[list[Any]], Any]:
    """One turn: the chat history with the answer, the result rows, the new state."""
    from partita.discovery.chat import Conversation

    text = (text or "").strip()
    if not text:
        raise UserError("say what you are looking for, e.g. 'a jig in D major', or 'more like 2'")
    if len(text) > MAX_TURN_CHARS:
        raise UserError(f"that turn is {len(text)} characters long; say it in at most {MAX_TURN_CHARS}")
    talk = Conversation(shelf.get(), k=10, state=state, parser=shelf.parser)
    turn, ack, hits = talk.say(text)
    rows = [
        [
            i,
            h.fields.get("title") or "",
            h.piece_id,
            h.fields.get("tune_type") or h.fields.get("genre") or "",
            h.fields.get("key") or "",
            h.fields.get("meter") or "",
            h.fields.get("why", ""),
            h.fields.get("bars") or "",
        ]
        for i, h in enumerate(hits, 1)
    ]
    what = "passages (piece and bars)" if any(r[-1] for r in rows) else "pieces"
    answer = f"({turn.intent}) {ack}" + (f": {len(rows)} {what} below" if rows else "")
    if turn.intent != "accept" and not rows:
        answer += ": nothing fits all of that; take something back ('any key', 'any meter') or start over"
    history = [*(history or []), {"role": "user", "content": text}, {"role": "assistant", "content": answer}]
    return history, rows, talk.state


def pick(rows: list[list[Any]] | None, number: int | None) -> tuple[str, str]:
    """The piece id and bars ("" for a whole piece) of result row ``number`` (0-based) of an answer."""
    if not rows or number is None or not 0 <= int(number) < len(rows):
        raise UserError("choose a row of the answer")
    row = list(rows[int(number)])
    return str(row[2]), str(row[7]) if len(row) > 7 and row[7] else ""


def listen(
    studio: Studio, shelf: IndexShelf, piece_id: str | None, bars: str | None = None, state=None
) -> tuple[str | None, str, str]:
    """A shown piece, or its bars ``"17-24"`` alone: (WAV or None, piano-roll PNG, its caption), read from
    the corpus the index names. With the conversation's ``state``, the piece becomes "that one"."""
    from partita.corpus import load_corpus
    from partita.discovery.segments import clip_bars
    from partita.render import audio_available, write_pianoroll, write_wav

    if not piece_id:
        raise UserError("choose a piece from the answer first")
    index = shelf.get()
    fields = index.fields_of([str(piece_id)]).get(str(piece_id))
    if fields is None:
        raise UserError(f"no piece {piece_id!r} in the index")
    corpus_path = index.meta.get("corpus")
    if not corpus_path:
        raise UserError("the index does not say which corpus it was built from; rebuild it")
    corpus = load_corpus(corpus_path)
    score = corpus.read_piece(str(piece_id))
    title = fields.get("title") or str(piece_id)
    caption = fields.get("caption") or ""
    if bars and str(bars).strip():
        try:
            score = clip_bars(score, str(bars))
        except ValueError as e:
            raise UserError(f"{title}: {e}") from None
        title = f"{title}, bars {str(bars).strip()}"
        caption = _passage_caption(index, str(piece_id), str(bars).strip()) or caption
    if state is not None:
        state.focus_on(str(piece_id))
    out = studio.work.new("discover")
    stem = safe_name(title)
    wav = str(write_wav(score, out / f"{stem}.wav")) if audio_available() else None
    roll = str(write_pianoroll(score, out / f"{stem}-pianoroll.png", title=title))
    return wav, roll, caption


def _passage_caption(index, piece_id: str, bars: str) -> str:
    """The caption of a piece's segment at exactly these bars ("" when the index has none)."""
    return next((p["caption"] for p in index.segments_of(piece_id) if p["bars"] == bars), "")


class DiscoverView:
    """Talk to find pieces; endpoints ``/discover_say`` and ``/discover_piece``."""

    name = "discover"
    title = "Discover"

    def __init__(self, index_path: Path | None = None) -> None:
        self.index_path = index_path

    def build(self, studio: Studio) -> None:
        # gradio takes ~3 s to import and is optional (the web extra): only on use
        import gradio as gr

        shelf = IndexShelf(self.index_path)
        gr.Markdown(
            "Say what you are looking for, then refine: *in D major*, *faster*, *no jigs*, *any meter*, "
            "*more like 2*, *not 3*, *start over: a chorale*. Each piece says why it fits. Ask for a "
            "passage (*the part where the fiddle goes up high*, *a slow section in minor*) to get the bars; "
            "click a row to choose it, *Listen* plays those bars, and *something like that one but faster* "
            "refines from the passage you listened to."
        )
        state = gr.State(None)
        chat = gr.Chatbot(label="Conversation", height=260, elem_id="discover-chat")
        with gr.Row():
            text = gr.Textbox(
                label="You", placeholder="a lively jig in D major", scale=4, elem_id="discover-text"
            )
            send = gr.Button("Say", variant="primary", scale=1, elem_id="discover-say")
            reset = gr.Button("Start over", scale=1)
        table = gr.Dataframe(headers=HEADERS, label="Pieces", interactive=False, max_height=320)
        with gr.Row():
            chosen = gr.Textbox(label="Piece id to listen to", scale=3, elem_id="discover-piece")
            bars = gr.Textbox(
                label="Bars (empty: the whole piece)", placeholder="17-24", scale=1, elem_id="discover-bars"
            )
            play = gr.Button("Listen", scale=1)
        with gr.Row():
            audio = gr.Audio(label="Listen", type="filepath", interactive=False)
            roll = gr.Image(label="Piano roll", type="filepath", interactive=False, format="png")
        caption = gr.Textbox(label="Caption", interactive=False)

        def on_say(message, history, current):
            history, rows, new_state = say(shelf, message, history, current)
            first = pick(rows, 0) if rows else ("", "")
            return history, rows, new_state, "", *first

        def on_reset():
            return [], [], None

        def on_pick(rows, evt):  # unguarded: Gradio passes the event by this signature
            try:
                return pick(rows.values.tolist() if hasattr(rows, "values") else rows, evt.index[0])
            except UserError as e:
                raise gr.Error(str(e)) from None

        on_pick.__annotations__["evt"] = gr.SelectData  # the class itself: annotations here are strings

        def on_listen(piece_id, passage, current):
            out = studio.bounded(
                studio.limits.analysis_seconds, listen, studio, shelf, piece_id, passage, current
            )
            return *out, current

        guard = studio.guard
        gr.on(
            [send.click, text.submit],
            guard("discover", on_say),
            inputs=[text, chat, state],
            outputs=[chat, table, state, text, chosen, bars],
            api_name="discover_say",
        )
        reset.click(on_reset, outputs=[chat, table, state], api_name="discover_reset")
        table.select(on_pick, inputs=[table], outputs=[chosen, bars], api_name="discover_pick")
        play.click(
            guard("discover", on_listen),
            inputs=[chosen, bars, state],
            outputs=[audio, roll, caption, state],
            api_name="discover_piece",
            concurrency_limit=studio.limits.analysis_concurrency,
            concurrency_id="analysis",
        )
