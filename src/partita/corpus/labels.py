"""Labels of a piece: read from ABC headers, music21 metadata and the score itself; work ids and splits.

ABC header fields are read by hand (a dozen lines) rather than through music21 because music21's ABC parser
keeps only the title, composer and origin in its metadata, and drops the rhythm (``R:``), book (``B:``),
notes (``N:``) and transcription (``Z:``) fields that hold the tune type and the collection's remarks.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from partita.score import Score

SPLITS = ("train", "valid", "test")
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)

# Tune types of the Irish/Scottish dance collections, as spelled in their R: fields and titles.
TUNE_TYPES = {
    "reel": "reel",
    "jig": "jig",
    "double jig": "jig",
    "single jig": "single jig",
    "slip jig": "slip jig",
    "slipjig": "slip jig",
    "hop jig": "slip jig",
    "hornpipe": "hornpipe",
    "strathspey": "strathspey",
    "clog": "clog",
    "air": "air",
    "slow air": "air",
    "waltz": "waltz",
    "highland fling": "fling",
    "fling": "fling",
    "walkaround": "walkaround",
    "slide": "slide",
    "march": "march",
    "polka": "polka",
    "set dance": "set dance",
    "schottische": "schottische",
    "mazurka": "mazurka",
    "barndance": "barndance",
    "quickstep": "quickstep",
    "country dance": "country dance",
    "long dance": "long dance",
    "lament": "lament",
    "song": "song",
}
_TYPE_WORDS = sorted(TUNE_TYPES, key=len, reverse=True)

# Continent-level prefixes of Essen's O: field, dropped so that the country comes first.
_CONTINENTS = {
    "europa",
    "mitteleuropa",
    "osteuropa",
    "westeuropa",
    "nordeuropa",
    "suedeuropa",
    "suedosteuropa",
    "asien",
    "afrika",
    "amerika",
    "nordamerika",
    "suedamerika",
}
# Essen writes country names in German; the manifest gives them in English so that they can be filtered on.
_COUNTRIES = {
    "deutschland": "Germany",
    "oesterreich": "Austria",
    "österreich": "Austria",
    "schweiz": "Switzerland",
    "niederlande": "Netherlands",
    "frankreich": "France",
    "lothringen": "France",
    "elsass": "France",
    "polen": "Poland",
    "jugoslawien": "Yugoslavia",
    "irland": "Ireland",
    "luxemburg": "Luxembourg",
    "ungarn": "Hungary",
    "rumaenien": "Romania",
    "russland": "Russia",
    "tschechien": "Czechia",
    "tschechoslowakei": "Czechoslovakia",
    "daenemark": "Denmark",
    "schweden": "Sweden",
    "italien": "Italy",
    "china": "China",
    "usa": "USA",
    "tirol": "Austria",
    "steiermark": "Austria",
    "udssr": "USSR",
    "sowjetunion": "USSR",
    "belgien": "Belgium",
    "norwegen": "Norway",
    "finnland": "Finland",
    "griechenland": "Greece",
    "spanien": "Spain",
    "bulgarien": "Bulgaria",
    "slowakei": "Slovakia",
    "litauen": "Lithuania",
    "lettland": "Latvia",
    "estland": "Estonia",
}
_PROVINCE_OF = {"lothringen": "Lothringen", "elsass": "Elsass", "tirol": "Tirol", "steiermark": "Steiermark"}

_ABC_HEADER = re.compile(r"^([A-Za-z]):(.*)$")
_MULTI_FIELDS = {"T", "N", "Z", "C", "O", "R", "B", "S", "H"}


def parse_abc_header(tune: str) -> dict[str, list[str]]:
    """The header fields of one ABC tune (up to its ``K:`` line): field letter -> values in order."""
    fields: dict[str, list[str]] = {}
    for line in tune.splitlines():
        m = _ABC_HEADER.match(line.strip())
        if not m:
            if line.strip().startswith("%"):
                continue
            if fields.get("K"):
                break
            continue
        letter, value = m.group(1), m.group(2).strip().strip("]").strip().strip('"').strip()
        if letter not in _MULTI_FIELDS and letter in fields:
            if letter == "K":
                break
            continue
        if value:
            fields.setdefault(letter, []).append(value)
        if letter == "K":
            break
    return fields


def tune_type_of(*texts: str | None) -> str | None:
    """The dance/tune type named in an R: field or a title ("-- Strathspey"), normalized, or None."""
    for text in texts:
        if not text:
            continue
        low = re.sub(r"[^a-z ]+", " ", text.lower())
        low = re.sub(r"\s+", " ", low).strip()
        for word in _TYPE_WORDS:
            if re.search(rf"\b{word}s?\b", low):
                return TUNE_TYPES[word]
    return None


def split_region(origin: str | None) -> tuple[str | None, str | None, str | None]:
    """``(region, country, province)`` from an origin such as ``"China, Shaanxi, Zizhou"``.

    Continent prefixes ("Europa, Mitteleuropa, ...") are dropped; where Essen gives alternatives
    ("Deutschland / Polen, Schlesien" or "Deutschland; Frankreich"), the first is taken.
    """
    if not origin:
        return None, None, None
    region = re.sub(r"\s+", " ", origin.strip().strip("]").strip())
    if not region or set(region) <= {"?", " "}:
        return None, None, None
    first = re.split(r"[;/]", region)[0]
    parts = [p.strip() for p in first.split(",") if p.strip() and p.strip() != "?"]
    while parts and parts[0].lower() in _CONTINENTS:
        parts.pop(0)
    if not parts:
        return region, None, None
    head = re.sub(r"\s*\(.*\)\s*$", "", parts[0]).lower()  # "Deutschland (BRD)" is Germany
    country = _COUNTRIES.get(head, parts[0])
    province = parts[1] if len(parts) > 1 else _PROVINCE_OF.get(head)
    return region, country, province


def normalize_title(title: str | None) -> str:
    """A title reduced for matching: ASCII, lower case, no articles, punctuation or tune-type suffix."""
    if not title:
        return ""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"\s*(--|\(|\[).*$", "", text) or text  # "42d Highland Regiment -- Strathspey"
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    words = [w for w in text.split() if w]
    while words and words[0] in ("the", "a", "an", "der", "die", "das", "le", "la", "les"):
        words.pop(0)
    while len(words) > 1 and words[-1] in TUNE_TYPES or (len(words) > 1 and words[-1] in ("reels", "jigs")):
        words.pop()
    return " ".join(words)


def split_of(work_id: str, fractions: tuple[float, float, float] = SPLIT_FRACTIONS) -> str:
    """The split of a work: a hash of its id into train / valid / test, the same on every run and machine."""
    h = int.from_bytes(hashlib.sha256(work_id.encode("utf-8")).digest()[:8], "big") / 2**64
    if h < fractions[0]:
        return SPLITS[0]
    if h < fractions[0] + fractions[1]:
        return SPLITS[1]
    return SPLITS[2]


_KEY_NAMES = ["C", "G", "D", "A", "E", "B", "F#", "C#", "F", "Bb", "Eb", "Ab", "Db", "Gb", "Cb"]
_MINOR_NAMES = ["A", "E", "B", "F#", "C#", "G#", "D#", "A#", "D", "G", "C", "F", "Bb", "Eb", "Ab"]


def key_name(sharps: int, minor: bool) -> str:
    """``"G major"`` / ``"E minor"`` from a key signature's sharps (negative for flats) and mode."""
    idx = sharps if sharps >= 0 else 7 - sharps
    idx = max(0, min(idx, len(_KEY_NAMES) - 1))
    return f"{(_MINOR_NAMES if minor else _KEY_NAMES)[idx]} {'minor' if minor else 'major'}"


