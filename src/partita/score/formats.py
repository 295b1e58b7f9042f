"""Reading and writing scores in other formats.

partita's score currency is :class:`symusic.Score` in ticks (MIDI semantics: tracks with programs, notes,
tempos, time and key signatures). MIDI goes through symusic's C++ parser (about 270x faster than pretty_midi
here); MusicXML, ABC and Humdrum, which symusic cannot read, go through music21 and :func:`from_music21`.

The format of a file is decided by its content, never by its name alone, so a renamed or mislabelled file is
still read correctly and a non-music file is refused with a clear :class:`ScoreError`.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import symusic

from partita.atomic import atomic_path
from partita.score.errors import ScoreError

log = logging.getLogger(__name__)

Score = symusic.core.ScoreTick
"""The score type: a :class:`symusic.Score` with tick time (``score.ticks_per_quarter`` ticks per beat)."""

DEFAULT_TPQ = 480
MAX_FILE_BYTES = 8 * 1024 * 1024
"""Files larger than this are refused as ``too-large`` (no real score file of this field comes close)."""
MAX_UNZIPPED_BYTES = 8 * MAX_FILE_BYTES
"""The score inside a compressed MusicXML file may inflate to this (music21's largest, a Beethoven quartet, is
10 MiB inside a 200 KB file); beyond it the file is refused as ``too-large`` before it is inflated."""

FORMATS = ("midi", "musicxml", "abc", "humdrum")
_ABC_FIELD = re.compile(rb"^(X|T|K|M|L):", re.MULTILINE)


def sniff_format(data: bytes) -> str | None:
    """Return ``"midi"``, ``"musicxml"``, ``"abc"`` or ``"humdrum"`` from a file's bytes, or None."""
    head = data[:4096]
    if head.startswith(b"MThd") or (head.startswith(b"RIFF") and head[8:12] == b"RMID"):
        return "midi"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = z.namelist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return None
        if any(n.endswith((".xml", ".musicxml")) for n in names):
            return "musicxml"
        return None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text (some MusicXML exports): sniff it as UTF-8
        try:
            return sniff_format(data.decode("utf-16").encode("utf-8"))
        except UnicodeDecodeError:
            return None
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<") and (b"<score-partwise" in data[:65536] or b"<score-timewise" in data[:65536]):
        return "musicxml"
    if b"**kern" in head:
        return "humdrum"
    if b"\x00" not in head and _ABC_FIELD.search(head) and re.search(rb"^K:", data, re.MULTILINE):
        return "abc"
    return None


def _why(e: OSError) -> str:
    return (e.strerror or str(e)).lower()


def stat_score_file(path: str | os.PathLike) -> os.stat_result:
    """``os.stat`` of a score file; a missing file, a symbolic link loop (``symlink-loop``) or a dangling
    link, a folder, a device or a pipe, and a file that may not be read (``unreadable``) are each a
    :class:`ScoreError` that says which."""
    name = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise ScoreError("a symbolic link to a file that does not exist", "missing", name) from None
        raise ScoreError("no such file", "missing", name) from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise ScoreError("a symbolic link loop (it leads back to itself)", "symlink-loop", name) from None
        raise ScoreError(f"cannot read it ({_why(e)})", "unreadable", name) from None
    if stat.S_ISDIR(st.st_mode):
        raise ScoreError("is a folder, not a score file", "not-music", name)
    if not stat.S_ISREG(st.st_mode):
        raise ScoreError("not a regular file (a device, a pipe or a socket)", "not-music", name)
    return st


def _read_bytes(path: str | os.PathLike, max_bytes: int) -> bytes:
    size = stat_score_file(path).st_size
    if size == 0:
        raise ScoreError("the file is empty (0 bytes)", "empty", str(path))
    if size > max_bytes:
        raise ScoreError(
            f"the file is {size / 2**20:.1f} MiB, over the {max_bytes / 2**20:.0f} MiB limit",
            "too-large",
            str(path),
        )
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)  # never more than the limit, even if the file grew since its stat
    except OSError as e:
        raise ScoreError(f"cannot read it ({_why(e)})", "unreadable", str(path)) from None
    if len(data) > max_bytes:
        raise ScoreError(f"the file is over the {max_bytes / 2**20:.0f} MiB limit", "too-large", str(path))
    return data


def read_midi(path: str | os.PathLike, max_bytes: int = MAX_FILE_BYTES) -> Score:
    """Read a Standard MIDI File into a tick-time :class:`symusic.Score`."""
    data = _read_bytes(path, max_bytes)
    return from_midi_bytes(data, str(path))


