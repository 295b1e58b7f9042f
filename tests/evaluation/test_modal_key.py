import pytest
from evaluation_fixtures import make_score

from partita.evaluation.adherence import candidate_adherence
from partita.evaluation.modal_key import final_pitch_class, modal_key_adherence, scale_share
from partita.generation.prompt import project_prompt

# G gong: G A B D E. A tune on those tones that ends on G, and the same tones ending on E (its yu tonic)
G_GONG_ON_G = [67, 69, 71, 74, 76, 74, 71, 69, 67, 64, 67, 69, 71, 69, 67, 67]
G_GONG_ON_E = [*G_GONG_ON_G[:-1], 64]
# a G major tune with its fourth and seventh degrees (C and F#): a profile hears G major, a gong reading not
G_MAJOR = [67, 72, 71, 69, 66, 67, 72, 74, 72, 71, 69, 66, 67, 72, 71, 67]


def _tune(pitches):
    return make_score([(i * 480, 480, p) for i, p in enumerate(pitches)])


def test_final_and_scale_share():
    assert final_pitch_class(_tune(G_GONG_ON_E)) == 4
    assert final_pitch_class(make_score([])) is None
    chord_end = make_score([(0, 480, 67), (480, 480, 55), (480, 480, 71)])  # the last onset's lowest note
    assert final_pitch_class(chord_end) == 7
    assert scale_share(_tune(G_GONG_ON_G), (2, 4, 7, 9, 11)) == pytest.approx(1.0)
    assert scale_share(_tune(G_MAJOR), (2, 4, 7, 9, 11)) == pytest.approx(10 / 16)


@pytest.mark.parametrize(
    ("pitches", "mode", "ck", "ckd"),
    [
        (G_GONG_ON_G, "major", 1.0, 1.0),  # G gong, ending on G
        (G_GONG_ON_E, "major", 0.0, 1.0),  # the same collection heard from its yu tonic
        (G_MAJOR, "major", 0.0, 0.0),  # diatonic: not in the collection
        (G_GONG_ON_E, "minor", 1.0, 1.0),  # E yu is the same collection, ending on E
        (G_GONG_ON_G, "minor", 0.0, 1.0),
    ],
)
def test_modal_key_adherence_of_a_chinese_tune(pitches, mode, ck, ckd):
    key = "G" if mode == "major" else "E"
    assert modal_key_adherence("chinese_folk", key, mode, _tune(pitches)) == {"CK": ck, "CKD": ckd}


def test_other_styles_keep_the_profiles():
    assert modal_key_adherence("jig", "G", "major", _tune(G_GONG_ON_G)) == {}
    assert modal_key_adherence("chinese_folk", None, None, _tune(G_GONG_ON_G)) == {}


def test_candidate_adherence_reads_a_chinese_key_by_collection_and_final():
    chinese = project_prompt("a Chinese folk song in G major for flute, 4 bars")
    western = project_prompt("a German folk song in G major for flute, 4 bars")
    assert chinese.conditions.style == "chinese_folk" and western.conditions.style != "chinese_folk"
    # the diatonic tune: the profiles hear G major; read as a Chinese tune it is not in G gong
    assert candidate_adherence(western, _tune(G_MAJOR))["CK"] == 1.0
    assert candidate_adherence(chinese, _tune(G_MAJOR))["CK"] == 0.0
    assert candidate_adherence(chinese, _tune(G_GONG_ON_G))["CK"] == 1.0
