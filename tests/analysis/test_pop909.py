"""A real song of the shared POP909 data (skipped when the reference data is absent)."""

import numpy as np
import pytest

from partita.paths import shared_data_dir

ROOT = shared_data_dir(required=False)
pytestmark = pytest.mark.skipif(
    ROOT is None or not (ROOT / "pop909" / "001").is_dir(), reason="no POP909 data"
)


def test_song_001_key_and_chords_match_the_annotations():
    import mir_eval

    from partita.analysis import describe
    from partita.score import read_midi

    song = ROOT / "pop909" / "001"
    d = describe(read_midi(song / "001.mid"))
    assert mir_eval.key.weighted_score("Gb major", d.key) == 1.0
    assert [i["role"] for i in d.instruments][0] == "melody"  # the track named MELODY
    est_i = np.array([[c["start"], c["end"]] for c in d.chords])
    ref_i, ref_l = mir_eval.io.load_labeled_intervals(str(song / "chord_midi.txt"))
    lo, hi = ref_i.min(), ref_i.max()
    est_i, est_l = mir_eval.util.adjust_intervals(
        np.clip(est_i, lo, hi), [c["label"] for c in d.chords], lo, hi, "N", "N"
    )
    keep = est_i[:, 1] > est_i[:, 0]
    est_i, est_l = est_i[keep], [lab for lab, k in zip(est_l, keep, strict=True) if k]
    iv, ref, est = mir_eval.util.merge_labeled_intervals(ref_i, ref_l, est_i, est_l)
    majmin = mir_eval.chord.weighted_accuracy(
        mir_eval.chord.majmin(ref, est), mir_eval.util.intervals_to_durations(iv)
    )
    assert majmin > 0.85
    assert d.seconds_taken < 1.0
