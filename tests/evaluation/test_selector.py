import json

import pytest
import symusic

from partita.evaluation.selector import DEFAULT_WEIGHTS, Selector, adherence_mean, choose_selector
from partita.generation.candidates import Candidate
from partita.generation.prompt import project_prompt
from partita.models.style_classifier import StyleClassifier, StyleClassifierConfig
from partita.pipelines import debug_generator, generate, load_generator


class StubClassifier:
    """Fixed style / quality answers per piece (the first token id names the piece): for the ranking maths."""

    labels = ["jig", "chorale"]
    tokenizer = None
    card: dict = {}

    def __init__(self, answers: dict[int, tuple[float, float]]) -> None:
        self.answers = answers

    def predict(self, music, max_windows=8):
        music = list(music)
        if not music:
            return {"style": {}, "quality": 0.0, "windows": 0, "tokens": 0}
        jig, quality = self.answers[int(music[0])]
        return {
            "style": {"jig": jig, "chorale": 1 - jig},
            "quality": quality,
            "windows": 1,
            "tokens": len(music),
        }


def notes(n: int = 4) -> symusic.Score:
    s = symusic.Score(480)
    t = symusic.Track("Violin", 40, False)
    for i in range(n):
        t.notes.append(symusic.Note(i * 240, 240, 70 + i, 80))
    s.tracks.append(t)
    return s


def candidate(adherence: dict[str, float], n_notes: int = 4) -> Candidate:
    return Candidate(0, notes(n_notes), 0, "eos", adherence)


@pytest.fixture(scope="module")
def generator():
    return debug_generator(seed=0)


@pytest.fixture(scope="module")
def learned(generator):
    """A random (untrained) classifier over the generator's tokenizer: real scores, arbitrary values."""
    tok = generator.tokenizer
    skip = sorted(set(tok._cond_ids.values()) | {tok.bos_id, tok.eos_id, tok.pad_id})
    config = StyleClassifierConfig(
        vocab_size=tok.vocab_size,
        labels=["jig", "chorale"],
        window=32,
        d_model=8,
        n_layers=1,
        kernel=3,
        dilations=[1],
        dropout=0.0,
        pad_id=tok.pad_id,
        skip_ids=skip,
    )
    model = StyleClassifier(config).eval()
    model.tokenizer = tok
    return model


# --- the maths ----------------------------------------------------------------------------------------------


def test_combine_is_the_weighted_mean_of_the_scores_present():
    sel = Selector()
    assert sel.weights == DEFAULT_WEIGHTS
    assert sel.combine({"adherence": 0.8, "style": 0.5, "quality": 0.2}) == pytest.approx(
        (0.5 * 0.8 + 0.3 * 0.5 + 0.2 * 0.2) / 1.0
    )
    assert sel.combine({"adherence": 0.8, "quality": 0.2}) == pytest.approx((0.5 * 0.8 + 0.2 * 0.2) / 0.7)
    assert sel.combine({"adherence": 0.3}) == pytest.approx(0.3)
    assert sel.combine({}) == 0.0
    only_quality = Selector(weights={"adherence": 0.0, "quality": 2.0})
    assert only_quality.weights == {"adherence": 0.0, "style": 0.0, "quality": 2.0, "realism": 0.0}
    assert only_quality.combine({"adherence": 1.0, "quality": 0.25}) == pytest.approx(
        0.25
    )  # weight 0: ignored
    assert only_quality.combine({"adherence": 1.0}) == 0.0


def test_adherence_mean_leaves_errors_and_missing_values_out():
    assert adherence_mean({"CK": 1.0, "meter": 0.0, "density_relative_error": 3.0, "TB": None}) == 0.5
    assert adherence_mean({"density_relative_error": 0.2}) is None


def test_bad_weights_and_bad_items_are_refused():
    with pytest.raises(ValueError, match="unknown scores.*'melody'"):
        Selector(weights={"melody": 1.0})
    with pytest.raises(ValueError, match="numbers >= 0"):
        Selector(weights={"style": -1})
    with pytest.raises(ValueError, match="not dict"):
        Selector().score({"a": 1})


def test_rank_orders_by_combined_with_ties_in_given_order():
    request = project_prompt("a jig in D major for violin, 4 bars")
    stub = StubClassifier({10: (0.9, 0.9), 11: (0.1, 0.9), 12: (0.9, 0.1), 13: (0.9, 0.9)})
    sel = Selector(classifier=stub)
    ranked = sel.rank([[11, 5], [10, 5], [12, 5], [13, 5]], request)  # token ids: no adherence measured
    assert [ids[0] for ids, _ in ranked] == [10, 13, 12, 11]  # 10 and 13 tie: given order
    assert ranked[0][1] == {"quality": 0.9, "style": 0.9, "combined": pytest.approx(0.9)}
    # 12: (0.3 * 0.9 + 0.2 * 0.1) / 0.5 = 0.58; 11: (0.3 * 0.1 + 0.2 * 0.9) / 0.5 = 0.42
    assert ranked[2][1]["combined"] == pytest.approx(0.58) and ranked[3][1]["combined"] == pytest.approx(0.42)


