"""The fits of ``bench_song_real.py`` (issue 25): ``--fit-share`` (``song_pitch.SECTION_SHARE``) and
``--fit-leaps`` (``song_pitch.LeapStyle``'s chances), each tried on the development half of a group's real
songs (:func:`halves`), never on the held-out half; and :func:`sung_mean`, partita's measures averaged over
seeds."""

from __future__ import annotations

import logging

import numpy as np

from song_measures import measures
from song_setting import partita_setting

log = logging.getLogger("bench_song_real")


def halves(settings: list) -> tuple[list, list]:
    """(development, held-out) halves of a group's songs: every other song, the first to development.
    partita's range and rhythm by style were fitted looking at the development half only."""
    return settings[0::2], settings[1::2]


SUNG: dict[str, tuple] = {}
"""Each real song's (lyrics, meter, language, style) as partita sings it, by name (for ``--fit-share``)."""
SHARES = (0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)
"""The values of ``song_pitch.SECTION_SHARE`` that ``--fit-share`` tries on the development half."""


def fit_share(groups: dict[str, list]) -> dict[float, float]:
    """For each of :data:`SHARES`: the squared error of partita's mean verse range against the real one,
    summed over the groups sung in a style with a measured range (English "pop", Bach "chorale"; the German
    lieder are sung in the default 12 semitones, no measurement), on their development halves."""
    from partita.generation import song_pitch

    kept, out = song_pitch.SECTION_SHARE, {}
    try:
        for share in SHARES:
            song_pitch.SECTION_SHARE = share
            err = 0.0
            for v in (groups["English songs"], groups["Bach chorales"]):
                dev = halves(v)[0]
                sung = []
                for r, *_ in dev:
                    lyrics, meter, language, style = SUNG[r.name]
                    sung.append(partita_setting(lyrics, meter, r.name, language, style=style))
                err += (measures(sung)["range"] - measures([r for r, *_ in dev])["range"]) ** 2
            out[share] = err
            log.info("section share %.2f: squared range error %.2f on the development halves", share, err)
    finally:
        song_pitch.SECTION_SHARE = kept
    return out


LEAP_CHANCES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
"""The chances of a leap after a quarter note that ``--fit-leaps`` tries (after a half note: three times as
much, at most 1), each group in its style (``song_pitch.STYLE_LEAPS``, the German lieder
``DEFAULT_LEAPS``)."""
ACROSS_CHANCES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
"""The chances of a line starting with a leap (``LeapStyle.across``) that ``--fit-leaps`` tries first."""
ONWARD_CHANCES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
"""The chances of a leap going on the same way (``LeapStyle.onward``) that ``--fit-leaps`` tries next."""
SEEDS = 4
"""Seeds (0, 1, ...) the leap fit and the held-out leap rows average over (``--seeds``): one seed's draws
moved the chorales' share by 0.03 (seed 0 read 0.082 on the development half, seeds 0-7 0.077-0.108)."""


def _with_leaps(style: str | None, leaps) -> None:
    """Make ``leaps`` the leaps partita sings ``style`` with (``song_pitch.STYLE_LEAPS`` or, for a style
    without its own, ``DEFAULT_LEAPS``)."""
    from partita.generation import song_pitch

    if style in song_pitch.STYLE_LEAPS:
        song_pitch.STYLE_LEAPS[style] = leaps
    else:
        song_pitch.DEFAULT_LEAPS = leaps


def sung_mean(half: list, seeds: int, keys: tuple[str, ...], leaps: bool = True) -> dict[str, float]:
    """``keys`` of :func:`measures` on partita's songs for ``half`` (each as in :data:`SUNG`), averaged over
    seeds 0 .. ``seeds`` - 1."""
    runs = []
    for seed in range(seeds):
        sung = [
            partita_setting(*SUNG[r.name][:2], r.name, SUNG[r.name][2], seed, SUNG[r.name][3], leaps=leaps)
            for r, *_ in half
        ]
        runs.append(measures(sung))
    return {k: float(np.nanmean([m[k] for m in runs])) for k in keys}


def _nearest_chance(tried: dict[float, float], real: float) -> float:
    return min(tried, key=lambda c: abs(tried[c] - real))


def fit_leaps(groups: dict[str, list], seeds: int = SEEDS) -> dict[str, dict]:
    """For each group, on its development half, averaged over ``seeds`` seeds: first the share of lines
    that start with a leap over a major third for each of :data:`ACROSS_CHANCES` (``LeapStyle.across``),
    then, with the nearest to the real one, the share of those leaps that go on the same way by a third or
    more for each of :data:`ONWARD_CHANCES` (``onward``), then, with the nearest of both, the share of leaps
    over a major third among all intervals for each of :data:`LEAP_CHANCES` (``after_long``), beside the
    real songs' (keys "real", "real_line_start", "real_onward")."""
    from dataclasses import replace

    from partita.generation import song_pitch

    kept_style, kept_default = dict(song_pitch.STYLE_LEAPS), song_pitch.DEFAULT_LEAPS
    out: dict[str, dict] = {}
    try:
        for g, v in groups.items():
            dev = halves(v)[0]
            style = SUNG[dev[0][0].name][3]
            real = measures([r for r, *_ in dev])
            got: dict = {"real": real["leaps_over_third"], "real_line_start": real["line_start_leaps"]}
            got["real_onward"] = real["leap_onward"]
            base = song_pitch.leaps_for(style)
            got["across"] = {}
            for a in ACROSS_CHANCES:
                _with_leaps(style, replace(base, across=a))
                got["across"][a] = sung_mean(dev, seeds, ("line_start_leaps",))["line_start_leaps"]
            got["across_fit"] = across = _nearest_chance(got["across"], real["line_start_leaps"])
            got["onward"] = {}
            for o in ONWARD_CHANCES:
                _with_leaps(style, replace(base, across=across, onward=o))
                got["onward"][o] = sung_mean(dev, seeds, ("leap_onward",))["leap_onward"]
            got["onward_fit"] = onward = _nearest_chance(got["onward"], real["leap_onward"])
            base = replace(base, across=across, onward=onward)
            got["after_long"] = {}
            for chance in LEAP_CHANCES:
                _with_leaps(style, replace(base, after_long=chance, after_held=min(1, 3 * chance)))
                got["after_long"][chance] = sung_mean(dev, seeds, ("leaps_over_third",))["leaps_over_third"]
            got["after_long_fit"] = _nearest_chance(got["after_long"], real["leaps_over_third"])
            log.info("%s: leap fit %s", g, got)
            out[g] = got
    finally:
        song_pitch.STYLE_LEAPS.clear()
        song_pitch.STYLE_LEAPS.update(kept_style)
        song_pitch.DEFAULT_LEAPS = kept_default
    return out
