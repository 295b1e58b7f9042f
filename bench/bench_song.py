"""Songs from lyrics (issue 25 items 1 and 3): a rule-based vocal melody for words, against a baseline that
puts one syllable per eighth note in order, and Bach's chorales as the real reference for stress.

On a dozen lyric texts written out below (traditional nursery rhymes, hymn and song texts in the public
domain; some with [verse]/[chorus] tags), each sung by :func:`partita.generation.song.sing`:

- **alignment**: the share of syllables with a note, and of notes that carry a syllable or continue its
  melisma (at a phrase end, or a passing note on a long syllable; both 1.0 by construction: the row says
  that the construction holds);
- **stressed syllables on strong beats** (downbeat, and beat 3 in 4/4), by partita's stress heuristic, against
  the eighth-note baseline on the same syllables; unstressed syllables on strong beats beside it (lower is
  better: a rhythm that puts every syllable on a strong beat would score 1.0 on the first);
- **Bach chorales**: the same two shares in the soprano's first verse of music21's Bach chorales with text
  (German; stress by a small German heuristic in this file: function words unstressed, other words on
  their first syllable unless it is an unstressed prefix be-, ge-, er-, ver-, zer-, ent-, emp-);
- **chorus recurrence**: the share of repeated sections (same words) sung to the same notes as their first
  statement, against ``recur=False`` (each line seeded by its position);
- **lyric template** (item 3): the phrase ends :func:`partita.generation.song.lyric_template` finds in the
  chorales' soprano, against their fermatas (F-score), beside a phrase every 2 bars from its first note;
- **time** for the vocal line of a song of at least 2 minutes (lyrics read, melody, MusicXML with lyrics,
  MIDI with lyric events), against the eighth-note baseline's time.

    python bench/bench_song.py [--chorales 60]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_song")
COMMAND = "python bench/bench_song.py"

TEXTS = {
    "twinkle": """Twinkle, twinkle, little star,
How I wonder what you are!
Up above the world so high,
Like a diamond in the sky.

When the blazing sun is gone,
When he nothing shines upon,
Then you show your little light,
Twinkle, twinkle, all the night.""",
    "mary": """Mary had a little lamb,
Its fleece was white as snow;
And everywhere that Mary went,
The lamb was sure to go.""",
    "amazing_grace": """[verse 1]
Amazing grace! how sweet the sound
That saved a wretch like me!
I once was lost, but now am found,
Was blind, but now I see.
[verse 2]
'Twas grace that taught my heart to fear,
And grace my fears relieved;
How precious did that grace appear
The hour I first believed!""",
    "susanna": """[verse]
I come from Alabama with my banjo on my knee,
I'm going to Louisiana, my true love for to see.
[chorus]
Oh! Susanna, oh don't you cry for me,
For I come from Alabama with my banjo on my knee.
[verse 2]
It rained all night the day I left, the weather it was dry,
The sun so hot I froze to death, Susanna, don't you cry.
[chorus]""",
    "clementine": """[verse]
In a cavern, in a canyon,
Excavating for a mine,
Dwelt a miner, forty-niner,
And his daughter Clementine.
[chorus]
Oh my darling, oh my darling,
Oh my darling Clementine,
You are lost and gone forever,
Dreadful sorry, Clementine.
[verse 2]
Light she was and like a fairy,
And her shoes were number nine,
Herring boxes without topses,
Sandals were for Clementine.
[chorus]""",
    "home_on_the_range": """[verse]
Oh give me a home where the buffalo roam,
Where the deer and the antelope play,
Where seldom is heard a discouraging word,
And the skies are not cloudy all day.
[chorus]
Home, home on the range,
Where the deer and the antelope play,
Where seldom is heard a discouraging word,
And the skies are not cloudy all day.""",
    "humpty": """Humpty Dumpty sat on a wall,
