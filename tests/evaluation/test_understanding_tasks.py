"""Understanding tasks: labelled pieces by split, probes on a tiny encoder against baselines, scores."""

from __future__ import annotations

import numpy as np
import pytest
import symusic

from partita.evaluation.understanding import (
    HAND_FEATURES,
    METERS,
    TASKS,
    Example,
    Task,
    TaskData,
    check_disjoint,
    gather,
    hand_features,
    note_vectors,
    piece_notes,
    run_task,
    scores,
    selector_predictions,
    velocity_classes,
    velocity_task,
)
from partita.models.encoder import debug_encoder, score_notes

pytestmark = pytest.mark.usefixtures("one_thread")


def _score(kind: str, seed: int) -> symusic.Score:
    """A toy piece: ``"high"`` is a C-major line in 3/4 around C5 with short notes; ``"low"`` a chromatic
    line in 6/8 around C3 with long notes (separable by pitch, meter and rhythm)."""
    rng = np.random.default_rng(seed)
    s = symusic.Score(480)
    t = symusic.Track("Voice", 0, False)
    if kind == "high":
        s.time_signatures.append(symusic.TimeSignature(0, 3, 4))
        steps = [0, 2, 4, 5, 7, 9, 11]
        for i in range(24):
            t.notes.append(symusic.Note(i * 240, 240, 72 + int(rng.choice(steps)), 90))
    else:
        s.time_signatures.append(symusic.TimeSignature(0, 6, 8))
        for i in range(12):
            t.notes.append(symusic.Note(i * 720, 720, 48 + int(rng.integers(0, 12)), 50))
    s.tracks.append(t)
    return s


def _toy(n_per_class: int = 12) -> tuple[list[dict], dict[str, symusic.Score]]:
    rows, scores_ = [], {}
    for kind in ("high", "low"):
        for i in range(n_per_class):
            pid = f"{kind}-{i}"
            split = "train" if i < n_per_class // 2 else ("valid" if i < 3 * n_per_class // 4 else "test")
            rows.append({"piece_id": pid, "split": split, "work_group": pid, "kind": kind, "meter": None})
            scores_[pid] = _score(kind, i)
            rows[-1]["meter"] = "3/4" if kind == "high" else "6/8"
    return rows, scores_


TOY = Task("toy", lambda r: r.get("kind"), baselines=("hand", "meter", "majority"), min_train=3, min_test=2)


def test_probe_and_baselines_beat_chance_on_a_separable_toy_set():
    rows, scores_ = _toy()
    data = gather(TOY, rows)
    assert data.classes == ("high", "low")
    res = run_task(data, scores_.__getitem__, {"debug": debug_encoder()}, n_boot=50, cv_folds=2)
    assert res.counts["test"] == {"high": 3, "low": 3}
    assert res.results["probe:debug"]["accuracy"] >= 0.8  # chance is 0.5
    assert res.results["hand"]["accuracy"] == 1.0
    assert res.results["meter"]["accuracy"] == 1.0
    assert res.results["majority"]["accuracy"] == 0.5
    lo, hi = res.results["probe:debug"]["accuracy_ci"]
    assert lo <= res.results["probe:debug"]["accuracy"] <= hi
    assert set(res.cv) == {"probe:debug", "hand", "meter", "majority"}
    assert res.cv["hand"]["n"] == 18  # train + valid only: the test pieces are not in the cross-validation


def test_gather_keeps_one_piece_per_work_group_and_splits_disjoint():
    rows, _ = _toy()
    # a second version of high-0's work, in the same split: counted once
    rows.append({**rows[0], "piece_id": "high-0-copy"})
    data = gather(TOY, rows)
    ids = [e.piece_id for e in data.examples]
    assert "high-0-copy" not in ids and "high-0" in ids
    train = {e.group for e in data.split("train")}
    test = {e.group for e in data.split("test")}
    assert not train & test
    capped = gather(TOY, rows, cap=2)
    assert len(capped.split("train")) == 4  # two a class
    assert capped.train_counts == {"high": 6, "low": 6}  # the majority's prior is counted before the cap


def test_a_work_in_two_splits_is_refused():
    task = TASKS["composer"]
    examples = [
        Example("a", "Bach", "train", "work-1"),
        Example("b", "Bach", "test", "work-1"),
    ]
    with pytest.raises(ValueError, match="work-1 is in both train and test"):
        check_disjoint(TaskData(task, ("Bach",), examples))


