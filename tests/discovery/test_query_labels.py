"""The labels a query names (:mod:`partita.discovery.query_labels`) and the search that weighs them."""

from __future__ import annotations

import numpy as np

from partita.discovery.query_labels import LabelMatcher, normalise, with_estimated_keys

PIECES = [
    {"tune_type": "jig", "collection": "oneills1850", "key": "D major", "meter": "6/8"},
    {"tune_type": "slip jig", "collection": "oneills1850", "key": "G major", "meter": "9/8"},
    {"tune_type": "reel", "collection": "ryansMammoth", "composer": "O'Carolan", "key": "D major",
     "meter": "2/2"},
    {"genre": "chorale", "composer": "Johann Sebastian Bach", "collection": "bach", "meter": "4/4"},
    {"genre": "mass", "composer": "Giovanni Pierluigi da Palestrina", "collection": "palestrina",
     "key": "F major"},
    {"genre": "Xiaodiao", "country": "China", "region": "China, Shaanxi", "collection": "essenFolksong"},
    {"genre": "Liebes - Lied, Leid, Klage", "country": "Germany", "collection": "essenFolksong",
     "key": "Bb major"},
    {"genre": "pop", "collection": "pop909", "key": "A minor", "meter": "4/4"},
]  # fmt: skip


def _named(text: str) -> set[tuple[str, str]]:
    return {(field, phrase) for field, phrase, _ in LabelMatcher(PIECES).named(text)}


def _top(text: str) -> int:
    return int(np.argmax(LabelMatcher(PIECES).scores([text])[0]))


def test_words_are_matched_without_case_apostrophes_or_punctuation():
    assert normalise("O'Neill’s Liebes - Lied, 6/8") == "oneills liebes lied 6 8"


def test_a_kind_and_a_collection_name_their_pieces():
    named = _named("a jig by O'Neill in D major")
    assert ("tune_type", "jig") in named and ("collection", "oneill") in named and ("key", "d major") in named
    assert _top("a jig by O'Neill in D major") == 0


def test_the_longest_kind_wins_a_word():
    assert {f for f in _named("a slip jig") if f[0] == "tune_type"} == {("tune_type", "slip jig")}
    assert _top("slip jigs") == 1


def test_composers_countries_and_genre_parts_are_named():
    assert _top("a chorale by Bach") == 3
    assert _top("a mass by Palestrina") == 4
    assert _top("a Chinese folk song") == 5
    assert _top("a German Liebes-Lied") == 6
    assert _top("a reel by O'Carolan") == 2


def test_chinese_words_name_labels_too():
    assert _top("巴赫的众赞歌") == 3
    assert _top("降B大调的德国民歌") == 6
    assert ("meter", "拍号为6/8".lower()[3:]) in _named("拍号为6/8")


def test_a_query_naming_no_label_scores_every_piece_zero():
    assert not LabelMatcher(PIECES).scores(["something slow and sad for strings"]).any()
    assert not LabelMatcher(PIECES).scores(["a tune"]).any()  # a generic word names no kind


def test_rarer_labels_weigh_more_and_more_shared_labels_score_higher():
    m = LabelMatcher(PIECES)
    assert m.idf(1) > m.idf(2) > m.idf(8)
    s = m.scores(["a reel in D major"])[0]
    assert s[2] > s[0] > s[1] == 0  # reel and D major > D major alone > neither


def test_a_piece_without_a_key_label_takes_its_estimated_key():
    rows = [{"piece_id": "a", "key": ""}, {"piece_id": "b", "key": "G major"}]
    described = [{"piece_id": "a", "description": '{"key": "F major"}'}]
    assert [r["key"] for r in with_estimated_keys(rows, described)] == ["F major", "G major"]


def test_search_puts_the_kind_a_query_names_higher(tiny_index):
    from partita.discovery.index import DiscoveryIndex

    index = DiscoveryIndex(tiny_index)
    titles = {"waltz": "Minor Waltz", "reel": "Quick Reel", "jig": "Little Jig", "march": "Slow March"}
    for kind, title in titles.items():
        ranked = [h.fields["title"] for h in index.search(f"a {kind}", k=4)]
        before = [h.fields["title"] for h in index.search(f"a {kind}", k=4, labels=False)]
        assert ranked.index(title) <= min(1, before.index(title)), (kind, ranked, before)
    assert sum(
        [h.fields["title"] for h in index.search(f"a {kind}", k=4)].index(t) for kind, t in titles.items()
    ) < sum(
        [h.fields["title"] for h in index.search(f"a {k}", k=4, labels=False)].index(t)
        for k, t in titles.items()
    )


def test_a_query_naming_no_label_is_the_plain_cosine_search(tiny_index):
    from partita.discovery.index import DiscoveryIndex

    index = DiscoveryIndex(tiny_index)
    plain = [
        (h.piece_id, round(h.score, 5)) for h in index.search("something slow and gentle", k=4, labels=False)
    ]
    assert [(h.piece_id, round(h.score, 5)) for h in index.search("something slow and gentle", k=4)] == plain