Humpty Dumpty had a great fall;
All the king's horses and all the king's men
Couldn't put Humpty together again.""",
    "jack_and_jill": """Jack and Jill went up the hill
To fetch a pail of water;
Jack fell down and broke his crown,
And Jill came tumbling after.""",
    "hickory": """Hickory, dickory, dock,
The mouse ran up the clock;
The clock struck one,
The mouse ran down,
Hickory, dickory, dock.""",
    "baa_baa": """Baa, baa, black sheep,
Have you any wool?
Yes sir, yes sir,
Three bags full;
One for the master,
And one for the dame,
And one for the little boy
Who lives down the lane.""",
    "old_hundredth": """All people that on earth do dwell,
Sing to the Lord with cheerful voice;
Him serve with fear, his praise forth tell,
Come ye before him and rejoice.""",
    "swing_low": """[chorus]
Swing low, sweet chariot,
Coming for to carry me home,
Swing low, sweet chariot,
Coming for to carry me home.
[verse]
I looked over Jordan, and what did I see,
Coming for to carry me home?
A band of angels coming after me,
Coming for to carry me home.
[chorus]""",
}

_GERMAN_FUNCTION_WORDS_TEXT = """
der die das den dem des ein eine einen einem einer eines und oder aber doch so wie als wenn dass daß
ich du er sie es wir ihr mich dich sich uns euch mir dir ihm ihn ihnen mein dein sein unser euer
meine deine seine meinem deinem seinem meinen deinen seinen meiner deiner seiner
in im an am auf aus bei mit nach von vom zu zum zur für um durch über unter vor hin ist bin bist sind
war hat hab hast habe wird werd will soll kann mag muss nicht
"""
GERMAN_FUNCTION_WORDS = frozenset(_GERMAN_FUNCTION_WORDS_TEXT.split())
GERMAN_PREFIXES = ("be", "ge", "er", "ver", "zer", "ent", "emp")


def _chorale_words(notes) -> list[list[tuple[object, str]]]:
    """Words of the first verse as lists of (note, syllable text)."""
    words, cur = [], []
    for n in notes:
        lyr = [x for x in n.lyrics if x.number == 1]
        if not lyr or not lyr[0].text:
            continue
        cur.append((n, lyr[0].text))
        if lyr[0].syllabic in ("single", "end", None):
            words.append(cur)
            cur = []
    return words


def _german_stress(word: list[str]) -> list[bool]:
    text = "".join(word).lower().strip(".,;:!?'\"()")
    if len(word) == 1:
        return [text not in GERMAN_FUNCTION_WORDS]
    first = word[0].lower().strip(".,;:!?'\"()")
    k = 1 if first in GERMAN_PREFIXES else 0
    return [i == k for i in range(len(word))]


def _stress_hits(words, stressed: list, unstressed: list) -> None:
    for word in words:
        for (note, _), st in zip(word, _german_stress([t for _, t in word]), strict=True):
            ts = note.getContextByClass("TimeSignature")
            strong = (1.0, 3.0) if ts is not None and ts.numerator == 4 else (1.0,)
            (stressed if st else unstressed).append(float(note.beat) in strong)


def _soprano_score(soprano):
    """The soprano as a symusic score on partita's grid (pickup padded to its bar), and the indices of its
    notes with a fermata (the phrase ends of a chorale)."""
    import symusic
    from music21 import expressions

    first = soprano.getElementsByClass("Measure")[0]
    ts = soprano.recurse().getElementsByClass("TimeSignature")[0]
    pad = float(first.paddingLeft or 0.0)
    score = symusic.Score(480)
    score.time_signatures.append(symusic.TimeSignature(0, ts.numerator, ts.denominator))
    track = symusic.Track(program=0)
    ends, notes = set(), []
    for x in soprano.flatten().notes:
        if x.tie is not None and x.tie.type != "start" and notes:
            notes[-1][1] += float(x.quarterLength)
        else:
            notes.append([float(x.offset) + pad, float(x.quarterLength), int(x.pitches[-1].midi)])
        if any(isinstance(e, expressions.Fermata) for e in x.expressions):
            ends.add(len(notes) - 1)
    for on, ql, pitch in notes:
        track.notes.append(symusic.Note(round(on * 480), round(ql * 480), pitch, 80))
    score.tracks.append(track)
    return score, ends


def _f_score(found: set, true: set) -> float:
    if not found or not true:
        return 0.0
    hits = len(found & true)
    return 2 * hits / (len(found) + len(true))