def test_a_task_with_one_class_is_a_clear_error():
    rows, _ = _toy()
    only_high = [r for r in rows if r["kind"] == "high"]
    with pytest.raises(ValueError, match="a classifier needs two"):
        gather(TOY, only_high)
    with pytest.raises(ValueError, match="a classifier needs two"):
        gather(TOY, [])


def test_task_labels_from_manifest_rows():
    composer, province = TASKS["composer"].label, TASKS["province"].label
    assert composer({"source": "jsb", "collection": "jsb/train"}) == "Bach"
    assert composer({"source": "music21:palestrina"}) == "Palestrina"
    assert composer({"source": "music21:cpebach"}) is None
    essen = {"source": "music21:essenFolksong", "country": "China"}
    assert province({**essen, "province": "nan Jiangsu"}) == "Jiangsu"
    assert province({**essen, "province": "Anhui Auxian"}) == "Anhui"
    assert province({**essen, "country": "Germany", "province": "Schlesien"}) is None
    assert TASKS["region"].label({**essen, "country": "France"}) == "other"
    assert TASKS["region"].label({"source": "music21:oneills1850", "country": "Ireland"}) is None
    assert TASKS["tune_type"].label({"source": "music21:oneills1850", "tune_type": "reel"}) == "reel"
    assert TASKS["tune_type"].label({"source": "music21:essenFolksong", "tune_type": "reel"}) is None


def test_hand_features_read_pitch_classes_intervals_and_meter():
    notes = piece_notes(_score("high", 0))
    f = hand_features(notes, "3/4")
    assert f.shape == (len(HAND_FEATURES),)
    pc = f[:12]
    assert pc.sum() == pytest.approx(1.0)
    assert pc[[1, 3, 6, 8, 10]].sum() == 0  # a C-major line
    assert f[HAND_FEATURES.index("meter_3/4")] == 1
    assert f[HAND_FEATURES.index("voices")] == 1
    assert hand_features(notes, "7/8")[HAND_FEATURES.index("meter_other")] == 1
    assert len([m for m in HAND_FEATURES if m.startswith("meter_")]) == len(METERS) + 2
    with pytest.raises(ValueError, match="no pitched notes"):
        piece_notes(symusic.Score(480))


def test_scores_bootstrap_interval_and_groups():
    y = np.array([0, 0, 1, 1, 2, 2])
    out = scores(y, np.array([0, 0, 1, 1, 2, 0]), n_boot=200)
    assert out["accuracy"] == pytest.approx(5 / 6)
    assert out["accuracy_ci"][0] <= out["accuracy"] <= out["accuracy_ci"][1]
    perfect = scores(y, y, n_boot=50, groups=np.array([0, 0, 1, 1, 2, 2]))
    assert perfect["macro_f1"] == 1.0 and perfect["accuracy_ci"] == [1.0, 1.0]
    with pytest.raises(ValueError, match="no test pieces"):
        scores(np.array([]), np.array([]))


def test_velocity_classes_are_midibert_bins():
    v = np.array([0, 31, 32, 47, 48, 63, 64, 79, 80, 95, 96, 127])
    assert velocity_classes(v).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_velocity_probe_cannot_read_velocity_from_its_input():
    enc = debug_encoder()
    a = score_notes(_score("high", 1))
    b = score_notes(_score("high", 1))
    b.velocity = b.velocity // 3
    assert np.allclose(note_vectors(enc, a), note_vectors(enc, b))
    assert not np.allclose(
        note_vectors(enc, a, hide_velocity=False), note_vectors(enc, b, hide_velocity=False)
    )


def test_velocity_task_learns_loudness_from_register():
    # loud high notes, soft low ones: the register tells the class
    train = [score_notes(_score(k, i)) for k in ("high", "low") for i in range(4)]
    test = [score_notes(_score(k, 10 + i)) for k in ("high", "low") for i in range(2)]
    res = velocity_task(train, test, {"debug": debug_encoder()}, n_boot=20, boosting=False)
    assert res["majority"]["accuracy"] < 0.8
    assert res["hand"]["accuracy"] == 1.0
    assert res["probe:debug"]["accuracy"] > res["majority"]["accuracy"]


def test_selector_without_tokenizer_is_a_clear_error():
    class NoTokenizer:
        tokenizer = None
        labels = ["a", "b"]

    with pytest.raises(ValueError, match="no tokenizer"):
        selector_predictions(NoTokenizer(), [_score("high", 0)], ["a", "b"])
