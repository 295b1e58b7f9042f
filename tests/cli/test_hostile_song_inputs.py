"""``partita song`` over files that are not what it asks for: one line naming the file and what is wrong, a
non-zero exit code, no traceback, nothing written.

``song melody`` and ``song full`` take lyrics (UTF-8 text); given 2,000 random bytes they used to sing the
bytes (277 "syllables" of decoding errors and stray letters, a 10-minute song written). ``song template``
takes a melody (MIDI or MusicXML). The inputs are made here, a few kilobytes each.
"""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np
import pytest
from tests.robustness.test_hostile_files import mtrk, run_cli, scale, smf

from partita.cli._errors import check_text_file

GOOD_LYRICS = "[verse]\nTwinkle twinkle little star\nHow I wonder what you are\n"


@pytest.fixture(scope="module")
def d(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("hostile-song")
    rng = np.random.default_rng(20)
    (d / "random.txt").write_bytes(rng.integers(0, 256, 2000, dtype=np.uint8).tobytes())
    midi = smf([mtrk(scale())])
    (d / "tune.mid").write_bytes(midi)
    (d / "truncated.mid").write_bytes(midi[: len(midi) // 2])
    (d / "truncated.musicxml").write_bytes(b'<?xml version="1.0"?>\n<score-partwise><part id="P1"><measure')
    (d / "nul.txt").write_bytes(b"Twinkle twinkle\x00\x01\x02 little star\n")  # UTF-8, and binary
    (d / "latin1.txt").write_bytes("Caf\u00e9 au lait\nall night long\n".encode("latin-1"))
    (d / "utf16.txt").write_bytes(GOOD_LYRICS.encode("utf-16"))
    (d / "tune.abc").write_text("X:1\nT:tune\nM:4/4\nK:G\nGABc|d2B2|\n")
    (d / "empty.txt").write_bytes(b"")
    (d / "huge.txt").write_bytes(b"la " * (2 * 2**20))  # 6 MiB of text: over the 4 MiB read at most
    (d / "lyrics.txt").write_text(GOOD_LYRICS)
    return d


MELODY = ["song", "melody", "{f}", "-o", "{out}", "--no-png"]
FULL = ["song", "full", "{f}", "-o", "{out}", "--model", "debug", "-n", "1"]
TEMPLATE = ["song", "template", "{f}"]
LYRICS_CASES = {
    "random.txt": "not lyrics in UTF-8 text",
    "tune.mid": "a MIDI score, not lyrics",
    "truncated.mid": "a MIDI score, not lyrics",
    "truncated.musicxml": "a MusicXML score, not lyrics",
    "tune.abc": "an ABC score, not lyrics",
    "nul.txt": "binary data, not lyrics (control character U+0000",
    "latin1.txt": "save it as UTF-8 text",
    "utf16.txt": "not lyrics in UTF-8 text",
    "empty.txt": "the lyrics are empty",
    "huge.txt": "too large for lyrics",
}
MELODY_CASES = {
    "random.txt": "not a score file",
    "truncated.mid": "unreadable MIDI",
    "truncated.musicxml": "unreadable musicxml",
    "empty.txt": "",
    "lyrics.txt": "not a score file",
}
CASES = {
    **{f"melody {f}": (MELODY, f, p) for f, p in LYRICS_CASES.items()},
    **{f"full {f}": (FULL, f, p) for f, p in LYRICS_CASES.items() if f != "huge.txt"},
    **{f"template {f}": (TEMPLATE, f, p) for f, p in MELODY_CASES.items()},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_file_not_what_song_asks_for_is_refused_in_one_line(d: Path, tmp_path: Path, name: str) -> None:
    template, file, phrase = CASES[name]
    out = tmp_path / "out"
    args = [a.format(f=d / file, out=out) for a in template]
    code, text, escaped, tb = run_cli(args)
    assert escaped is None, f"partita {' '.join(args)} raised {escaped!r}:\n{tb}"
    assert "Traceback" not in text, text
    assert code in (1, 2), f"exit code {code}: {text}"
    said = [line for line in text.splitlines() if "Error: " in line or "error: " in line]
    assert len(said) == 1 and phrase in said[0] and str(d / file) in said[0], text
    assert not out.exists(), f"{name} wrote {sorted(out.iterdir())}"


def test_good_lyrics_still_make_a_song(d: Path, tmp_path: Path) -> None:
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + GOOD_LYRICS.replace("\n", "\r\n").encode() + b"\x1a")
    for file in (d / "lyrics.txt", tmp_path / "bom.txt"):
        args = ["song", "melody", str(file), "-o", str(tmp_path / "out"), "--no-png"]
        code, text, escaped, tb = run_cli(args)
        assert escaped is None and code == 0, f"{text}\n{tb}"
        assert (tmp_path / "out" / f"{file.stem}.mid").stat().st_size > 0
        assert "14 syllables" in text, text  # the byte-order mark and DOS's end mark are not sung


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        (b"ok\tline\r\nnext line\x0c\n", None),
        ("\u4e00\u95ea\u4e00\u95ea\u4eae\u6676\u6676\n".encode(), None),
        (b"line\x1bwith an escape\n", "U+001B"),
        ("a C1 control \u0085 is a line break, \u0090 is not".encode(), "U+0090"),
        (b"\xc3\x28 broken", "byte 0xc3 at offset 0"),
    ],
)
def test_check_text_file(tmp_path: Path, data: bytes, phrase: str | None) -> None:
    f = tmp_path / "words.txt"
    f.write_bytes(data)
    if phrase is None:
        check_text_file(f, "lyrics")
        return
    with pytest.raises(click.ClickException, match=phrase.replace("+", r"\+")):
        check_text_file(f, "lyrics")
