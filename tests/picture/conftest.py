"""Fixtures: the test video (written once a session) and a writer of test images."""

from __future__ import annotations

import cv2
import pytest
from tests.picture.pictures import SPEC

from partita.picture.synthetic import write_synthetic_video


@pytest.fixture(scope="session")
def video_path(tmp_path_factory):
    return write_synthetic_video(SPEC, tmp_path_factory.mktemp("video") / "clip.mp4")


@pytest.fixture
def write_image(tmp_path):
    def write(name: str, bgr):
        path = tmp_path / name
        assert cv2.imwrite(str(path), bgr)
        return path

    return write
