"""``partita index build`` / ``search`` / ``similar``: results as lines, errors as one line."""

from __future__ import annotations

import json

from partita.cli.main import main


def test_build_search_and_similar(tiny_corpus, tmp_path, capsys):
    out = tmp_path / "idx"
    assert main(["index", "build", str(tiny_corpus), "-o", str(out)]) == 0
    assert "indexed 4 pieces (4 new)" in capsys.readouterr().out
    assert main(["index", "build", str(tiny_corpus), "-o", str(out)]) == 0
    assert "indexed 4 pieces (0 new)" in capsys.readouterr().out
    assert main(["search", "a piece in A minor in 3/4 time", "-k", "2", "--index", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and "Minor Waltz" in lines[0]
    assert (
        main(["search", "a jig", "--where", "meter = '2/4'", "--index", str(out), "--json", "--hybrid"]) == 0
    )
    hits = json.loads(capsys.readouterr().out)
    assert [h["title"] for h in hits] == ["Slow March"]
    piece = next(tiny_corpus.joinpath("midi").rglob("*.mid"))
    assert main(["similar", str(piece), "-k", "1", "--index", str(out)]) == 0
    assert piece.stem in capsys.readouterr().out


def test_errors_are_one_line(tiny_index, tmp_path, capsys):
    assert main(["search", " ", "--index", str(tiny_index)]) != 0
    err = capsys.readouterr().err
    assert "empty query" in err and "Traceback" not in err
    assert main(["search", "a waltz", "--where", "mood = 'sad'", "--index", str(tiny_index)]) != 0
    assert "unknown field 'mood'" in capsys.readouterr().err
    assert main(["search", "a waltz", "--index", str(tmp_path / "none")]) != 0
    err = capsys.readouterr().err
    assert "no discovery index" in err and len(err.strip().splitlines()) == 1


def test_recommend(tiny_corpus, tiny_index, capsys):
    piece = next(tiny_corpus.joinpath("midi").rglob("*.mid"))
    assert main(["recommend", str(piece), "-k", "2", "--index", str(tiny_index), "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 2 and piece.stem not in [h["piece_id"] for h in hits]
    assert main(["recommend", "nothing-here", "--index", str(tiny_index)]) != 0
    err = capsys.readouterr().err
    assert "not in the index" in err and "Traceback" not in err


def test_chat_scripted(tiny_index, capsys):
    turns = ["--say", "a tune in 6/8", "--say", "any meter", "--say", "I'll take 2"]
    assert main(["chat", *turns, "--index", str(tiny_index), "-k", "2"]) == 0
    out = capsys.readouterr().out
    assert "Little Jig" in out and "partita (remove)" in out and "partita (accept)" in out
