"""The Picture view's video half in a real browser: upload a short video made here by OpenCV, score it with
the taught debug model, see what was read and the plan, the video with the music, and download the MIDI.
Skipped where Debian's chromium or Playwright is missing."""

from __future__ import annotations

import pytest
from browser import CHROMIUM, browser_page, open_tab, upload

from partita.picture.synthetic import SyntheticShot, SyntheticVideo, write_synthetic_video
from partita.render import audio_available

pytest.importorskip("playwright", reason="the browser test needs playwright: pip install -e '.[test]'")
if not CHROMIUM.is_file():
    pytest.skip(f"the browser test needs Debian's chromium at {CHROMIUM}", allow_module_level=True)

CLIP = SyntheticVideo(
    5.0,
    [SyntheticShot(0.0, (200, 80, 40)), SyntheticShot(2.5, (40, 60, 220), speed=0.4)],
    width=96,
    height=64,
    fps=12.0,
)
"""Two shots, a cut at 2.5 s (about 2 bars of music: within the test studio's 4)."""


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_a_video_is_scored_in_the_browser_shown_and_downloaded(studio, tmp_path, one_thread):
    from symusic import Score

    clip = write_synthetic_video(CLIP, tmp_path / "clip.mp4")
    with browser_page() as page:
        page.goto(studio[0])

        def to_picture(page) -> None:
            open_tab(page, "Picture", shows="#picture-video-score")

        to_picture(page)
        upload(page, "#picture-video-upload", clip, reopen=to_picture)
        page.locator("#picture-video-candidates input[type=number]").fill("2")
        page.locator("#picture-video-score").click()
        plan = page.locator("#picture-video-plan textarea")
        page.wait_for_function(
            "el => el.value.includes('sections for')", arg=plan.element_handle(), timeout=240_000
        )
        assert "2 sections for 5.00 s of video" in plan.input_value()
        assert "section 2: the best of 2 candidates" in plan.input_value()  # the slider was read
        read = page.locator("#picture-video-read textarea").input_value()
        assert "clip.mp4" in read and "2.50" in read  # the cut, as read
        if audio_available():  # the muxed video plays in the page, as long as the upload
            video = page.locator("#picture-video-out video[src]").first
            video.wait_for(state="attached", timeout=90_000)
            page.wait_for_function("v => v.readyState >= 1", arg=video.element_handle(), timeout=90_000)
            assert video.evaluate("v => v.duration") == pytest.approx(CLIP.duration, abs=0.3)
        link = page.locator("a[download$='.mid']").first
        link.wait_for(state="attached", timeout=60_000)
        with page.expect_download(timeout=90_000) as download:
            link.click()
        target = tmp_path / download.value.suggested_filename
        download.value.save_as(target)
        assert target.suffix == ".mid" and Score(str(target)).note_num() > 0
