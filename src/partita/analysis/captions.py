"""Captions from a :class:`Description`: MidiCaps-style sentences in English or Chinese, and FUTGA-style
time-stamped section captions.

A caption states the facts the description holds (tempo and its Italian term, key, meter, instruments and
their roles, the main chord progression, texture and dynamics) plus whatever corpus labels are passed in
(style, genre, region, mood, composer). Each fact has several phrasings and the facts come in a seeded random
order, so a model trained on the captions does not learn one template; the same seed gives the same caption.
The Chinese captions state the same facts in Chinese phrasing (keys as ``C大调`` / ``a小调``).
"""

from __future__ import annotations

import random
from typing import Any

from partita.analysis.description import Description
from partita.analysis.tempo import TEMPO_BOUNDARIES, TEMPO_GLOSSES, TEMPO_TERMS, TEMPO_TERMS_ZH

LABEL_KEYS = ("genre", "style", "region", "mood", "composer", "era")
"""The corpus labels a caption can mention."""

_QUALITY_SUFFIX = {
    "maj": "",
    "min": "m",
    "7": "7",
    "maj7": "maj7",
    "min7": "m7",
    "dim": "dim",
    "aug": "aug",
    "sus4": "sus4",
    "sus2": "sus2",
    "hdim7": "m7b5",
    "dim7": "dim7",
    "maj6": "6",
    "min6": "m6",
}

# GM program families (8 programs each) and a few common instruments, in Chinese
_FAMILY_ZH = (
    "钢琴",
    "色彩打击乐器",
    "风琴",
    "吉他",
    "贝斯",
    "弦乐",
    "合奏",
    "铜管",
    "簧管乐器",
    "笛类乐器",
    "合成器主音",
    "合成器铺底",
    "合成器音效",
    "民族乐器",
    "打击乐器",
    "音效",
)
_PROGRAM_ZH = {
    0: "大钢琴",
    4: "电钢琴",
    6: "羽管键琴",
    11: "颤音琴",
    19: "管风琴",
    21: "手风琴",
    24: "尼龙弦吉他",
    25: "钢弦吉他",
    26: "爵士吉他",
    29: "失真吉他",
    30: "失真吉他",
    32: "原声贝斯",
    33: "电贝斯",
    40: "小提琴",
    41: "中提琴",
    42: "大提琴",
    43: "低音提琴",
    46: "竖琴",
    48: "弦乐合奏",
    52: "合唱",
    56: "小号",
    57: "长号",
    60: "圆号",
    64: "高音萨克斯",
    65: "中音萨克斯",
    66: "次中音萨克斯",
    68: "双簧管",
    70: "巴松管",
    71: "单簧管",
    72: "短笛",
    73: "长笛",
    75: "排箫",
    104: "西塔琴",
    105: "班卓琴",
    107: "十三弦筝",
}
_ROLE_ZH = {"melody": "主旋律", "bass": "低音", "accompaniment": "伴奏", "drums": "节奏"}
_DYNAMICS_EN = {
    "ppp": "very softly",
    "pp": "very softly",
    "p": "softly",
    "mp": "gently",
    "mf": "at a moderate volume",
    "f": "loudly",
    "ff": "very loudly",
    "fff": "very loudly",
}
_DYNAMICS_ZH = {
    "ppp": "非常轻柔",
    "pp": "非常轻柔",
    "p": "轻柔",
    "mp": "较为柔和",
    "mf": "力度适中",
    "f": "响亮有力",
    "ff": "非常响亮",
    "fff": "非常响亮",
}


_PACE_EN = ("very slow",) * 2 + ("slow",) * 2 + ("mid-tempo",) * 2 + ("fast",) + ("very fast",) * 2
_PACE_ZH = ("非常缓慢的",) * 2 + ("缓慢的",) * 2 + ("中速的",) * 2 + ("快速的",) + ("非常快的",) * 2
"""The pace of each tempo bin in the words a listener would use (the Italian term and bpm come later)."""
_SOFT, _LOUD = ("ppp", "pp", "p"), ("f", "ff", "fff")
_LOUDNESS_EN = dict.fromkeys(_SOFT, "soft") | {"mp": "gentle"} | dict.fromkeys(_LOUD, "loud")
_LOUDNESS_ZH = dict.fromkeys(_SOFT, "轻柔") | {"mp": "柔和"} | dict.fromkeys(_LOUD, "响亮")
"""A clear loudness in a listener's word (``mf``, the usual, says nothing and is left out)."""


