"""Gradio's start-up check (one request, a 3 s time-out) failing on a busy machine: the studio starts again,
and after its last try ``partita serve`` says so in one line."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("gradio")

from click.testing import CliRunner  # noqa: E402

from partita.web import Limits  # noqa: E402
from partita.web.app import STARTUP_TRIES, StartupError, launch  # noqa: E402

CHECK_FAILED = "When localhost is not accessible, a shareable link must be created. Please set share=True"


class FakeApp:
    """What :func:`launch` uses of a Gradio app: ``launch`` fails its check ``fails`` times."""

    def __init__(self, fails: int, error: str = CHECK_FAILED) -> None:
        self.fails, self.error = fails, error
        self.launches = self.closes = 0
        self.studio = SimpleNamespace(limits=Limits())

    def launch(self, **kwargs):
        self.launches += 1
        if self.launches <= self.fails:
            raise ValueError(self.error)
        return "started"

    def close(self) -> None:
        self.closes += 1


def test_a_start_whose_check_times_out_is_tried_again():
    app = FakeApp(fails=STARTUP_TRIES - 1)
    assert launch(app, block=False, quiet=True) == "started"
    assert app.launches == STARTUP_TRIES and app.closes == STARTUP_TRIES - 1


def test_after_the_last_try_a_startup_error_names_the_address():
    app = FakeApp(fails=STARTUP_TRIES)
    with pytest.raises(StartupError, match=r"127\.0\.0\.1:7860 did not answer"):
        launch(app, block=False, quiet=True)
    assert app.launches == STARTUP_TRIES and app.closes == STARTUP_TRIES


def test_another_value_error_is_not_retried():
    app = FakeApp(fails=1, error="`allowed_paths` must be a list of directories.")
    with pytest.raises(ValueError, match="allowed_paths"):
        launch(app, block=False, quiet=True)
    assert app.launches == 1


def test_partita_serve_reports_it_in_one_line(monkeypatch):
    import partita.web
    from partita.cli.main import cli

    def never_starts(**kwargs):
        raise StartupError("the studio's server on 127.0.0.1:7860 did not answer its own start-up check")

    monkeypatch.setattr(partita.web, "serve", never_starts)
    result = CliRunner().invoke(cli, ["serve", "--model", "debug"])
    assert result.exit_code == 1
    assert "did not answer its own start-up check" in result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, StartupError)
