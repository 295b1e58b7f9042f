"""What Chuan, Agres & Herremans (2018) measure of a slice embedding, and the baselines to read it against.

Three questions of an :class:`partita.models.slices.Embedding` (word -> vector), each answered by one
function:

- :func:`key_distances`: do the distances between keys follow the circle of fifths? A key's vector is either
  its tonic triad's vector (``"triad"``: ``"0-4-7"`` for C major, ``"0-3-7"`` for C minor) or the mean slice
  vector of the pieces in that key (``"corpus"``: each piece's mean over its words first, so long pieces do
  not outweigh short ones; the key is :func:`partita.analysis.key.estimate_key`'s). The cosine distance of
  every pair of major keys (66 pairs) is set against their distance on the circle of fifths (0-6 steps) by
  Spearman's rho; the same for the minor keys. Keys with fewer than ``min_pieces`` pieces are left out.
- :func:`chord_functions`: are the dominant and subdominant triads the tonic triad's nearest? For each major
  tonic, the other 23 major and minor triads are ranked by cosine to its tonic triad: the mean rank of IV and
  V (chance: 12), and how many of the 5 nearest are diatonic (ii, iii, IV, V, vi; chance 5/23).
- :func:`transposition`: is transposing a consistent operation on the vectors? First as word2vec-style
  analogies, an additive shift: ``v(T_k a) - v(a) + v(b) ~ v(T_k b)`` over the 24 major and minor triads
  ``a != b`` and the 11 intervals ``k`` (3CosAdd, the question words left out), answered from the whole
  vocabulary (chance about 1 / vocabulary) and from the 24 triads (chance 1/21). A single shift vector per
  interval cannot hold all the way round: twelve fifths come back to the start, so the shifts of a closed
  cycle sum to zero. Then as a map: an orthogonal matrix per interval fitted (Procrustes) on the pairs
  ``(v(a), v(T_k a))`` of frequent words and tested on held-out words, beside the same fitted for random
  relabellings of the pitch classes that are not transpositions: transposition is special when its map
  generalises and the random relabellings' do not.

Baselines, built from the same sentences (:func:`baselines`): a random embedding of the same vocabulary, a
co-occurrence count embedding (positive PMI over the same window, reduced by SVD: the classic count model
word2vec is compared with), and the pitch-class content of each word (a 12-dimensional 0/1 vector: what one
knows with no corpus at all, which skip-gram never sees). The shuffled-pitch control (the same skip-gram on
:func:`partita.analysis.slices.shuffled_pitch_pieces`) is trained by the caller, as it costs a training run.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter
from collections.abc import Sequence

import numpy as np

from partita.analysis.key import key_name
from partita.analysis.slices import SlicedPiece, chord_word, parse_slice, relabel_slice, transpose_slice
from partita.models.slices import Embedding

log = logging.getLogger(__name__)

TRIADS = tuple(chord_word(r, q) for q in ("maj", "min") for r in range(12))
"""The 24 major and minor triads, C:maj..B:maj then C:min..B:min."""


MIN_PIECES = 3
"""A key needs this many pieces for its corpus vector to enter :func:`key_distances`."""


def fifths_distance(a: int, b: int) -> int:
    """Steps between two tonics (pitch classes) on the circle of fifths, 0-6."""
    steps = (7 * (int(b) - int(a))) % 12
    return min(steps, 12 - steps)


def _cosine_distance(u: np.ndarray, v: np.ndarray) -> float:
    return float(1.0 - u @ v / max(float(np.linalg.norm(u) * np.linalg.norm(v)), 1e-12))


def fifths_rho(vectors: dict[int, np.ndarray], permutations: int = 999, seed: int = 0) -> dict:
    """Spearman's rho between the cosine distance of every pair of ``vectors`` (keyed by tonic pitch class)
    and the pair's circle-of-fifths distance; NaN with fewer than 3 tonics.

    The pairs share keys, so they are not independent and the textbook p-value of rho is too small; ``p`` is
    a permutation (Mantel) test instead: the share of ``permutations`` random reassignments of the vectors to
    the tonics whose rho is at least as high.
    """
    from scipy.stats import rankdata

    tonics = sorted(vectors)
    pairs = list(itertools.combinations(range(len(tonics)), 2))
    if len(tonics) < 3:
        return {"rho": float("nan"), "p": float("nan"), "pairs": len(pairs), "keys": len(tonics)}
    m = _normalise(np.asarray([vectors[t] for t in tonics], dtype=float))
    cos = np.round(1.0 - m @ m.T, 9)  # equal distances tie, whatever the rounding of the products
    i, j = np.array(pairs).T
    fifths = rankdata([fifths_distance(tonics[a], tonics[b]) for a, b in pairs])

    def rho_of(order: np.ndarray) -> float:
        return float(np.corrcoef(rankdata(cos[order[i], order[j]]), fifths)[0, 1])

    rho = rho_of(np.arange(len(tonics)))
    rng = np.random.default_rng(seed)
    null = np.array([rho_of(rng.permutation(len(tonics))) for _ in range(permutations)])
    p = float((1 + np.sum(null >= rho - 1e-12)) / (1 + permutations))
    return {"rho": rho, "p": p, "pairs": len(pairs), "keys": len(tonics)}


def _normalise(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


def triad_key_vectors(embedding: Embedding, minor: bool = False) -> dict[int, np.ndarray]:
    """The tonic triad vectors of the 12 major (or minor) keys that are in the vocabulary, by tonic."""
    quality = "min" if minor else "maj"
    words = {pc: chord_word(pc, quality) for pc in range(12)}
    return {pc: embedding.vector(w) for pc, w in words.items() if w in embedding}


def corpus_key_vectors(embedding: Embedding, pieces: Sequence[SlicedPiece]) -> tuple[np.ndarray, np.ndarray]:
    """The 24 key vectors of ``pieces`` (mean over the pieces in each key of each piece's mean word vector;
    words out of the vocabulary are skipped) and the number of pieces per key."""
    dim = embedding.vectors.shape[1]
    sums = np.zeros((24, dim))
    n = np.zeros(24, dtype=np.int64)
    for piece in pieces:
        rows = [embedding.index[w] for w in piece.words if w in embedding.index]
        if piece.key is None or not rows:
            continue
        sums[piece.key] += embedding.vectors[rows].mean(axis=0)
        n[piece.key] += 1
    return sums / np.maximum(n, 1)[:, None], n


def key_distances(
    embedding: Embedding,
    pieces: Sequence[SlicedPiece] | None = None,
    key_vectors: tuple[np.ndarray, np.ndarray] | None = None,
    min_pieces: int = MIN_PIECES,
) -> dict:
    """Circle-of-fifths rho of the key vectors: ``triad_major``/``triad_minor`` always, ``corpus_major``/
    ``corpus_minor`` when ``pieces`` (or precomputed ``key_vectors``, as a model keeps them) are given."""
    out = {
        "triad_major": fifths_rho(triad_key_vectors(embedding)),
        "triad_minor": fifths_rho(triad_key_vectors(embedding, minor=True)),
    }
    if key_vectors is None and pieces is not None:
        key_vectors = corpus_key_vectors(embedding, pieces)
    if key_vectors is not None:
        vecs, n = key_vectors
        for mode, offset in (("major", 0), ("minor", 12)):
            chosen = {pc: vecs[offset + pc] for pc in range(12) if n[offset + pc] >= min_pieces}
            out[f"corpus_{mode}"] = fifths_rho(chosen)
    return out


def key_table(vectors: np.ndarray, n: np.ndarray, min_pieces: int = MIN_PIECES) -> list[dict]:
    """For each key with ``min_pieces`` pieces: its nearest other key by cosine and its distance on the
    circle of fifths, for `partita slices keys`."""
    keys = [k for k in range(24) if n[k] >= min_pieces]
    rows = []
    for k in keys:
        others = [(j, _cosine_distance(vectors[k], vectors[j])) for j in keys if j != k]
        if not others:
            continue
        j, d = min(others, key=lambda t: t[1])
        rel_k, rel_j = k % 12 + (3 if k >= 12 else 0), j % 12 + (3 if j >= 12 else 0)
        rows.append(
            {
                "key": key_name(k),
                "pieces": int(n[k]),
                "nearest": key_name(j),
                "cosine_distance": round(d, 4),
                "fifths": fifths_distance(rel_k, rel_j),
            }
        )
    return rows


def chord_functions(embedding: Embedding) -> dict:
    """Mean rank of IV and V among the other major/minor triads nearest each major tonic triad (1 is the
    nearest), the chance rank, and the share of the 5 nearest that are diatonic (ii, iii, IV, V, vi)."""
    ranks, diatonic, candidates = [], [], []
    for root in range(12):
        tonic = chord_word(root, "maj")
        if tonic not in embedding:
            continue
        others = [t for t in TRIADS if t != tonic and t in embedding]
        sims = [embedding.similarity(tonic, t) for t in others]
        order = [others[i] for i in np.argsort(-np.asarray(sims), kind="stable")]
        functions = [chord_word(root + 5, "maj"), chord_word(root + 7, "maj")]
        ranks += [order.index(f) + 1 for f in functions if f in order]
        scale = {
            chord_word(root + i, q) for i, q in ((2, "min"), (4, "min"), (5, "maj"), (7, "maj"), (9, "min"))
        }
        diatonic.append(sum(t in scale for t in order[:5]) / 5)
        candidates.append(len(others))
    if not ranks:
        return {
            "iv_v_mean_rank": float("nan"),
            "chance_rank": float("nan"),
            "diatonic_at_5": float("nan"),
            "tonics": 0,
        }
    return {
        "iv_v_mean_rank": float(np.mean(ranks)),
        "chance_rank": float(np.mean(candidates) + 1) / 2,
        "diatonic_at_5": float(np.mean(diatonic)),
        "tonics": len(diatonic),
    }


def transposition(embedding: Embedding, frequent: int = 300, folds: int = 5, seed: int = 0) -> dict:
    """Is transposing a consistent operation on the vectors? Two tests (see the module doc):

    - analogies ``v(T_k a) - v(a) + v(b) ~ v(T_k b)`` over the 24 triads (``analogy_accuracy`` answered from
      the whole vocabulary, ``analogy_accuracy_triads`` from the 24 triads only);
    - a map per interval: an orthogonal matrix fitted (Procrustes) on the pairs ``(v(a), v(T_k a))`` of the
      ``frequent`` first words of the vocabulary, tested on held-out words (``folds``-fold): the share whose
      mapped vector is nearest to ``v(T_k a)`` in the whole vocabulary (``map_accuracy``).
    """
    words = [w for w in TRIADS if w in embedding]
    unit, index = embedding.unit, embedding.index
    triad_rows = np.array([index[w] for w in words], dtype=np.int64)
    hits = hits_triads = total = 0
    for k in range(1, 12):
        moved = {w: transpose_slice(w, k) for w in words if transpose_slice(w, k) in embedding}
        for a, b in itertools.permutations(moved, 2):
            query = unit[index[moved[a]]] - unit[index[a]] + unit[index[b]]
            sims = unit @ query
            sims[[index[a], index[moved[a]], index[b]]] = -np.inf
            hits += int(int(np.argmax(sims)) == index[moved[b]])
            hits_triads += int(int(triad_rows[np.argmax(sims[triad_rows])]) == index[moved[b]])
            total += 1
    return {
        "analogy_accuracy": hits / total if total else float("nan"),
        "analogy_accuracy_triads": hits_triads / total if total else float("nan"),
        "analogies": total,
        "chance": 1.0 / max(len(embedding) - 3, 1),
        "chance_triads": 1.0 / max(len(words) - 3, 1),
        **transposition_map(embedding, frequent, folds, seed),
    }


def transposition_map(embedding: Embedding, frequent: int = 300, folds: int = 5, seed: int = 0) -> dict:
    """Held-out accuracy of an orthogonal map per interval from ``v(a)`` to ``v(T_k a)`` (``map_accuracy``),
    and the same for 11 random relabellings of the pitch classes that are not transpositions
    (``map_accuracy_relabel``): a map that works for these as well says the vectors are symmetric under any
    relabelling, not that transposition is special."""
    rng = np.random.default_rng(seed)
    shifts = [[(p + k) % 12 for p in range(12)] for k in range(1, 12)]
    others: list[list[int]] = []
    while len(others) < len(shifts):
        perm = rng.permutation(12).tolist()
        if perm != [(p + perm[0]) % 12 for p in range(12)]:  # not a transposition
            others.append(perm)
    return {
        "map_accuracy": relabel_map_accuracy(embedding, shifts, frequent, folds, seed),
        "map_accuracy_relabel": relabel_map_accuracy(embedding, others, frequent, folds, seed),
    }


def relabel_map_accuracy(
    embedding: Embedding,
    permutations: Sequence[Sequence[int]],
    frequent: int = 300,
    folds: int = 5,
    seed: int = 0,
) -> float:
    """For each pitch-class permutation: an orthogonal matrix fitted (Procrustes) to send ``v(a)`` to
    ``v(relabelled a)`` on the ``frequent`` first words, and the share of held-out words (``folds``-fold)
    whose mapped vector is nearest, in the whole vocabulary, to their relabelled word's."""
    from scipy.linalg import orthogonal_procrustes

    unit, index = embedding.unit, embedding.index
    rng = np.random.default_rng(seed)
    pool = [w for w in embedding.words[:frequent] if parse_slice(w)]
    hits = total = 0
    for perm in permutations:
        pairs = [(index[w], index[t]) for w in pool if (t := relabel_slice(w, perm)) in embedding]
        if len(pairs) < 2 * folds:
            continue
        src, dst = np.array(pairs).T
        fold = rng.permutation(len(pairs)) % folds
        for f in range(folds):
            train, test = fold != f, fold == f
            r, _ = orthogonal_procrustes(unit[src[train]], unit[dst[train]])
            sims = (unit[src[test]] @ r) @ unit.T
            sims[np.arange(int(test.sum())), src[test]] = -np.inf
            hits += int((sims.argmax(axis=1) == dst[test]).sum())
            total += int(test.sum())
    return hits / total if total else float("nan")