def plain_words(d: Description, lang: str = "en") -> str:
    """How the piece sounds in a listener's words, for the head of a caption: ``"slow, soft"``,
    ``"mid-tempo"``, ``"缓慢轻柔的"``; empty when the description has no tempo and no clear loudness."""
    zh = lang == "zh"
    pace = (_PACE_ZH if zh else _PACE_EN)[d.tempo_bin] if d.tempo and d.tempo_bin is not None else ""
    loud = (_LOUDNESS_ZH if zh else _LOUDNESS_EN).get(d.dynamics or "", "")
    if zh:
        return (pace[:-1] + loud + "的") if pace and loud else pace or (f"{loud}的" if loud else "")
    return ", ".join(w for w in (pace, loud) if w)


def chord_symbol(label: str) -> str:
    """A lead-sheet symbol for a mir_eval label: ``A:min7`` -> ``Am7``, ``C:maj`` -> ``C``, ``G:7`` ->
    ``G7``."""
    if ":" not in label:
        return label
    root, quality = label.split(":", 1)
    quality = quality.split("/")[0]
    return root + _QUALITY_SUFFIX.get(quality, quality)


def instrument_zh(name: str, program: int, role: str) -> str:
    """The Chinese name of a GM instrument (by program, else by family); drums are ``鼓``."""
    if role == "drums" or name == "Drums":
        return "鼓"
    return _PROGRAM_ZH.get(int(program), _FAMILY_ZH[(int(program) % 128) // 8])


def key_zh(key: str) -> str:
    """``"Eb major"`` -> ``"降E大调"``, ``"F# minor"`` -> ``"升f小调"``."""
    tonic, mode = key.split()
    letter = tonic[0]
    accidental = {"b": "降", "#": "升"}.get(tonic[1:2], "")
    return f"{accidental}{letter.upper()}大调" if mode == "major" else f"{accidental}{letter.lower()}小调"


def _join(items: list[str], lang: str) -> str:
    if lang == "zh":
        return "、".join(items[:-1]) + ("和" if len(items) > 1 else "") + items[-1] if items else ""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _an(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def _instrument_groups(d: Description) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for inst in d.instruments:
        name = inst["instrument"]
        if name not in groups.setdefault(inst["role"], []):
            groups[inst["role"]].append(name)
    return groups


def _clean_labels(labels: dict[str, Any] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in (labels or {}).items():
        if k in LABEL_KEYS and v not in (None, "", [], "unknown"):
            out[k] = ", ".join(map(str, v)) if isinstance(v, list | tuple) else str(v)
    return out


_NOUNS = {
    "tune",
    "song",
    "lied",
    "piece",
    "track",
    "chorale",
    "mass",
    "march",
    "dance",
    "reel",
    "jig",
    "hornpipe",
    "air",
    "waltz",
    "ballad",
    "ballade",
    "madrigal",
    "motet",
    "hymn",
    "polka",
    "strathspey",
    "lament",
}
"""Genre words that name a kind of piece themselves (no "tune" after them)."""


def _english(d: Description, rng: random.Random, labels: dict[str, str]) -> str:
    kind = (
        labels.get("genre") or labels.get("style") or rng.choice(["piece", "piece", "composition", "track"])
    )
    if ("genre" in labels or "style" in labels) and kind.split()[-1].lower().strip(".,") not in _NOUNS:
        kind = f"{kind} {rng.choice(['piece', 'tune', 'track'])}"  # "a pop track", not "a dance tune tune"
    if labels.get("mood"):
        kind = f"{labels['mood']} {kind}"
    origin = f" from {labels['region']}" if labels.get("region") else ""
    by = f" by {labels['composer']}" if labels.get("composer") else ""
    groups = _instrument_groups(d)
    all_names = list(dict.fromkeys(n for names in groups.values() for n in names))
    rest = [n for r, ns in groups.items() if r != "melody" for n in ns if n not in groups.get("melody", [])]
    # the first words say something: with no label to name the piece by, its instruments and key open the
    # caption ("A choir aahs piece in G major."), not a filler ("This is a piece.")
    generic = not any(labels.get(k) for k in ("genre", "style", "mood", "region", "composer"))
    inst_in_head = generic and bool(all_names) and not ("melody" in groups and rest)
    key_in_head = generic and bool(d.key)
    if inst_in_head:
        kind = f"{_join(all_names, 'en').lower()} {kind}"
    if generic and (plain := plain_words(d, "en")):
        kind = f"{plain} {kind}"  # the listener's words first: "A slow, soft piano piece in F# major."
    a = _an(kind)
    head = a[0].upper() + a[1:] + origin + by + (f" in {d.key}" if key_in_head else "")
    facts: list[str] = []
    if all_names and not inst_in_head:
        if "melody" in groups and rest:
            facts.append(
                rng.choice(
                    [
                        f"The {groups['melody'][0].lower()} carries the melody over "
                        f"{_join(rest, 'en').lower()}.",
                        f"{groups['melody'][0]} leads, accompanied by {_join(rest, 'en').lower()}.",
                        f"The melody is played on {groups['melody'][0].lower()}, with "
                        f"{_join(rest, 'en').lower()} in support.",
                    ]
                )
            )
            if "bass" in groups and rng.random() < 0.5:
                facts.append(f"The {groups['bass'][0].lower()} holds down the bass line.")
        else:
            facts.append(
                rng.choice(
                    [
                        f"It is performed on {_join(all_names, 'en').lower()}.",
                        f"The instrumentation is {_join(all_names, 'en').lower()}.",
                        f"It features {_join(all_names, 'en').lower()}.",
                    ]
                )
            )
    if d.key and not key_in_head:
        conf = d.key_confidence or 0
        facts.append(
            rng.choice(
                [
                    f"It is in {d.key}.",
                    f"The piece is set in the key of {d.key}.",
                    f"The key is {d.key}." if conf >= 0.5 else f"The key appears to be {d.key}.",
                ]
            )
        )
    if d.key and len(d.key_changes) > 1 and rng.random() < 0.7:
        keys = [k["key"] for k in d.key_changes]
        facts.append(f"It modulates along the way ({' -> '.join(keys[:4])}).")
    if d.tempo:
        bpm = round(d.tempo)
        gloss = TEMPO_GLOSSES[d.tempo_bin or 0]
        facts.append(
            rng.choice(
                [
                    f"The tempo is {d.tempo_term}, about {bpm} bpm.",
                    f"It moves at {bpm} beats per minute, {gloss} ({d.tempo_term}).",
                    f"Played {d.tempo_term.lower()} at roughly {bpm} bpm.",
                    f"{_an(d.tempo_term).capitalize()} tempo of about {bpm} bpm keeps it {gloss}.",
                ]
            )
        )
    if d.time_signature:
        facts.append(
            rng.choice(
                [
                    f"The time signature is {d.time_signature}.",
                    f"It is in {d.time_signature} time.",
                    f"The meter is {d.time_signature}.",
                ]
            )
        )
    if d.progression:
        prog = ", ".join(chord_symbol(c) for c in d.progression)
        facts.append(
            rng.choice(
                [
                    f"The chord progression {prog} recurs throughout.",
                    f"Its main chord progression is {prog}.",
                    f"The harmony keeps returning to {prog}.",
                    f"The progression {prog} underpins the music.",
                ]
            )
        )
    extras = []
    if d.dynamics and not (generic and d.dynamics in _LOUDNESS_EN):  # not twice ("A loud ... played loudly")
        extras.append(f"It is played {_DYNAMICS_EN.get(d.dynamics, 'at a moderate volume')}.")
    if d.register and d.note_density is not None:
        busy = "busy" if d.note_density > 8 else "sparse" if d.note_density < 2 else "moderately dense"
        extras.append(f"The texture is {busy}, mostly in the {d.register} register.")
    if d.swing_ratio and d.swing_ratio > 1.4:
        extras.append("The rhythm swings.")
    elif d.syncopation and d.syncopation > 0.2:
        extras.append("The rhythm is strongly syncopated.")
    facts.extend(rng.sample(extras, k=min(len(extras), rng.randint(0, 2))))
    rng.shuffle(facts)
    if not facts and not d.n_notes:
        return f"{head}, but it holds no notes."
    return " ".join([head + "."] + facts)


def _chinese(d: Description, rng: random.Random, labels: dict[str, str]) -> str:
    kind = labels.get("genre") or labels.get("style")
    mood = labels.get("mood")
    origin = labels.get("region")
    prefix = f"{labels['composer']}的" if labels.get("composer") else ""
    noun = rng.choice(["乐曲", "作品", "音乐"])
    desc = "".join(
        [f"来自{origin}的" if origin else "", f"{mood}的" if mood else "", f"{kind}风格的" if kind else ""]
    )
    names = [(instrument_zh(i["instrument"], i["program"], i["role"]), i["role"]) for i in d.instruments]
    # the first words say something (no "这是一首乐曲"): with no label, the key and the instruments name it
    generic = not (prefix or desc)
    unique = list(dict.fromkeys(n for n, _ in names))
    melody_and_rest = any(r == "melody" for _, r in names) and len(unique) > 1
    inst_in_head = generic and bool(unique) and not melody_and_rest
    key_in_head = generic and bool(d.key)
    head = (
        prefix
        + desc
        + (plain_words(d, "zh") if generic else "")
        + (f"{key_zh(d.key)}的" if key_in_head else "")
        + (_join(unique, "zh") if inst_in_head else "")
        + noun
    )
    facts: list[str] = []
    if names and not inst_in_head:
        melody = [n for n, r in names if r == "melody"]
        rest = list(dict.fromkeys(n for n, r in names if r != "melody" and n not in melody))
        if melody and rest:
            facts.append(
                rng.choice(
                    [
                        f"{melody[0]}演奏主旋律，{_join(rest, 'zh')}伴奏",
                        f"由{melody[0]}担任主旋律，{_join(rest, 'zh')}负责伴奏",
                    ]
                )
            )
        else:
            unique = list(dict.fromkeys(n for n, _ in names))
            facts.append(rng.choice([f"由{_join(unique, 'zh')}演奏", f"乐器为{_join(unique, 'zh')}"]))
    if d.key and not key_in_head:
        facts.append(rng.choice([f"调性为{key_zh(d.key)}", f"采用{key_zh(d.key)}", f"是{key_zh(d.key)}"]))
    if d.key and len(d.key_changes) > 1:
        facts.append("中途有转调（" + "→".join(key_zh(k["key"]) for k in d.key_changes[:4]) + "）")
    if d.tempo:
        bpm = round(d.tempo)
        zh = TEMPO_TERMS_ZH[d.tempo_bin or 0]
        facts.append(
            rng.choice(
                [
                    f"速度约为每分钟{bpm}拍（{zh}）",
                    f"速度为{d.tempo_term}（{zh}），约每分钟{bpm}拍",
                    f"每分钟大约{bpm}拍",
                ]
            )
        )
    if d.time_signature:
        facts.append(rng.choice([f"{d.time_signature}拍", f"拍号为{d.time_signature}"]))
    if d.progression:
        prog = "-".join(chord_symbol(c) for c in d.progression)
        facts.append(
            rng.choice([f"主要和弦进行为{prog}", f"和声反复使用{prog}的进行", f"和弦进行以{prog}为主"])
        )
    if d.dynamics and rng.random() < 0.6 and not (generic and d.dynamics in _LOUDNESS_ZH):
        facts.append(f"整体{_DYNAMICS_ZH.get(d.dynamics, '力度适中')}")
    rng.shuffle(facts)
    if not facts:
        return head + "，但其中没有音符。"
    return head + "，" + "，".join(facts) + "。"


def caption(
    description: Description, lang: str = "en", seed: int | None = 0, labels: dict[str, Any] | None = None
) -> str:
    """A one-paragraph caption of ``description`` in English (``"en"``) or Chinese (``"zh"``).

    ``labels`` may carry corpus labels (``genre``, ``style``, ``region``, ``mood``, ``composer``, ``era``);
    ``seed`` picks the phrasing (None: a fresh random one each call).
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"unknown caption language {lang!r}: use 'en' or 'zh'")
    rng = random.Random(seed)
    clean = _clean_labels(labels)
    return _english(description, rng, clean) if lang == "en" else _chinese(description, rng, clean)


def captions(
    description: Description,
    n: int = 3,
    lang: str = "en",
    seed: int = 0,
    labels: dict[str, Any] | None = None,
) -> list[str]:
    """``n`` distinct captions (different phrasings) of one description, when that many exist."""
    out: list[str] = []
    for i in range(n * 10):
        text = caption(description, lang=lang, seed=seed * 1000 + i, labels=labels)
        if text not in out:
            out.append(text)
        if len(out) == n:
            break
    return out


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 60}:{s % 60:02d}"


def _section_text(
    d: Description,
    sec: dict[str, Any],
    prev: dict[str, Any] | None,
    seen: set[str],
    lang: str,
    rng: random.Random,
) -> str:
    label = sec["label"]
    base = label.rstrip("'")
    chords = [
        c["label"]
        for c in d.chords
        if c["label"] != "N" and c["start"] < sec["end"] and c["end"] > sec["start"]
    ]
    main = list(dict.fromkeys(chord_symbol(c) for c in chords))[:4]
    parts: list[str] = []
    if lang == "en":
        if label in seen:
            parts.append(
                rng.choice([f"a return of {label}", f"{label} comes back", f"a repeat of section {label}"])
            )
        elif base in seen:
            parts.append(rng.choice([f"a variation of {base}", f"{base} again, altered"]))
        else:
            parts.append(
                "the opening material"
                if prev is None
                else rng.choice(["new material", "a contrasting section"])
            )
        if prev and sec.get("note_density") and prev.get("note_density"):
            ratio = sec["note_density"] / max(prev["note_density"], 1e-9)
            if ratio > 1.3:
                parts.append("busier than before")
            elif ratio < 0.75:
                parts.append("thinner than before")
        if prev and sec.get("velocity_mean") and prev.get("velocity_mean"):
            dv = sec["velocity_mean"] - prev["velocity_mean"]
            if dv > 8:
                parts.append("louder")
            elif dv < -8:
                parts.append("softer")
        if main:
            parts.append("chords " + ", ".join(main))
        text = "; ".join(parts)
    else:
        if label in seen:
            parts.append(f"{label}段再现")
        elif base in seen:
            parts.append(f"{base}段的变奏")
        else:
            parts.append("开头的主题" if prev is None else "新的段落")
        if prev and sec.get("note_density") and prev.get("note_density"):
            ratio = sec["note_density"] / max(prev["note_density"], 1e-9)
            if ratio > 1.3:
                parts.append("织体更密")
            elif ratio < 0.75:
                parts.append("织体变稀")
        if prev and sec.get("velocity_mean") and prev.get("velocity_mean"):
            dv = sec["velocity_mean"] - prev["velocity_mean"]
            if dv > 8:
                parts.append("力度增强")
            elif dv < -8:
                parts.append("力度减弱")
        if main:
            parts.append("和弦为" + "、".join(main))
        text = "，".join(parts)
    return f"{_clock(sec['start'])}-{_clock(sec['end'])} {label}: {text}"


def caption_segments(
    description: Description, lang: str = "en", seed: int | None = 0, labels: dict[str, Any] | None = None
) -> str:
    """FUTGA-style captions: one time-stamped line per section (``0:00-0:21 A: ...``), then a summary line."""
    if lang not in ("en", "zh"):
        raise ValueError(f"unknown caption language {lang!r}: use 'en' or 'zh'")
    rng = random.Random(seed)
    lines = []
    seen: set[str] = set()
    prev = None
    for sec in description.sections:
        lines.append(_section_text(description, sec, prev, seen, lang, rng))
        seen.add(sec["label"])
        seen.add(sec["label"].rstrip("'"))
        prev = sec
    summary = caption(description, lang=lang, seed=seed, labels=labels)
    lines.append(("Summary: " if lang == "en" else "总结：") + summary)
    return "\n".join(lines)


assert len(TEMPO_TERMS) == len(TEMPO_BOUNDARIES) + 1 == len(TEMPO_TERMS_ZH)
