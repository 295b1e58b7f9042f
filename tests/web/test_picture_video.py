"""The Picture view's video half: an uploaded video (made here by OpenCV) comes back with music as long as it,
what was read and the section plan shown; bad uploads and requests over the server's limits are one clear
message."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from partita.picture.synthetic import SyntheticShot, SyntheticVideo, write_synthetic_video
from partita.render.audio import audio_available
from partita.web.limits import Limits, UserError, WorkDir
from partita.web.picture import PictureView, picture_video, sniff_video

TINY = SyntheticVideo(
    5.0,
    [SyntheticShot(0.0, (200, 80, 40)), SyntheticShot(2.5, (40, 60, 220), speed=0.4)],
    width=96,
    height=64,
    fps=12.0,
)
"""Two shots, a cut at 2.5 s: 60 frames of 96 x 64 (about 2 bars of music)."""


@pytest.fixture(scope="module")
def tiny_video(tmp_path_factory) -> Path:
    return write_synthetic_video(TINY, tmp_path_factory.mktemp("video") / "tiny clip.mp4")


@pytest.fixture
def upload(uploads, tiny_video):
    def copy(name: str = "clip.mp4") -> str:
        target = uploads / name
        target.write_bytes(tiny_video.read_bytes())
        return str(target)

    return copy


def studio_with(model, tmp_path, **limits):
    from partita.web.studio import Studio

    return Studio(
        model=model,
        model_name="debug",
        limits=Limits(**{"max_candidates": 2, "max_bars": 4, **limits}),
        work=WorkDir(60, tmp_path / "work"),
        corpora_root=tmp_path,
    )


def video_codec(path: str) -> str:
    import re
    import subprocess

    from partita.picture.mux import ffmpeg_exe

    err = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", path], capture_output=True, text=True).stderr
    return re.search(r"Video:\s*(\w+)", err).group(1)


def test_a_video_comes_back_with_music_as_long_as_it(local, upload):
    from partita.picture.mux import read_media_duration
    from partita.score import read_midi

    path = upload()
    calls = []
    summary, files, paths = picture_video(
        local, path, "", seed=1, progress=lambda f, desc="": calls.append(f)
    )
    assert summary["file"] == "clip.mp4" and summary["format"] == "mp4"
    assert summary["cuts"] == pytest.approx([2.5], abs=0.1) and summary["duration"] == pytest.approx(5.0)
    assert summary["read"].startswith("read from clip.mp4:") and "shot 2" in summary["read"]
    assert summary["plan"].startswith("2 sections for 5.00 s of video")
    assert [s["bars"] for s in summary["sections"]] and sum(s["bars"] for s in summary["sections"]) <= 4
    assert set(summary["alignment"]) == {"aligned", "bar_lines_only", "unaligned"}
    assert read_midi(paths["midi"]).note_num() >= 0 and Path(paths["pianoroll"]).stat().st_size > 500
    assert calls[0] == 0.0 and calls[-1] == 1.0 and all(0.0 <= c <= 1.0 for c in calls)
    if audio_available():
        assert [Path(f).suffix for f in files] == [".mid", ".wav", ".mp4"]
        with wave.open(paths["wav"]) as w:
            assert w.getnframes() == round(5.0 * w.getframerate())
        assert read_media_duration(paths["video"]) == pytest.approx(5.0, abs=0.05)
        assert summary["files"]["video"] == "clip_with_music.mp4"
        assert video_codec(paths["video"]) == "h264"  # OpenCV's mp4v re-encoded: browsers play H.264
    else:
        assert [Path(f).suffix for f in files] == [".mid"] and "no FluidSynth" in summary["notes"][-1]


def test_bad_videos_are_one_sentence(local, upload, uploads, tmp_path):
    with pytest.raises(UserError, match=r"no file was uploaded: choose a short video \(MP4"):
        picture_video(local, None)
    outside = tmp_path / "elsewhere.mp4"
    outside.write_bytes(b"\0" * 100)
    with pytest.raises(UserError, match="not uploaded to this server"):
        picture_video(local, str(outside))
    (uploads / "notes.mp4").write_text("<html>not a video at all, only some text here</html>")
    with pytest.raises(UserError, match=r"notes\.mp4: not a video this view reads"):
        picture_video(local, str(uploads / "notes.mp4"))
    (uploads / "empty.mp4").write_bytes(b"")
    with pytest.raises(UserError, match="empty"):
        picture_video(local, str(uploads / "empty.mp4"))
    corrupt = uploads / "corrupt.mp4"
    corrupt.write_bytes(b"\0\0\0\x18ftypmp42" + bytes(range(256)) * 8)
    with pytest.raises(UserError) as e:
        picture_video(local, str(corrupt))
    assert str(e.value).startswith("corrupt.mp4") and str(uploads) not in str(e.value)
    assert "not a video OpenCV can read" in str(e.value)
    import cv2

    writer = cv2.VideoWriter(str(uploads / "zero.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 12, (96, 64))
    writer.release()  # a valid AVI with no frames
    with pytest.raises(UserError, match=r"^zero\.avi: the video has no frames that can be decoded$"):
        picture_video(local, str(uploads / "zero.avi"))
    with pytest.raises(UserError, match="candidates"):
        picture_video(local, upload(), n=3)
    with pytest.raises(UserError, match="characters"):
        picture_video(local, upload(), "x" * 5000)


def test_a_video_over_the_servers_limits_is_refused_before_generating(studio_model, upload, tmp_path):
    short = studio_with(studio_model, tmp_path, max_audio_seconds=3.0)
    try:
        with pytest.raises(UserError, match=r"clip\.mp4: 0:05 long: partita scores videos of at most 0:03"):
            picture_video(short, upload())
    finally:
        short.close()
    few_bars = studio_with(studio_model, tmp_path, max_bars=1)
    try:
        with pytest.raises(UserError, match=r"needs \d+ bars of music .* at most 1 \(try a shorter video\)"):
            picture_video(few_bars, upload())
        assert not list((tmp_path / "work").rglob("*.mid"))  # nothing was generated
    finally:
        few_bars.close()


def test_containers_are_read_by_their_content():
    assert sniff_video(b"\0\0\0\x18ftypisom" + b"\0" * 52) == "mp4"
    assert sniff_video(b"\0\0\0\x14ftypqt  " + b"\0" * 52) == "mov"
    assert sniff_video(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm") == "webm"
    assert sniff_video(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska") == "mkv"
    assert sniff_video(b"RIFF\0\0\0\0AVI LIST") == "avi"
    assert sniff_video(b"GIF89a" + b"\0" * 58) is None and sniff_video(b"") is None


def test_the_view_builds_with_both_endpoints(local):
    import gradio as gr

    with gr.Blocks() as demo:
        PictureView().build(local)
    assert {"picture", "picture_video"} <= {d.api_name for d in demo.fns.values()}