def _template_f(score, ends: set) -> tuple[float, float]:
    """F-score of the template's phrase ends against the fermatas, and of a phrase every 2 bars (the
    baseline); the last note is left out of both."""
    from partita.generation.song import lyric_template

    n = len(score.tracks[0].notes)
    found = set(np.cumsum([p.syllables for p in lyric_template(score)]) - 1)
    ts = score.time_signatures[0]
    bar = 480 * 4 * ts.numerator // ts.denominator
    onsets = [x.time for x in score.tracks[0].notes]
    every_two, start = set(), onsets[0]
    for i in range(n - 1):
        if onsets[i + 1] - start >= 2 * bar:  # the next note is 2 bars after the phrase's first note
            every_two.add(i)
            start = onsets[i + 1]
    true = ends - {n - 1}
    return _f_score(found - {n - 1}, true), _f_score(every_two, true)


def chorale_reference(n: int) -> dict:
    """Stressed and unstressed syllables on strong beats in the soprano of ``n`` Bach chorales with text,
    and how well the lyric template finds their phrases (the fermatas)."""
    from music21 import corpus

    stressed, unstressed, template, baseline, used = [], [], [], [], 0
    for path in corpus.getComposer("bach"):
        if used >= n:
            break
        try:
            soprano = corpus.parse(path).parts[0]
        except Exception:  # noqa: BLE001 - a corpus file music21 cannot read is skipped
            continue
        notes = [x for x in soprano.recurse().notes if not (x.tie and x.tie.type != "start")]
        words = _chorale_words(notes)
        if len(words) < 10:
            continue
        used += 1
        _stress_hits(words, stressed, unstressed)
        score, ends = _soprano_score(soprano)
        if len(ends) >= 2:
            f, b = _template_f(score, ends)
            template.append(f)
            baseline.append(b)
    return {"chorales": used, "stressed": float(np.mean(stressed)), "unstressed": float(np.mean(unstressed)),
            "n_stressed": len(stressed), "n_unstressed": len(unstressed),
            "template_f": float(np.mean(template)), "every_two_bars_f": float(np.mean(baseline)),
            "template_chorales": len(template)}  # fmt: skip


def _section_melodies(song) -> dict[tuple, list[tuple]]:
    out: dict[int, list[tuple]] = {}
    for n in song.notes:
        out.setdefault(n.section, []).append(n)
    return {si: [(x.onset - ns[0].onset, x.duration, x.pitch) for x in ns] for si, ns in out.items()}


def recurrence(song) -> tuple[int, int]:
    """(repeated sections sung as their first statement, repeated sections)."""
    mel = _section_melodies(song)
    first: dict[tuple, int] = {}
    same = total = 0
    for si, section in enumerate(song.lyrics.sections):
        if section.words in first:
            total += 1
            same += mel[si] == mel[first[section.words]]
        else:
            first[section.words] = si
    return same, total


def per_text() -> list[dict]:
    from partita.generation.song import (
        alignment,
        eighth_baseline,
        sing,
        song_onsets,
        stress_on_strong,
    )
    from partita.lyrics import read_lyrics

    out = []
    for name, text in TEXTS.items():
        lyrics = read_lyrics(text)
        song = sing(lyrics)
        base = sing(lyrics, recur=False)
        ours = stress_on_strong(song_onsets(song), lyrics.syllables, song.meter)
        eighth = stress_on_strong(eighth_baseline(lyrics, song.meter), lyrics.syllables, song.meter)
        out.append({
            "name": name, "alignment": alignment(song), "ours": ours, "eighth": eighth,
            "n_stressed": sum(s.stressed for s in lyrics.syllables), "n_syllables": len(lyrics.syllables),
            "recur": recurrence(song), "no_recur": recurrence(base),
        })  # fmt: skip
        log.info("%s: stressed on strong %.2f (eighth %.2f)", name, ours[0], eighth[0])
    return out


