"""The studio in a real browser: type a prompt, generate with the (taught) debug model, listen, look,
download."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import browser_page, open_tab, upload
from studio_fixtures import PROMPT

from partita.render import audio_available

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "score"


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_compose_in_the_browser_plays_shows_and_downloads(studio, tmp_path):
    from symusic import Score

    with browser_page() as page:
        page.goto(studio[0])
        page.locator("#compose-prompt textarea").fill(PROMPT)
        page.locator("#compose-generate").click()
        first = page.locator(".candidate-pianoroll").first
        first.locator("img").wait_for(state="visible", timeout=180_000)  # a busy machine is slow
        width = first.locator("img").evaluate("img => img.complete ? img.naturalWidth : 0")
        assert width > 200, "the piano roll image did not load"
        assert "C major" in page.locator("#compose-understood textarea").input_value()
        assert page.locator(".candidate-score img").first.evaluate("img => img.naturalWidth") > 200
        if audio_available():  # a Gradio audio block holds two audio elements: the one with a source plays
            audio = page.locator(".candidate-audio audio[src]").first
            audio.wait_for(state="attached", timeout=90_000)
            page.wait_for_function("a => a.readyState >= 1", arg=audio.element_handle(), timeout=90_000)
            assert audio.evaluate("a => a.duration") > 1.0  # the WAV of a 2-bar piece loaded
        link = page.locator(".candidate-files a[download$='.mid']").first
        with page.expect_download(timeout=90_000) as download:
            link.click()
        target = tmp_path / download.value.suggested_filename
        download.value.save_as(target)
        assert target.suffix == ".mid"
        assert Score(str(target)).note_num() > 0


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_analyze_in_the_browser_captions_an_upload(studio):
    with browser_page() as page:
        page.goto(studio[0])

        def to_analyze(page) -> None:
            open_tab(page, "Analyze", shows="#analyze-run")

        to_analyze(page)
        upload(page, "#analyze-upload", FIXTURES / "minuet.musicxml", reopen=to_analyze)
        page.locator("#analyze-run").click()
        caption = page.locator("#analyze-caption-en textarea")
        page.wait_for_function("el => el.value.length > 20", arg=caption.element_handle(), timeout=120_000)
        assert "3/4" in caption.input_value() or "time" in caption.input_value()
        zh = page.locator("#analyze-caption-zh textarea").input_value()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_an_error_explanation_stays_on_the_page(studio):
    """A refused request is explained in words that are still on the page after the 10 s a toast lasts."""
    with browser_page() as page:
        page.goto(studio[0])
        page.locator("#compose-prompt textarea").fill(PROMPT)
        page.locator("#compose-seed textarea, #compose-seed input").first.fill("lucky")
        page.locator("#compose-generate").click()
        message = page.get_by_text("is not a number")
        message.first.wait_for(state="visible", timeout=60_000)
        page.wait_for_timeout(12_000)
        assert message.first.is_visible(), "the explanation faded away"