def score_labels(score: Score) -> dict:
    """Labels read from the score itself: meter, key signature, tempo, instruments, duration, notes, range."""
    notes = sum(len(t.notes) for t in score.tracks)
    pitches = [n.pitch for t in score.tracks for n in t.notes]
    ts = score.time_signatures
    ks = score.key_signatures
    tempos = score.tempos
    try:
        seconds = float(score.to("second").end())
    except Exception:  # symusic may refuse a score whose tempo map it cannot convert
        seconds = float("nan")
    return {
        "meter": f"{ts[0].numerator}/{ts[0].denominator}" if len(ts) else None,
        "key_signature": int(ks[0].key) if len(ks) else None,
        "key": key_name(int(ks[0].key), bool(ks[0].tonality)) if len(ks) else None,
        "tempo_qpm": float(tempos[0].qpm) if len(tempos) else None,
        "instruments": [t.name or f"program {t.program}" for t in score.tracks],
        "programs": [int(t.program) if not t.is_drum else -1 for t in score.tracks],
        "n_tracks": len(score.tracks),
        "n_notes": int(notes),
        "duration_s": seconds,
        "duration_quarters": float(score.end()) / score.ticks_per_quarter if notes else 0.0,
        "pitch_min": min(pitches) if pitches else None,
        "pitch_max": max(pitches) if pitches else None,
    }


def melody_intervals(score: Score, limit: int | None = None) -> list[int]:
    """The interval sequence of the highest line (the soprano or melody), repeated pitches merged.

    Transposition-invariant, and a held note equals repeated attacks of it, so two versions of one tune in
    different keys or with different ties give the same sequence.
    """
    best = None
    for t in score.tracks:
        if t.is_drum or not len(t.notes):
            continue
        name = (t.name or "").lower()
        mean = sum(n.pitch for n in t.notes) / len(t.notes)
        rank = (1 if "melody" in name else 0, mean)
        if best is None or rank > best[0]:
            best = (rank, t)
    if best is None:
        return []
    top: dict[int, int] = {}
    for n in best[1].notes:
        if n.pitch > top.get(n.time, -1):
            top[n.time] = n.pitch
    seq: list[int] = []
    for _, p in sorted(top.items()):
        if not seq or seq[-1] != p:
            seq.append(p)
    iv = [b - a for a, b in zip(seq, seq[1:], strict=False)]
    return iv[:limit] if limit else iv


def content_fingerprint(score: Score, length: int = 24) -> str | None:
    """A hash of the first ``length`` melody intervals, or None when the melody is shorter than that."""
    iv = melody_intervals(score, length)
    if len(iv) < length:
        return None
    return hashlib.sha1(",".join(map(str, iv)).encode()).hexdigest()[:16]
