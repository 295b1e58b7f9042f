"""Every CLI command over hostile and broken files: one clear line and exit code 2, or a result; never a
traceback.

The files are made here, mostly as raw bytes written by hand (symusic refuses to write most of them): a MIDI
header of zero ticks per quarter note, tempos of ~1 and 100,000 bpm, one note lasting days in 37 bytes, 2,000
tracks, truncated and random files, an empty file, a folder, symbolic link loops, MusicXML with deep nesting,
entity expansion (billion laughs) and an external entity, a compressed MusicXML that inflates to 100 MB,
ABC and Humdrum garbage. Each is run through ``describe``, ``caption``, ``render`` (with and without
``--wav``) and ``convert`` to each format, in process, as the ``partita`` command runs them.
"""

from __future__ import annotations

import io
import os
import random
import struct
import time
import traceback
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from partita.cli.main import main
from partita.render import audio_available

# ------------------------------------------------------------------------------------------- raw MIDI bytes


def vlq(n: int) -> bytes:
    """A MIDI variable-length quantity."""
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    return bytes(reversed(out))


def mtrk(events: list[tuple[int, bytes]], end: bool = True) -> bytes:
    body = b"".join(vlq(d) + e for d, e in events) + (b"\x00\xff\x2f\x00" if end else b"")
    return b"MTrk" + struct.pack(">I", len(body)) + body


def smf(tracks: list[bytes], division: int = 480) -> bytes:
    fmt = 1 if len(tracks) > 1 else 0
    return b"MThd" + struct.pack(">IHHH", 6, fmt, len(tracks), division) + b"".join(tracks)


def note(pitch: int = 60, ticks: int = 480, channel: int = 0) -> list[tuple[int, bytes]]:
    return [(0, bytes([0x90 | channel, pitch, 80])), (ticks, bytes([0x80 | channel, pitch, 0]))]


def tempo(microseconds_per_quarter: int) -> tuple[int, bytes]:
    return (0, b"\xff\x51\x03" + microseconds_per_quarter.to_bytes(3, "big"))


def scale(n: int = 8) -> list[tuple[int, bytes]]:
    return [e for p in range(60, 60 + n) for e in note(p)]


# ------------------------------------------------------------------------------------------- the files

MUSICXML_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN" '
    '"http://www.musicxml.org/dtds/partwise.dtd"'
)
MUSICXML_BODY = (
    '<score-partwise version="4.0"><part-list><score-part id="P1"><part-name>{name}</part-name></score-part>'
    '</part-list><part id="P1"><measure number="1"><attributes><divisions>1</divisions><time><beats>4</beats>'
    "<beat-type>4</beat-type></time><clef><sign>G</sign><line>2</line></clef></attributes>"
    "<note><pitch><step>C</step><octave>4</octave></pitch><duration>4</duration><type>whole</type></note>"
    "</measure></part></score-partwise>\n"
)


def billion_laughs() -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    return f"{MUSICXML_HEAD} [{entities}]>\n{MUSICXML_BODY.format(name='&lol9;')}".encode()


def external_entity() -> bytes:
    doctype = ' [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    return f"{MUSICXML_HEAD}{doctype}{MUSICXML_BODY.format(name='&xxe;')}".encode()


def deep_nesting(depth: int = 100_000) -> bytes:
    body = MUSICXML_BODY.format(name="deep").replace(
        "</part-list>", "</part-list>" + "<credit>" * depth + "</credit>" * depth
    )
    return f"{MUSICXML_HEAD}>\n{body}".encode()


def inflating_mxl() -> bytes:
    """A 100 KB compressed MusicXML whose score inflates to 100 MB of spaces."""
    buf = io.BytesIO()
    xml = MUSICXML_BODY.format(name="bomb").encode()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "META-INF/container.xml",
            '<container><rootfiles><rootfile full-path="s.xml"/></rootfiles></container>',
        )
        with z.open("s.xml", "w", force_zip64=True) as f:
            f.write(xml[:-20])
            chunk = b" " * (1 << 20)
            for _ in range(100):
                f.write(chunk)
            f.write(xml[-20:])
    return buf.getvalue()


def zip_of(score: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("score.xml", score)
    return buf.getvalue()


def many_notes(n: int = 510_000) -> bytes:
    # running status: one note-on status, then (delta, pitch, velocity) triples; velocity 0 ends a note
    events = b"\x00\x90\x3c\x50" + b"\x60\x3c\x00\x00\x3c\x50" * n + b"\x60\x3c\x00\x00\xff\x2f\x00"
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, 96) + b"MTrk" + struct.pack(">I", len(events)) + events


