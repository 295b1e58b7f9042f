"""``build_app``: the studio as a Gradio Blocks app, one tab per view; ``serve``: run it on a loopback port.

Every view is also an HTTP endpoint (Gradio's API: ``/gradio_api/call/<name>``, its schema at
``/gradio_api/info`` and on the page's "Use via API" link). The app holds everything it needs in its own
:class:`~partita.web.studio.Studio` (``app.studio``); nothing lives at module level.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from partita.paths import corpora_dir
from partita.web.analyze import AnalyzeView
from partita.web.corpora import CorpusView
from partita.web.limits import Limits, WorkDir, upload_roots, watch_gradio
from partita.web.startup import STARTUP_WAIT, patient_startup_check
from partita.web.studio import Studio, View, gradio_env

log = logging.getLogger(__name__)

DEFAULT_MODEL = "partita-small"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
INTRO = (
    "# partita studio\n"
    "Compose from a prompt, co-create with a piece of yours (continue it, or write some of its bars anew), "
    "analyze a piece, browse the corpora. Everything here is also an HTTP API "
    "(the *Use via API* link at the bottom of the page)."
)


def default_views() -> list[View]:
    """The views of a studio, in tab order; a new view is one more entry here."""
    # partita.web.compose and .cocreate load partita.pipelines (torch, ~2 s): only when the views are made
    from partita.web.cocreate import CoCreateView
    from partita.web.compose import ComposeView
    from partita.web.discover import DiscoverView
    from partita.web.picture import PictureView
    from partita.web.song import SongView

    return [
        ComposeView(),
        CoCreateView(),
        PictureView(),
        SongView(),
        AnalyzeView(),
        CorpusView(),
        DiscoverView(),
    ]


def _theme():
    """Gradio's default look with the system's fonts: the page loads nothing from outside the server."""
    # gradio takes ~3 s to import and is optional (the web extra): only on use
    import gradio as gr

    return gr.themes.Default(
        font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"]
    )


def build_app(
    model=DEFAULT_MODEL,
    *,
    limits: Limits | None = None,
    views: Sequence[View] | Callable[[], Sequence[View]] | None = None,
    corpora_root: str | os.PathLike | None = None,
    model_name: str | None = None,
    work_parent: str | os.PathLike | None = None,
    concepts: Sequence[Any] | None = None,
):
    """The studio app (a ``gradio.Blocks``, with its queue set up); ``app.studio`` holds its model and
    folders.

    ``model`` is a loaded model (loaded once, shared by every request) or a name/folder for
    :meth:`partita.Generator.from_pretrained` (``"debug"``: the tiny untrained one). ``concepts``: learned
    concepts a request may pick (generators carrying one, from :meth:`partita.Generator.with_concept`, or
    what it takes: a concept folder or file). ``corpora_root`` defaults to
    :func:`partita.paths.corpora_dir`. Call ``app.studio.close()`` when done (``serve`` does).
    """
    gradio_env()
    # gradio (~3 s, optional) reads the environment gradio_env() sets when it is imported: after it
    import gradio as gr

    # partita.pipelines loads torch (~2 s): only when an app is built
    from partita.pipelines import load_generator

    limits = limits or Limits()
    if isinstance(model, str | os.PathLike):
        model_name = model_name or str(model)
        model = load_generator(str(model))
    carried: dict[str, Any] = {}
    for item in concepts or ():
        generator = item if getattr(item, "concept", None) else model.with_concept(item)
        if generator.concept in carried:
            raise ValueError(f"two concepts are named <{generator.concept}>: give each once")
        carried[generator.concept] = generator
    studio = Studio(
        model=model,
        model_name=model_name or getattr(model, "card", {}).get("name", type(model).__name__),
        limits=limits,
        # inside Gradio's own folder by default, so Gradio serves the answers' files without copying them
        work=WorkDir(
            limits.keep_seconds,
            work_parent if work_parent is not None else upload_roots()[0],
            max_bytes=limits.max_temp_bytes,
            max_files=limits.max_temp_files,
            min_seconds=limits.min_keep_seconds,
        ),
        corpora_root=Path(corpora_root) if corpora_root is not None else corpora_dir(),
        concepts=carried,
    )
    chosen = views() if callable(views) else (views if views is not None else default_views())
    keep = int(limits.keep_seconds)
    with _blocks_class()(
        title="partita studio", analytics_enabled=False, delete_cache=(max(60, keep // 4), keep)
    ) as app:
        gr.Markdown(INTRO)
        with gr.Tabs():
            for view in chosen:
                with gr.Tab(view.title, id=view.name, elem_id=f"tab-{view.name}"):
                    view.build(studio)
    app.queue(max_size=limits.queue_size, default_concurrency_limit=limits.analysis_concurrency)
    app.studio = studio
    watch_gradio(studio.work, app)  # uploads count against the caps of the studio's temporary files
    return app


NOT_AN_UPLOAD = (
    "this file was sent as a path on the server, which the studio does not read: upload it first "
    "(POST /gradio_api/upload) and send the path that returns"
)
"""The answer to a client that sends a file path instead of an upload (Gradio refuses the path)."""


def _blocks_class():
    """``gr.Blocks`` whose refusal of a file path a client sent is one sentence to the client and one log line
    (Gradio answers ``{"error": null}`` and logs a traceback), and which gives the inputs a client left off
    the end their defaults."""
    # gradio takes ~3 s to import and is optional (the web extra): only on use
    import gradio as gr
    from gradio.exceptions import InvalidPathError

    class StudioBlocks(gr.Blocks):
        async def preprocess_data(self, block_fn, inputs, *args, **kwargs):
            wanted = list(getattr(block_fn, "inputs", None) or [])
            if isinstance(inputs, list) and len(inputs) < len(wanted):
                # a client written before an endpoint's last inputs were added (e.g. Compose's concept)
                # sends fewer: those take their defaults, as gradio_client's calls do
                inputs = [*inputs, *(getattr(c, "value", None) for c in wanted[len(inputs) :])]
            try:
                return await super().preprocess_data(block_fn, inputs, *args, **kwargs)
            except InvalidPathError as e:
                log.warning("refused a file path sent instead of an upload: %s", str(e).splitlines()[0][:200])
                raise gr.Error(NOT_AN_UPLOAD, duration=None, print_exception=False) from None

    return StudioBlocks


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")


def host_guard(host: str) -> list:
    """The middleware that answers only requests addressed to a loopback name while the server listens on
    loopback: a web page elsewhere cannot drive it through DNS rebinding (its requests carry the page's host
    name). Bound to another address (``--host``), the server answers any name, as asked."""
    # starlette comes with gradio (the optional web extra): only on use
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    if host not in LOOPBACK_NAMES:
        return []
    return [Middleware(TrustedHostMiddleware, allowed_hosts=list(LOOPBACK_NAMES))]


STARTUP_TRIES = 3
"""Starts tried where the start-up check fails. Gradio's own asks the new server for its page once, with a
3 s time-out, and a busy machine (the large-file benchmark's, at load 10-16) answers later than that; each
start now waits up to :data:`~partita.web.startup.STARTUP_WAIT` seconds for it
(:func:`~partita.web.startup.patient_startup_check`)."""
STARTUP_CHECK = "localhost is not accessible"
"""What Gradio's ValueError says when that check fails."""


class StartupError(RuntimeError):
    """The studio's server did not answer Gradio's start-up check in :data:`STARTUP_TRIES` starts."""


def launch(app, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, block: bool = True, quiet: bool = False):
    """Start the app's server on ``host:port``; with ``block=False`` return at once (stop with
    ``app.close()``). A start whose check times out is tried again (:data:`STARTUP_TRIES`), then
    :class:`StartupError`."""
    for attempt in range(1, STARTUP_TRIES + 1):
        try:
            return _launch_once(app, host, port, block, quiet)
        except ValueError as err:
            if STARTUP_CHECK not in str(err):
                raise
            app.close()
            if attempt == STARTUP_TRIES:
                raise StartupError(
                    f"the studio's server on {host}:{port} did not answer its own start-up check in "
                    f"{STARTUP_TRIES} tries of {STARTUP_WAIT:.0f} s (a very busy machine, or a proxy setting "
                    "such as HTTP_PROXY without NO_PROXY=localhost catching it)"
                ) from None
            log.warning("the studio did not answer its start-up check in time: starting it again")


def _launch_once(app, host: str, port: int, block: bool, quiet: bool):
    limits = app.studio.limits
    with patient_startup_check():
        return app.launch(
            app_kwargs={"middleware": host_guard(host)},
            server_name=host,
            server_port=port,
            max_file_size=limits.max_upload_bytes,
            prevent_thread_lock=not block,
            show_error=False,  # gradio.Error messages still show: Studio.guard turns every failure into one
            footer_links=["api"],
            ssr_mode=False,
            state_session_capacity=limits.max_sessions,  # Gradio keeps 10,000 sessions' state by default
            quiet=quiet,
            theme=_theme(),
        )


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    model=DEFAULT_MODEL,
    limits: Limits | None = None,
    corpora_root: str | os.PathLike | None = None,
    concepts: Sequence[Any] | None = None,
) -> None:
    """Build the studio and serve it until interrupted (``concepts`` as :func:`build_app` takes them); the
    upload and work folders are removed on the way out."""
    gradio_env()
    made_temp = None
    if not os.environ.get("GRADIO_TEMP_DIR"):  # this server's uploads and cache, removed when it stops
        made_temp = tempfile.mkdtemp(prefix="partita-gradio-")
        os.environ["GRADIO_TEMP_DIR"] = made_temp
    app = build_app(model, limits=limits, corpora_root=corpora_root, concepts=concepts)
    stop = threading.Event()
    handlers = {}
    if threading.current_thread() is threading.main_thread():
        # our own Ctrl-C / SIGTERM handling: Gradio's blocking loop could miss a KeyboardInterrupt raised
        # while launch() was still starting up (seen on a busy CI machine: the server never stopped), and
        # SIGTERM (docker stop, systemd) would otherwise skip the clean-up below
        for sig in (signal.SIGINT, signal.SIGTERM):
            handlers[sig] = signal.signal(sig, lambda signum, frame: stop.set())
    try:
        if handlers:
            launch(app, host, port, block=False)
            while not stop.wait(0.5):
                pass
            log.info("stopping the studio")
        else:
            launch(app, host, port, block=True)
    finally:
        for sig, previous in handlers.items():  # a second Ctrl-C during the clean-up interrupts as usual
            signal.signal(sig, previous)
        # each step runs even when one before it fails or is interrupted (a second Ctrl-C during Gradio's
        # close)
        try:
            app.close()
        finally:
            try:
                app.studio.close()
            finally:
                if made_temp:
                    shutil.rmtree(made_temp, ignore_errors=True)
