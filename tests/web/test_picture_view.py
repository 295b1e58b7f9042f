"""The Picture view: an uploaded picture (and words) to candidates with the taught debug model, what was read
from the picture shown; bad uploads are one clear message."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from partita.web.limits import UserError
from partita.web.picture import PictureView, picture, sniff_image


def image(folder: Path, name: str, bgr: tuple[int, int, int]) -> str:
    """A 96 x 64 picture of one colour (BGR) with a lighter square, written by OpenCV by ``name``'s suffix."""
    import cv2

    pixels = np.zeros((64, 96, 3), np.uint8)
    pixels[:] = bgr
    pixels[16:48, 32:64] = np.minimum(np.array(bgr) + 40, 255)
    path = folder / name
    assert cv2.imwrite(str(path), pixels)
    return str(path)


def test_a_bright_warm_picture_gives_major_music_and_says_what_was_read(local, uploads):
    from symusic import Score

    sunny = image(uploads, "sunny.png", (60, 200, 255))  # orange-yellow, light
    summary, files, views, shown = picture(local, sunny, "", n=2, seed=1)
    assert summary["file"] == "sunny.png" and summary["format"] == "png"
    assert summary["read"].startswith("read from sunny.png:") and "brightness" in summary["read"]
    assert summary["valence"] > 0.15 and summary["features"]["warmth"] > 0
    assert "'sunny.png' -> valence" in summary["explain"]  # what the picture set, as --explain shows it
    assert summary["understood"]["conditions"]["mode"] == "major"
    assert [c["rank"] for c in summary["candidates"]] == [1, 2] and len(views) == 2
    assert Path(shown) == Path(sunny).resolve()
    midis = [f for f in files if f.endswith(".mid")]
    assert len(midis) == 2 and all(Path(f).is_file() for f in files)
    assert Score(midis[0]).note_num() > 0
    assert Path(views[0]["paths"]["pianoroll"]).stat().st_size > 1000


def test_a_dark_blue_picture_gives_minor_and_the_words_win(local, uploads):
    night = image(uploads, "night.jpg", (90, 20, 10))  # dark blue (BGR)
    summary, files, _, _ = picture(local, night, "", n=1, seed=2)
    assert summary["format"] == "jpeg" and summary["valence"] < -0.15
    assert summary["understood"]["conditions"]["mode"] == "minor" and len(files) >= 1
    summary, _, _, _ = picture(local, night, "in D major, 2 bars", n=1, seed=2)
    c = summary["understood"]["conditions"]
    assert c["mode"] == "major" and c["key"] == "D" and c["bars"] == 2


def test_webp_is_read_by_its_content_not_its_name(local, uploads):
    path = image(uploads, "dusk.webp", (120, 80, 160))
    renamed = Path(path).rename(uploads / "dusk.bin")
    assert sniff_image(renamed.read_bytes()[:16]) == "webp"
    summary, _, _, _ = picture(local, str(renamed), "", n=1, seed=3)
    assert summary["format"] == "webp" and "read from dusk.bin" in summary["read"]


def test_bad_uploads_and_requests_are_one_sentence(local, uploads, tmp_path):
    with pytest.raises(UserError, match="no file was uploaded: choose a JPEG, PNG or WebP image"):
        picture(local, None)
    outside = image(tmp_path, "elsewhere.png", (0, 0, 0))
    with pytest.raises(UserError, match="not uploaded to this server"):
        picture(local, outside)
    fake = uploads / "fake.png"
    fake.write_text("<html>not a picture</html>")
    with pytest.raises(UserError, match=r"fake\.png: not a picture this view reads"):
        picture(local, str(fake))
    (uploads / "empty.jpg").write_bytes(b"")
    with pytest.raises(UserError, match="empty"):
        picture(local, str(uploads / "empty.jpg"))
    broken = uploads / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(UserError) as e:
        picture(local, str(broken))
    assert str(e.value).startswith("broken.png") and str(uploads) not in str(e.value)
    sunny = image(uploads, "sunny.png", (60, 200, 255))
    with pytest.raises(UserError, match="64 bars; this server makes at most 4"):
        picture(local, sunny, "a waltz, 64 bars")
    with pytest.raises(UserError, match="candidates"):
        picture(local, sunny, "", n=3)


def test_the_view_builds_with_its_endpoint(local):
    import gradio as gr

    with gr.Blocks() as demo:
        PictureView().build(local)
    assert PictureView.name == "picture" and PictureView.title == "Picture"
    assert "picture" in {d.api_name for d in demo.fns.values()}