def geometry(embedding: Embedding, pieces: Sequence[SlicedPiece] | None = None, **key_args) -> dict:
    """All three measures of one embedding."""
    return {
        "keys": key_distances(embedding, pieces, **key_args),
        "functions": chord_functions(embedding),
        "transposition": transposition(embedding),
    }


# --- baselines ----------------------------------------------------------------------------------------------
def random_embedding(words: Sequence[str], dim: int, seed: int = 0) -> Embedding:
    """Gaussian vectors for ``words``: what the measures give when nothing is learned."""
    rng = np.random.default_rng(seed)
    return Embedding(words, rng.standard_normal((len(words), dim)), name=f"random (seed {seed})")


def pitch_class_embedding(words: Sequence[str]) -> Embedding:
    """Each word as its 12-dimensional 0/1 pitch-class vector: the content of a slice, with no corpus."""
    m = np.zeros((len(words), 12))
    for i, w in enumerate(words):
        m[i, list(parse_slice(w))] = 1.0
    return Embedding(words, m, name="pitch-class content")


def cooccurrence_embedding(
    sentences: Sequence[Sequence[str]], words: Sequence[str], window: int, dim: int
) -> Embedding:
    """Positive PMI of the co-occurrence counts within ``window`` words, reduced to ``dim`` by a truncated
    SVD (vectors U * sqrt(S)): the count model that word2vec is usually set against."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.linalg import svds

    index = {w: i for i, w in enumerate(words)}
    pairs: Counter = Counter()
    for s in sentences:
        ids = [index.get(w, -1) for w in s]
        for d in range(1, window + 1):
            for a, b in zip(ids, ids[d:], strict=False):
                if a >= 0 and b >= 0:
                    pairs[a, b] += 1
                    pairs[b, a] += 1
    n = len(words)
    if not pairs:
        return Embedding(words, np.zeros((n, dim)), name="co-occurrence PPMI-SVD")
    (rows, cols), vals = zip(*pairs.keys(), strict=True), np.fromiter(pairs.values(), dtype=float)
    counts = coo_matrix((vals, (rows, cols)), shape=(n, n)).tocsr()
    row_sum, col_sum = np.asarray(counts.sum(axis=1)).ravel(), np.asarray(counts.sum(axis=0)).ravel()
    col_p = col_sum**0.75 / (col_sum**0.75).sum()  # context smoothing, as word2vec's negative sampling does
    coo = counts.tocoo()
    pmi = np.log(coo.data / row_sum[coo.row] / col_p[coo.col])
    ppmi = coo_matrix((np.maximum(pmi, 0), (coo.row, coo.col)), shape=(n, n)).tocsr()
    k = max(1, min(dim, n - 2))
    u, s, _ = svds(ppmi, k=k, random_state=0)
    vectors = np.zeros((n, dim))
    vectors[:, :k] = u * np.sqrt(s)
    return Embedding(words, vectors, name="co-occurrence PPMI-SVD")


def baselines(
    words: Sequence[str], sentences: Sequence[Sequence[str]], window: int, dim: int, seed: int = 0
) -> list[Embedding]:
    """The embeddings a trained model is read against (random, co-occurrence PPMI-SVD, pitch-class
    content), over the same vocabulary."""
    return [
        random_embedding(words, dim, seed),
        cooccurrence_embedding(sentences, words, window, dim),
        pitch_class_embedding(words),
    ]


def headline(result: dict) -> dict[str, float]:
    """The flat numbers of :func:`geometry` that the benchmark and the docs table show."""
    keys, fn, tr = result["keys"], result["functions"], result["transposition"]
    out = {
        "rho_triad_major": keys["triad_major"]["rho"],
        "rho_triad_minor": keys["triad_minor"]["rho"],
        "iv_v_mean_rank": fn["iv_v_mean_rank"],
        "diatonic_at_5": fn["diatonic_at_5"],
        "analogy_accuracy": tr["analogy_accuracy"],
        "analogy_accuracy_triads": tr["analogy_accuracy_triads"],
        "map_accuracy": tr["map_accuracy"],
        "map_accuracy_relabel": tr["map_accuracy_relabel"],
    }
    for mode in ("major", "minor"):
        if f"corpus_{mode}" in keys:
            out[f"rho_corpus_{mode}"] = keys[f"corpus_{mode}"]["rho"]
    return out