def test_rank_with_style_weighted_up_changes_the_order():
    request = project_prompt("a jig, 4 bars")
    stub = StubClassifier({11: (0.1, 0.9), 12: (0.9, 0.1)})
    default = Selector(classifier=stub).rank([[11], [12]], request)
    assert [ids[0] for ids, _ in default] == [12, 11]  # 0.58 against 0.42
    quality_first = Selector(classifier=stub, weights={"style": 0.1, "quality": 0.9}).rank(
        [[11], [12]], request
    )
    assert [ids[0] for ids, _ in quality_first] == [11, 12]


def test_style_is_scored_only_when_the_classifier_knows_it():
    stub = StubClassifier({10: (0.7, 0.6)})
    assert set(Selector(classifier=stub).score([10], project_prompt("a jig"))) == {
        "style",
        "quality",
        "combined",
    }
    no_style = Selector(classifier=stub).score([10], project_prompt("a pop song"))  # 'pop' is not a label
    assert set(no_style) == {"quality", "combined"} and no_style["combined"] == pytest.approx(0.6)
    assert set(Selector(classifier=stub).score([10])) == {"quality", "combined"}  # no request: no style


def test_candidates_use_their_measured_adherence_and_silent_ones_score_zero():
    request = project_prompt("a waltz in G major for violin, 4 bars")
    good = candidate({"CK": 1.0, "meter": 1.0})
    poor = candidate({"CK": 0.0, "meter": 1.0})
    silent = candidate({}, n_notes=0)
    ranked = Selector().rank([silent, poor, good], request)
    assert [c for c, _ in ranked] == [good, poor, silent]
    assert [s for _, s in ranked] == [
        {"adherence": 1.0, "combined": 1.0},
        {"adherence": 0.5, "combined": 0.5},
        {"adherence": 0.0, "combined": 0.0},
    ]


def test_a_score_one_candidate_lacks_counts_as_zero():
    request = project_prompt("a jig in D major, 4 bars")
    measured = candidate({"CK": 1.0})
    undecodable = [10, 11]  # a tokenizer-less Selector cannot decode ids, so their adherence is not measured
    assert Selector().score(undecodable, request) == {"combined": 0.0}
    ranked = Selector().rank([undecodable, measured], request)
    assert [x for x, _ in ranked] == [measured, undecodable]
    assert ranked[1][1] == {"adherence": 0.0, "combined": 0.0}  # filled in: every combined averages the same


def test_a_learned_selector_scores_a_score_through_its_own_tokenizer(learned):
    sel = Selector(classifier=learned)
    assert sel.tokenizer is learned.tokenizer and sel.labels == ["jig", "chorale"]
    request = project_prompt("a jig in D major for violin, 4 bars")
    s = sel.score(notes(8), request)
    assert set(s) == {"adherence", "style", "quality", "combined"}
    assert all(0.0 <= s[k] <= 1.0 for k in s)
    pred = learned.predict(learned.tokenizer.encode_music(notes(8)))
    assert s["style"] == pytest.approx(pred["style"]["jig"]) and s["quality"] == pytest.approx(
        pred["quality"]
    )
    assert s["combined"] == pytest.approx(sel.combine(s))
    silent = sel.score(symusic.Score(480), request)
    assert silent == {"adherence": 0.0, "style": 0.0, "quality": 0.0, "combined": 0.0}
    with pytest.raises(ValueError, match="no tokenizer, so it cannot read a Score"):
        Selector(classifier=StyleClassifier.from_pretrained("debug")).score(notes(), request)


# --- choosing a selector ------------------------------------------------------------------------------------


def test_choose_selector(tmp_path, learned):
    assert choose_selector(None) is None and choose_selector("none") is None
    assert choose_selector("adherence").classifier is None
    assert choose_selector("auto", None).classifier is None  # nothing shipped: adherence only
    given = Selector()
    assert choose_selector(given) is given
    learned.save_pretrained(tmp_path / "clf")
    from_folder = choose_selector(str(tmp_path / "clf"))
    assert from_folder.classifier is not None and from_folder.tokenizer is not None
    assert from_folder.describe()["kind"] == "learned" and from_folder.describe()["classifier"] == str(
        tmp_path / "clf"
    )
    shipped = choose_selector("auto", str(tmp_path / "clf"), weights={"adherence": 1.0, "quality": 0.5})
    assert shipped.classifier is not None and shipped.weights == {
        "adherence": 1.0,
        "style": 0.0,
        "quality": 0.5,
        "realism": 0.0,
    }
    (tmp_path / "clf" / "model.safetensors").write_bytes(b"broken")
    # a broken shipped classifier: adherence, and it says why
    fallback = choose_selector("auto", str(tmp_path / "clf"))
    assert fallback.classifier is None and "could not be loaded" in fallback.note
    with pytest.raises(FileNotFoundError, match="not 'auto', 'adherence' or 'none'"):
        choose_selector("best")
    with pytest.raises(ValueError, match="use 'auto', 'adherence', None"):
        choose_selector(3)


