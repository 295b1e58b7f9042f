"""Retrieval measures: the rank of the right candidate for each query (MRR, Hit@k), and BM25 for the lexical
baseline.

BM25 is written here in a few lines of numpy: no BM25 package is installed, and the baseline must be the
textbook one (Okapi BM25, k1 = 1.2, b = 0.75) over the same tokens the text encoder hashes.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from partita.discovery.encoders import text_tokens


def ranks(scores: np.ndarray) -> np.ndarray:
    """The rank (1 = first) of candidate ``i`` for query ``i`` in a queries x candidates score matrix; ties
    count half (a candidate scored the same as the right one is as likely before it as after it)."""
    scores = np.asarray(scores, dtype=np.float64)
    right = scores[np.arange(len(scores)), np.arange(len(scores))][:, None]
    above = (scores > right + 1e-9).sum(1)
    tied = (np.abs(scores - right) <= 1e-9).sum(1) - 1
    return 1.0 + above + 0.5 * tied


def retrieval_metrics(scores: np.ndarray) -> dict[str, float]:
    """MRR, Hit@1 and Hit@10 of a square queries x candidates matrix (query ``i`` wants candidate ``i``)."""
    r = ranks(scores)
    return {
        "mrr": float(np.mean(1.0 / r)),
        "hit1": float(np.mean(r <= 1)),
        "hit10": float(np.mean(r <= 10)),
        "n": len(r),
    }


def random_mrr(n: int) -> float:
    """The expected MRR of a random ranking of ``n`` candidates."""
    return float(np.mean(1.0 / np.arange(1, n + 1)))


class BM25:
    """Okapi BM25 over a fixed set of documents, as a sparse terms x documents weight matrix (rows by term, so
    that a query's few terms pick a few rows).

    The statistics are arrays and a vocabulary: :meth:`arrays` and :meth:`from_arrays` save and restore them
    (the index keeps them in safetensors, :mod:`partita.discovery.index`), so a search need not fit BM25
    again."""

    def __init__(self, documents: list[str], k1: float = 1.2, b: float = 0.75):
        from scipy import sparse

        docs = [Counter(text_tokens(d)) for d in documents]
        self.vocab: dict[str, int] = {}
        rows, cols, counts = [], [], []
        for j, d in enumerate(docs):
            for t, c in d.items():
                rows.append(j)
                cols.append(self.vocab.setdefault(t, len(self.vocab)))
                counts.append(c)
        tf = sparse.csr_matrix(
            (counts, (rows, cols)), shape=(len(docs), max(1, len(self.vocab))), dtype=float
        )
        length = np.asarray(tf.sum(1)).ravel()
        df = np.bincount(tf.indices, minlength=tf.shape[1])
        idf = np.log(1.0 + (len(docs) - df + 0.5) / (df + 0.5))
        norm = k1 * (1 - b + b * length / max(length.mean() if len(length) else 1.0, 1e-9))
        tf = tf.tocoo()
        data = idf[tf.col] * tf.data * (k1 + 1) / (tf.data + norm[tf.row])
        self.weight_t = sparse.csr_matrix((data, (tf.col, tf.row)), shape=(tf.shape[1], tf.shape[0]))

    def __len__(self) -> int:
        return int(self.weight_t.shape[1])

    def scores(self, queries: list[str]) -> np.ndarray:
        """BM25 of each query against every document (queries x documents)."""
        from scipy import sparse

        rows, cols, counts = [], [], []
        for i, text in enumerate(queries):
            for t, c in Counter(text_tokens(text)).items():
                if t in self.vocab:
                    rows.append(i)
                    cols.append(self.vocab[t])
                    counts.append(c)
        shape = (len(queries), self.weight_t.shape[0])
        q = sparse.csr_matrix((counts, (rows, cols)), shape=shape, dtype=float)
        return (q @ self.weight_t).toarray()

    def arrays(self) -> tuple[dict[str, np.ndarray], list[str]]:
        """The weights as arrays (``data``, ``indices``, ``indptr``, ``shape`` of the terms x documents CSR
        matrix) and the terms in row order: what :meth:`from_arrays` takes back."""
        w = self.weight_t
        terms = [""] * len(self.vocab)
        for t, i in self.vocab.items():
            terms[i] = t
        arrays = {
            "data": np.ascontiguousarray(w.data, dtype=np.float64),
            "indices": np.ascontiguousarray(w.indices, dtype=np.int32),
            "indptr": np.ascontiguousarray(w.indptr, dtype=np.int64),
            "shape": np.asarray(w.shape, dtype=np.int64),
        }
        return arrays, terms

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], terms: list[str]) -> BM25:
        """A BM25 from :meth:`arrays`'s output; ValueError when they do not fit together."""
        from scipy import sparse

        shape = tuple(int(x) for x in arrays["shape"])
        if len(shape) != 2 or len(terms) != shape[0] and not (shape[0] == 1 and not terms):
            raise ValueError(f"BM25 arrays of shape {shape} do not fit {len(terms)} terms")
        weight = sparse.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape)
        weight.check_format(full_check=True)
        out = cls.__new__(cls)
        out.vocab = {t: i for i, t in enumerate(terms)}
        out.weight_t = weight
        return out


def bm25_scores(queries: list[str], documents: list[str], k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    """Okapi BM25 of every query against every document (queries x documents)."""
    return BM25(documents, k1, b).scores(queries)


def zscore(scores: np.ndarray) -> np.ndarray:
    """Scores standardised per row (per query), so that two rankers' scores can be added."""
    scores = np.asarray(scores, dtype=np.float64)
    return (scores - scores.mean(-1, keepdims=True)) / np.maximum(scores.std(-1, keepdims=True), 1e-9)