def two_minute_song() -> tuple[float, float, float]:
    """Seconds for a 2-minute song's vocal line (and for the eighth baseline), and the song's length."""
    from partita.generation.song import eighth_baseline, sing, song_musicxml, write_song_midi
    from partita.lyrics import read_lyrics

    texts: list[str] = []
    for t in TEXTS.values():  # whole texts until the song lasts 2 minutes
        texts.append(t)
        if sing(read_lyrics("\n\n".join(texts))).seconds >= 120:
            break
    text = "\n\n".join(texts)
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        lyrics = read_lyrics(text)
        song = sing(lyrics)
        song_musicxml(song, title="bench")
        write_song_midi(song, Path(d) / "song.mid")
        seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    eighth_baseline(read_lyrics(text))
    return seconds, time.perf_counter() - t1, song.seconds


def weighted(texts: list[dict], key: str, i: int) -> float:
    """Mean over all syllables (stressed: i=0, unstressed: i=1) of the texts, weighted by their counts."""
    w = [t["n_stressed"] if i == 0 else t["n_syllables"] - t["n_stressed"] for t in texts]
    return float(np.average([t[key][i] for t in texts], weights=w))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chorales", type=int, default=60)
    ap.add_argument(
        "--quick", action="store_true", help="for `python -m bench --quick`: this bench runs as it is"
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    texts = per_text()
    seconds, base_seconds, song_seconds = two_minute_song()
    t0 = time.perf_counter()
    bach = chorale_reference(args.chorales)
    log.info("chorales: %s (%.0f s)", bach, time.perf_counter() - t0)
    syl = sum(t["alignment"]["syllables"] for t in texts)
    with_note = sum(t["alignment"]["with_note"] for t in texts)
    notes = sum(t["alignment"]["notes"] for t in texts)
    orphan = sum(t["alignment"]["orphan"] for t in texts)
    same, total = (sum(t[k][j] for t in texts) for k, j in (("recur", 0), ("recur", 1)))
    same_b = sum(t["no_recur"][0] for t in texts)
    stressed = sum(t["n_stressed"] for t in texts)
    note = f"{len(texts)} lyric texts, {syl} syllables ({stressed} stressed by the heuristic)"
    rows = [
        row("song: syllables with a note", with_note / syl, "share", COMMAND, "eighth-note baseline", 1.0,
            goal="1.0", notes=note),
        row("song: notes with a syllable or continuing its melisma", (notes - orphan) / notes, "share",
            COMMAND, "eighth-note baseline", 1.0, goal="1.0"),
        row("song: stressed syllables on strong beats", weighted(texts, "ours", 0), "share", COMMAND,
            "eighth-note baseline", weighted(texts, "eighth", 0), goal="near Bach's chorales", notes=note),
        row("song: unstressed syllables on strong beats", weighted(texts, "ours", 1), "share", COMMAND,
            "eighth-note baseline", weighted(texts, "eighth", 1), higher_is_better=False),
        row("Bach chorales (reference): stressed syllables on strong beats", bach["stressed"], "share",
            COMMAND, "unstressed syllables in the same chorales", bach["unstressed"],
            notes=f"soprano, first verse of {bach['chorales']} chorales with text; German stress heuristic"),
        row("template: phrase ends found in Bach chorales (F-score against the fermatas)", bach["template_f"],
            "F", COMMAND, "a phrase every 2 bars from its first note", bach["every_two_bars_f"],
            notes=f"soprano of {bach['template_chorales']} chorales; the last note left out; the template's "
            "2-bar cap was chosen on these chorales (4 bars gave 0.22)"),
        row("song: repeated sections sung as their first statement", same / total if total else float("nan"),
            "share", COMMAND, "recur=False (each line seeded by position)", same_b / total if total else None,
            notes=f"{total} repeated sections"),
        row("song: seconds for the vocal line of a song of 2 minutes or more (MusicXML + MIDI)", seconds, "s",
            COMMAND, "eighth-note baseline (rhythm only)", base_seconds, higher_is_better=False,
            goal="under 60 s",
            notes=f"a {song_seconds:.0f} s song, 2 cores"),
    ]  # fmt: skip
    path = write_result(
        "song",
        "Songs from lyrics: a vocal melody for words against one syllable per eighth note",
        rows,
        extra={"texts": texts, "bach": bach, "song_seconds": song_seconds},
    )
    print(path)


if __name__ == "__main__":
    main()