def from_midi_bytes(data: bytes, name: str = "<bytes>") -> Score:
    """Parse MIDI bytes; a truncated or malformed file raises :class:`ScoreError`."""
    if not data.startswith(b"MThd") and not data.startswith(b"RIFF"):
        raise ScoreError("not a MIDI file (no MThd header)", "not-music", name)
    if len(data) < 14:
        raise ScoreError("truncated MIDI file (header incomplete)", "truncated", name)
    if data.startswith(b"MThd") and data[12] & 0x80:
        # symusic says "Division type is not ticks per quarter!"
        raise ScoreError(
            f"the MIDI header counts time in SMPTE frames ({256 - data[12]} a second), not in ticks per "
            "quarter note; partita reads only the latter",
            "parse-error",
            name,
        )
    try:
        return symusic.Score.from_midi(data)
    except Exception as e:  # symusic raises plain RuntimeError/ValueError on malformed data
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        reason = "truncated" if "end" in msg.lower() or "unexpected" in msg.lower() else "parse-error"
        if pitch := re.fullmatch(r"Get pitch=(\d+)", msg):  # symusic's words for a data byte over 127
            msg = f"a note of pitch {pitch.group(1)}, outside MIDI's 0-127"
        raise ScoreError(f"unreadable MIDI ({msg})", reason, name) from None


def write_midi(score: Score, path: str | os.PathLike) -> Path:
    """Write ``score`` as a Standard MIDI File, atomically."""
    with atomic_path(path, suffix=".mid") as tmp:
        score.dump_midi(str(tmp))
    return Path(path)


def to_midi_bytes(score: Score) -> bytes:
    """The Standard MIDI File bytes of ``score``."""
    return bytes(score.dumps_midi())


