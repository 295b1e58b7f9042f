"""partita studio: the web UI and HTTP API over partita's public functions (``partita serve``).

``build_app(model, limits=...)`` returns a Gradio Blocks app with one tab (and endpoints) per view: Compose,
Analyze, Corpus. ``serve(host, port, model)`` runs it on loopback by default. See docs/STUDIO.md.
"""

from partita.web.app import DEFAULT_HOST, DEFAULT_PORT, build_app, default_views, launch, serve
from partita.web.limits import Limits, RequestTimeout, UserError
from partita.web.studio import Studio, View

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "Limits",
    "RequestTimeout",
    "Studio",
    "UserError",
    "View",
    "build_app",
    "default_views",
    "launch",
    "serve",
]