# --- generate() ---------------------------------------------------------------------------------------------


def test_generate_without_selector_keeps_sampling_order(generator, tmp_path):
    prompt = "a waltz in G major for violin, 1 bar"
    _, plain = generate(prompt, n=2, seed=5, model=generator, selector=None, out_dir=tmp_path, wav=False)
    _, ranked = generate(prompt, n=2, seed=5, model=generator, selector="adherence")
    assert [c.rank for c in plain] == [1, 2] and all(c.scores == {} for c in plain)
    assert sorted(c.score.dumps_midi() for c in plain) == sorted(c.score.dumps_midi() for c in ranked)
    combined = [c.scores["combined"] for c in ranked]
    assert combined == sorted(combined, reverse=True)
    assert all(set(c.scores) == {"adherence", "combined"} for c in ranked)
    doc = json.loads((tmp_path / "generation.json").read_text())
    assert doc["selector"] == {"kind": "none (sampling order)"}
    assert [c["scores"] for c in doc["candidates"]] == [{}, {}]


def test_generate_uses_the_selector_shipped_in_the_model_folder(generator, learned, tmp_path):
    folder = generator.save_pretrained(tmp_path / "model")
    assert (folder / "generation_config.json").is_file()
    assert load_generator(str(folder)).selector_dir is None  # no selector/ yet
    learned.save_pretrained(folder / "selector", card={"metrics": {"test": {"quality_auc": 0.8}}})
    assert load_generator(str(folder)).selector_dir == str(folder / "selector")
    _, cands = generate(
        "a jig in D major for violin, 1 bar",
        n=2,
        seed=1,
        model=str(folder),
        out_dir=tmp_path / "out",
        wav=False,
    )
    assert all({"quality", "style", "combined"} <= set(c.scores) for c in cands)
    assert cands[0].scores["combined"] >= cands[1].scores["combined"]
    doc = json.loads((tmp_path / "out" / "generation.json").read_text())
    assert doc["selector"]["kind"] == "learned" and doc["selector"]["labels"] == ["jig", "chorale"]
    assert doc["selector"]["classifier_test"] == {"quality_auc": 0.8}
    assert [c["scores"] for c in doc["candidates"]] == [c.scores for c in cands]


def test_cli_generate_selector_option(tmp_path, capsys):
    from partita.cli.main import main

    out = tmp_path / "gen"
    args = [
        "generate",
        "a jig for violin",
        "--model",
        "debug",
        "--bars",
        "1",
        "--n",
        "1",
        "--seed",
        "2",
        "-o",
        str(out),
    ]
    assert main([*args, "--selector", "best"]) == 2
    err = capsys.readouterr().err
    assert "selector 'best': not 'auto', 'adherence' or 'none'" in err and "Traceback" not in err
    assert main([*args, "--selector", "adherence"]) == 0
    assert "#1  selector " in capsys.readouterr().out
    assert json.loads((out / "generation.json").read_text())["selector"]["kind"] == "adherence"


def _notes_per_beat(per_beat: int, beats: int = 16) -> symusic.Score:
    s = symusic.Score(480)
    t = symusic.Track("Piano", 0, False)
    step = 480 // per_beat
    for i in range(per_beat * beats):
        t.notes.append(symusic.Note(i * step, step, 60 + i % 12, 80))
    s.tracks.append(t)
    return s


def test_fader_adherence_scores_the_density_bin_and_ranks_by_it():
    from partita.evaluation.adherence import candidate_adherence, fader_adherence
    from partita.tokens.conditions import DENSITY_EDGES

    sparse, dense = _notes_per_beat(1), _notes_per_beat(8)  # 1 and 8 notes per beat: bins 1 and 6 of 0..7
    request = project_prompt("a piano piece", density=1.0)  # the top density bin
    top = request.conditions.density
    assert top > DENSITY_EDGES[-1]
    assert fader_adherence(request.conditions, dense)["density_level"] == pytest.approx(1 - 1 / 7)
    assert fader_adherence(request.conditions, sparse)["density_level"] == pytest.approx(1 - 6 / 7)
    assert fader_adherence(project_prompt("a piano piece").conditions, dense) == {}  # no fader, no score
    assert fader_adherence(request.conditions, symusic.Score(480)) == {}
    ranked = Selector().rank(
        [Candidate(0, s, 0, "eos", candidate_adherence(request, s)) for s in (sparse, dense)], request
    )
    assert ranked[0][0].score is dense  # a request of only a fader still ranks by adherence