def _write(data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path, name: str) -> Path:
        p = folder / name
        p.write_bytes(data)
        return p

    return make


def _folder(folder: Path, name: str) -> Path:
    p = folder / name
    p.mkdir()
    return p


def _symlink_loop(folder: Path, name: str) -> Path:
    p = folder / name
    p.symlink_to(p.name)
    return p


def _symlink_pair(folder: Path, name: str) -> Path:
    a, b = folder / name, folder / f"other-{name}"
    a.symlink_to(b.name)
    b.symlink_to(a.name)
    return a


def _dangling(folder: Path, name: str) -> Path:
    p = folder / name
    p.symlink_to("nowhere.mid")
    return p


def _fifo(folder: Path, name: str) -> Path:
    p = folder / name
    os.mkfifo(p)
    return p


rng = random.Random(20)
GOOD = smf([mtrk([tempo(500_000), *scale()])])
HOSTILE: dict[str, tuple[Callable[[Path, str], Path], str | None]] = {
    # name -> (how to make it, a phrase the refusal must contain, or None when the file may be read)
    "zero-tpq.mid": (_write(smf([mtrk(scale())], division=0)), "0 ticks per quarter note"),
    "slow-tempo.mid": (_write(smf([mtrk([tempo(0xFFFFFF), *note()])])), None),  # ~3.6 bpm: MIDI's slowest
    "fast-tempo.mid": (_write(smf([mtrk([tempo(600), *scale()])])), None),  # 100,000 bpm
    "zero-tempo.mid": (_write(smf([mtrk([tempo(0), *scale()])])), None),  # 0 us per quarter: infinitely fast
    "days-long-note.mid": (_write(smf([mtrk(note(ticks=0x0FFFFFFF))], division=96)), "over the limit"),
    "far-event.mid": (_write(smf([mtrk([*note(), (0x0FFFFFFF, b"\xb0\x07\x64")])])), "over the limit"),
    "2000-tracks.mid": (_write(smf([mtrk(note(channel=i % 16)) for i in range(2000)])), "2000 tracks"),
    "510k-notes.mid": (_write(many_notes()), "notes, over the limit"),
    "odd-signatures.mid": (
        _write(smf([mtrk([(0, b"\xff\x58\x04\xff\xff\x18\x08"), (0, b"\xff\x59\x02\xc8\x05"), *scale()])])),
        None,
    ),
    "no-note-off.mid": (_write(smf([mtrk([(0, b"\x90\x3c\x50"), (480, b"\x90\x3e\x50")])])), None),
    "truncated.mid": (_write(GOOD[: len(GOOD) // 2]), "MIDI"),
    "header-only.mid": (_write(GOOD[:14]), None),
    "huge-chunk-length.mid": (_write(GOOD[:18] + b"\xff\xff\xff\xff" + GOOD[22:]), "MIDI"),
    "random-after-header.mid": (_write(GOOD[:14] + rng.randbytes(2000)), None),
    "random.mid": (_write(rng.randbytes(4096)), "not a score file"),
    "empty.mid": (_write(b""), "empty"),
    "folder.mid": (_folder, "is a directory"),  # click refuses a folder itself ("is a directory")
    "symlink-loop.mid": (_symlink_loop, "symbolic link loop"),
    "symlink-pair.mid": (_symlink_pair, "symbolic link loop"),
    "dangling-link.mid": (_dangling, "does not exist"),
    "fifo.mid": (_fifo, "not a regular file"),
    "billion-laughs.musicxml": (_write(billion_laughs()), "XML entities"),
    "external-entity.musicxml": (_write(external_entity()), "XML entities"),
    "deep-nesting.musicxml": (_write(deep_nesting()), None),
    "truncated.musicxml": (
        _write(f"{MUSICXML_HEAD}>\n{MUSICXML_BODY.format(name='t')}"[:400].encode()),
        None,
    ),
    "inflating.mxl": (_write(inflating_mxl()), "MiB"),
    "random-zip.mxl": (_write(b"PK\x03\x04" + rng.randbytes(3000)), "not a score file"),
    "zip-of-garbage.mxl": (_write(zip_of(b"<score-partwise>" + rng.randbytes(3000))), None),
    "garbage.abc": (
        _write(b"X:1\nT:garbage\nK:C\n" + bytes(rng.randrange(32, 127) for _ in range(3000))),
        None,
    ),
    "endless-note.abc": (_write(b"X:1\nM:4/4\nL:1/1\nK:C\nC100000000|\n"), None),
    "garbage.krn": (
        _write(b"**kern\n" + bytes(rng.randrange(32, 127) for _ in range(2000)) + b"\n*-\n"),
        None,
    ),
}

COMMANDS: dict[str, Callable[[Path, Path], list[str]]] = {
    "describe": lambda f, out: ["describe", str(f)],
    "describe-json": lambda f, out: ["describe", str(f), "--json"],
    "caption": lambda f, out: ["caption", str(f), "--n", "2"],
    "caption-segments": lambda f, out: ["caption", str(f), "--segments", "--lang", "zh"],
    "render": lambda f, out: ["render", str(f), "-o", str(out)],  # every output; the WAV when audio is here
    "render-wav": lambda f, out: ["render", str(f), "--wav", "-o", str(out)],
    "convert-mid": lambda f, out: ["convert", str(f), str(out / "x.mid")],
    "convert-musicxml": lambda f, out: ["convert", str(f), str(out / "x.musicxml")],
    "convert-mxl": lambda f, out: ["convert", str(f), str(out / "x.mxl")],
}
SECONDS_PER_REFUSAL = 10.0
"""A file refused by a limit is refused before any real work (seconds include music21's import)."""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    for name, (make, _) in HOSTILE.items():
        make(folder, name)
    return folder


def run_cli(args: list[str]) -> tuple[int | None, str, BaseException | None, str]:
    """Run ``partita ARGS`` as the console script does (``partita.cli.main:main``), capturing its output.

    Returns (exit code, stdout + stderr, the exception that escaped, its traceback).
    """
    with CliRunner().isolation() as (_, _, output):
        code: int | None
        escaped, tb = None, ""
        try:
            code = main(args)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException as e:  # noqa: BLE001 - anything else reaching the user is the failure looked for
            code, escaped, tb = None, e, traceback.format_exc()
        text = output.getvalue().decode("utf-8", errors="replace")
    return code, text, escaped, tb


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_cli_on_hostile_file(hostile: Path, tmp_path: Path, name: str, command: str) -> None:
    if command == "render-wav" and not audio_available():
        pytest.skip("no FluidSynth or soundfont: the WAV part is not run")
    args = COMMANDS[command](hostile / name, tmp_path / "out")
    t0 = time.monotonic()
    code, text, escaped, tb = run_cli(args)
    seconds = time.monotonic() - t0
    assert escaped is None, f"partita {' '.join(args)} raised {escaped!r}:\n{tb}"
    assert "Traceback" not in text, text
    assert code in (0, 2), f"exit code {code}: {text}"
    if code == 2:
        lines = [line for line in text.splitlines() if line.strip() and "WARNING" not in line]
        assert len(lines) <= 3, text  # one line (click's usage errors: usage, hint, error)
    expected = HOSTILE[name][1]
    if expected is not None:
        assert code == 2, f"{name} should be refused, got: {text}"
        assert expected in text, text
        assert seconds < SECONDS_PER_REFUSAL, f"refused after {seconds:.1f} s"
    if "etc/passwd" in text or "root:x:" in text:
        pytest.fail(f"an external entity was resolved: {text}")
    if code == 0 and command.startswith("convert"):
        target = Path(args[-1])
        assert target.is_file() and target.stat().st_size < 10 * 2**20
        assert b"root:x:" not in target.read_bytes()


def test_limits_are_refused_fast_and_name_the_file(hostile: Path) -> None:
    """The reported cases: a 37-byte file with a note of days, and 2,000 tracks, are refused in well under a
    second of partita's own time (after the first command has imported everything)."""
    assert (hostile / "days-long-note.mid").stat().st_size == 37
    run_cli(["describe", str(hostile / "zero-tpq.mid")])  # warm the imports
    for name, phrase in (("days-long-note.mid", "days long"), ("2000-tracks.mid", "2000 tracks")):
        for args in (["render", "--wav"], ["convert"], ["describe"]):
            f = hostile / name
            full = [args[0], str(f), *args[1:]] + (
                ["/nonexistent/out.musicxml"] if args == ["convert"] else []
            )
            t0 = time.monotonic()
            code, text, escaped, _ = run_cli(full)
            assert escaped is None and code == 2, text
            assert str(f) in text and phrase in text, text
            assert time.monotonic() - t0 < 2.0, text
