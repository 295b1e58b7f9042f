"""A caption's first words say how the piece sounds in a listener's words (issue 20): "A slow, soft piano
piece in C major.", not only the Italian term and the bpm further on; in English and in Chinese."""

from __future__ import annotations

import pytest
import symusic

from partita.analysis import describe
from partita.analysis.captions import caption, key_zh, plain_words


def _piece(qpm: float, velocity: int) -> symusic.Score:
    """Eight bars of a C major scale and its triads on one piano, at ``qpm`` and ``velocity``."""
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=qpm))
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    t = symusic.Track("Piano", 0, False)
    scale = [60, 62, 64, 65, 67, 69, 71, 72]
    for bar in range(8):
        for beat in range(4):
            t.notes.append(symusic.Note((bar * 4 + beat) * 480, 480, scale[(bar + beat) % 8] + 12, velocity))
        for p in (48, 52, 55):
            t.notes.append(symusic.Note(bar * 4 * 480, 4 * 480, p, velocity))
    s.tracks.append(t)
    return s


@pytest.mark.parametrize(
    ("qpm", "velocity", "en", "zh"),
    [
        (62.0, 35, "slow, soft", "缓慢轻柔的"),
        (100.0, 80, "mid-tempo", "中速的"),
        (150.0, 115, "fast, loud", "快速响亮的"),
        (30.0, 80, "very slow", "非常缓慢的"),
    ],
)
def test_the_first_words_say_how_it_sounds(qpm: float, velocity: int, en: str, zh: str) -> None:
    d = describe(_piece(qpm, velocity))
    assert plain_words(d) == en and plain_words(d, "zh") == zh
    for seed in range(8):
        english, chinese = caption(d, "en", seed=seed), caption(d, "zh", seed=seed)
        first = english.split(".")[0]
        assert first.startswith("A " + en + " "), english
        assert d.key in first and d.tempo_term not in first, english  # the technical words come after
        assert chinese.startswith(zh) and key_zh(d.key) in chinese.split("，")[0], chinese
        # said once: no "A loud ... It is played loudly."
        assert "played loudly" not in english and "played softly" not in english, english
        assert "响亮有力" not in chinese and "整体轻柔" not in chinese, chinese


def test_a_labelled_caption_keeps_its_label_first() -> None:
    d = describe(_piece(150.0, 115))
    labelled = caption(d, "en", seed=1, labels={"style": "waltz", "composer": "Strauss"})
    assert labelled.startswith("A waltz") and "by Strauss" in labelled.split(".")[0]
