"""A "more like" turn re-ranks the candidates by the similarity encoder's cosine to the pieces liked."""

from __future__ import annotations

import numpy as np

from partita.discovery.chat import Conversation, rerank_by_similarity
from partita.discovery.index import DiscoveryIndex, Hit
from partita.discovery.similarity import SimilarityEncoder


def _learned(index: DiscoveryIndex) -> tuple[list[str], np.ndarray]:
    rows = index.table.to_arrow().select(["piece_id", "features"]).to_pylist()
    z = SimilarityEncoder.from_pretrained().encode_features(np.asarray([r["features"] for r in rows]))
    return [r["piece_id"] for r in rows], z


def test_rerank_orders_by_the_learned_cosine_to_the_liked(tiny_index):
    index = DiscoveryIndex(tiny_index)
    ids, z = _learned(index)
    hits = [Hit(p, 0.0, {}) for p in ids[1:]]
    out = rerank_by_similarity(index, hits, [ids[0]], 1.0)
    expect = sorted(ids[1:], key=lambda p: -float(z[ids.index(p)] @ z[0]))
    assert [h.piece_id for h in out] == expect
    assert np.isclose(out[0].score, float(z[ids.index(expect[0])] @ z[0]), atol=1e-5)
    # a small weight leaves a clear lead of the query's cosine as it was
    hits = [Hit(p, 10.0 * (len(ids) - i), {}) for i, p in enumerate(ids[1:])]
    assert [h.piece_id for h in rerank_by_similarity(index, hits, [ids[0]], 0.1)] == ids[1:]


def test_more_like_in_a_conversation_uses_the_similarity(tiny_index):
    index = DiscoveryIndex(tiny_index)
    ids, z = _learned(index)
    talk = Conversation(index, k=10, similar_weight=100.0)
    talk.say("a tune")
    liked = talk.state.shown[0]
    _, _, hits = talk.say("more like 1")
    rest = [p for p in ids if p != liked]
    expect = sorted(rest, key=lambda p: -float(z[ids.index(p)] @ z[ids.index(liked)]))
    assert [h.piece_id for h in hits] == expect
    before = Conversation(index, k=10, similar_weight=0.0)
    before.say("a tune")
    _, _, old = before.say("more like 1")
    assert sorted(h.piece_id for h in old) == sorted(expect)  # the same pieces, the filters kept