def unzip_musicxml(data: bytes, name: str = "<bytes>", max_bytes: int = MAX_UNZIPPED_BYTES) -> bytes:
    """The score inside a compressed MusicXML (``.mxl``) file: the rootfile its container names.

    A score that would inflate beyond ``max_bytes`` is refused (``too-large``) without inflating it.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            inner = None
            if "META-INF/container.xml" in names:
                with z.open("META-INF/container.xml") as f:
                    m = re.search(rb'full-path="([^"]+)"', f.read(65536))
                inner = m.group(1).decode(errors="replace") if m else None
            if inner not in names:
                inner = next(
                    n for n in names if n.endswith((".xml", ".musicxml")) and not n.startswith("META-INF")
                )
            size = z.getinfo(inner).file_size
            if size > max_bytes:
                raise ScoreError(
                    f"its score inflates to {size / 2**20:.0f} MiB, over the {max_bytes / 2**20:.0f} MiB "
                    "limit",
                    "too-large",
                    name,
                )
            with z.open(inner) as f:
                out = f.read(max_bytes + 1)  # the header may understate the size: read no more than the limit
            if len(out) > max_bytes:
                raise ScoreError(
                    f"its score inflates to over the {max_bytes / 2**20:.0f} MiB limit", "too-large", name
                )
            return out
    except (zipfile.BadZipFile, StopIteration, KeyError, EOFError, NotImplementedError, zlib.error):
        raise ScoreError("a damaged compressed MusicXML (.mxl) file", "parse-error", name) from None
    except RuntimeError as e:  # an encrypted member
        raise ScoreError(
            f"an unreadable compressed MusicXML (.mxl) file ({e})", "parse-error", name
        ) from None


_MUSICXML_PART = re.compile(r"<part[\s>/]")
"""A MusicXML part (``<part id="P1">``), in either layout (partwise or timewise); not ``<part-list>``."""


def _music21_parse(data: bytes | str, fmt: str, name: str):
    # music21 is imported lazily: it costs ~1 s to import and MIDI-only work never needs it.
    from music21 import converter

    try:
        if fmt == "musicxml" and isinstance(data, bytes) and data.startswith(b"PK"):
            data = unzip_musicxml(data, name)
        if isinstance(data, bytes) and data.startswith((b"\xff\xfe", b"\xfe\xff")):
            data = re.sub(r'encoding="[^"]*"', 'encoding="UTF-8"', data.decode("utf-16"), count=1)
        text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
        if fmt == "musicxml" and "<!ENTITY" in text:
            # MusicXML declares no entities of its own; declarations are how XML bombs (billion laughs) and
            # external entities work, whatever the XML parser's own defences
            raise ScoreError(
                "the file declares XML entities (<!ENTITY>), which MusicXML never needs", "unsafe-xml", name
            )
        if fmt == "musicxml" and not _MUSICXML_PART.search(text):
            # music21 would fail inside with "'Score' object has no attribute 'partName'"
            raise ScoreError("the MusicXML file holds no part (no <part> element)", "no-notes", name)
        return converter.parseData(text, format=fmt)
    except ScoreError:
        raise
    except ZeroDivisionError:  # music21's words: "division by zero"
        what = "a length of zero"
        if fmt == "abc":
            what = "a note length or meter of zero, such as L:1/0 or M:0/0"
        raise ScoreError(f"unreadable {fmt} ({what})", "parse-error", name) from None
    except Exception as e:
        msg = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
        raise ScoreError(f"unreadable {fmt} ({msg})", "parse-error", name) from None


def _from_stream(obj, fmt: str, name: str, expand_repeats: bool) -> Score:
    # here, not at the top: partita.score.music21_bridge imports this module
    from partita.score.music21_bridge import first_score, from_music21

    stream = first_score(obj)
    if stream is None:
        raise ScoreError(f"the {fmt} file holds no score", "no-notes", name)
    try:
        # the parse is this call's own: its ties may be joined in place
        return from_music21(stream, expand_repeats=expand_repeats, in_place=True)
    except ScoreError as e:
        if e.path is None:
            raise ScoreError(str(e), e.reason, name) from None
        raise
    except Exception as e:  # music21 raises its own exceptions on streams it parsed but cannot walk
        log.debug("converting %s failed", name, exc_info=True)
        msg = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
        raise ScoreError(f"unreadable {fmt} ({msg})", "parse-error", name) from None


def read_musicxml(
    path: str | os.PathLike, expand_repeats: bool = True, max_bytes: int = MAX_FILE_BYTES
) -> Score:
    """Read MusicXML (``.xml``, ``.musicxml`` or compressed ``.mxl``) through music21."""
    data = _read_bytes(path, max_bytes)
    return _from_stream(_music21_parse(data, "musicxml", str(path)), "musicxml", str(path), expand_repeats)


def read_humdrum(
    path: str | os.PathLike, expand_repeats: bool = True, max_bytes: int = MAX_FILE_BYTES
) -> Score:
    """Read a Humdrum ``**kern`` file through music21."""
    data = _read_bytes(path, max_bytes)
    return _from_stream(_music21_parse(data, "humdrum", str(path)), "humdrum", str(path), expand_repeats)


def iter_abc_tunes(text: str) -> Iterator[tuple[str, str]]:
    """Split an ABC file into ``(reference number, tune text)`` pairs.

    ABC files of the folk collections hold hundreds of tunes each; splitting on ``X:`` lines (the ABC
    standard's tune separator) lets each tune be parsed, labelled and retried on its own. The file header
    (fields before the first ``X:``) is prepended to every tune, as the standard prescribes.
    """
    parts = re.split(r"(?m)^(?=X:)", text)
    header = "" if parts and parts[0].lstrip().startswith("X:") else (parts[0] if parts else "")
    header_fields = "\n".join(line for line in header.splitlines() if re.match(r"^[A-Za-z]:", line))
    for part in parts:
        if not part.startswith("X:"):
            continue
        ref = part.splitlines()[0][2:].strip()
        lines = part.splitlines()
        tune = "\n".join([lines[0], header_fields, *lines[1:]]) if header_fields else part
        yield ref, tune.strip() + "\n"


def read_abc(
    path_or_text: str | os.PathLike, tune: int | str | None = None, expand_repeats: bool = True
) -> Score:
    """Read one tune of an ABC file (the first, or the one whose ``X:`` number is ``tune``)."""
    name = "<abc text>"
    if isinstance(path_or_text, os.PathLike) or (isinstance(path_or_text, str) and "\n" not in path_or_text):
        name = str(path_or_text)
        text = _read_bytes(path_or_text, MAX_FILE_BYTES).decode("utf-8", errors="replace")
    else:
        text = str(path_or_text)
    tunes = list(iter_abc_tunes(text)) or [("1", text)]
    if tune is None:
        chosen = tunes[0][1]
    else:
        matches = [t for ref, t in tunes if ref == str(tune)]
        if not matches:
            raise ScoreError(f"no tune X:{tune} (the file has {len(tunes)} tunes)", "missing", name)
        chosen = matches[0]
    return _from_stream(_music21_parse(chosen, "abc", name), "abc", name, expand_repeats)


def read_score(
    path: str | os.PathLike, expand_repeats: bool = True, max_bytes: int = MAX_FILE_BYTES
) -> Score:
    """Read any supported score file (MIDI, MusicXML, ABC, Humdrum), recognised by its content."""
    data = _read_bytes(path, max_bytes)
    fmt = sniff_format(data)
    name = str(path)
    if fmt is None:
        raise ScoreError("not a score file (neither MIDI, MusicXML, ABC nor Humdrum)", "not-music", name)
    if fmt == "midi":
        return from_midi_bytes(data, name)
    if fmt == "abc":
        tunes = list(iter_abc_tunes(data.decode("utf-8", errors="replace")))
        text = tunes[0][1] if tunes else data.decode("utf-8", errors="replace")
        return _from_stream(_music21_parse(text, "abc", name), "abc", name, expand_repeats)
    return _from_stream(_music21_parse(data, fmt, name), fmt, name, expand_repeats)


def write_score(score: Score, path: str | os.PathLike, title: str | None = None) -> Path:
    """Write ``score`` in the format its suffix names: ``.mid``/``.midi`` or
    ``.musicxml``/``.xml``/``.mxl``."""
    suffix = Path(path).suffix.lower()
    if suffix in (".mid", ".midi"):
        return write_midi(score, path)
    if suffix in (".musicxml", ".xml", ".mxl"):
        # here, not at the top: partita.score.musicxml imports this module
        from partita.score.musicxml import write_musicxml

        return write_musicxml(score, path, title=title)
    raise ScoreError(
        f"cannot write '{suffix}': partita writes MIDI (.mid) and MusicXML (.musicxml, .xml, .mxl); "
        "ABC and Humdrum are read-only",
        "unsupported-format",
        str(path),
    )
