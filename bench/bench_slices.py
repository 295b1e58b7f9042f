"""Music as words: what Chuan, Agres & Herremans (2018) measure of a skip-gram over beat slices.

Issue 22 item 3. The training split of the built corpus ``all`` is cut into beat slices (the set of pitch
classes sounding in each beat, :mod:`partita.analysis.slices`); a skip-gram (gensim word2vec, sg=1, the
default :class:`partita.models.slices.SliceModelConfig`, chosen before any measurement and not tuned) learns a
vector per slice. Then, for it and for every baseline, in the same run (:mod:`partita.evaluation.slices`):

- keys against the circle of fifths: Spearman's rho between the cosine distance of two keys and their
  distance on the circle of fifths (66 pairs of major keys; the same for minor keys), the key vector being
  its tonic triad's vector, or the mean vector of the pieces in that key (keys estimated by
  ``partita.analysis.key``; keys with at least 3 pieces);
- chord functions: the mean rank of IV and V among the 23 other major/minor triads nearest each major tonic
  triad (chance 12), and the diatonic share of the 5 nearest (chance 5/23);
- transposition: the analogies ``v(T_k a) - v(a) + v(b) ~ v(T_k b)`` over the 24 triads (3CosAdd), and the
  held-out accuracy of an orthogonal map per interval, beside the same map for random relabellings of the
  pitch classes.

Baselines: the same skip-gram on the same slices with each piece's pitch classes relabelled by its own random
permutation (the shuffled-pitch control, the row baseline), a random embedding (mean of 5 seeds), a
co-occurrence count embedding (PPMI over the same window, SVD to the same size) and the pitch-class content
of each slice (12 dimensions, no corpus). These geometry measures are measured on the vectors of the training
pieces themselves (no held-out data is involved; the test split is not read).

    nice python bench/bench_slices.py [--quick] [--corpus all] [--save DIR]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # the machine is shared: small matrices, one thread each

import argparse  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_slices")
SLOW = True  # two skip-gram trainings on the whole training split (minutes): run only when named
COMMAND = "nice python bench/bench_slices.py"
QUICK_PIECES = 2000
RANDOM_SEEDS = 5


def measure(embedding, pieces) -> dict[str, float]:
    from partita.evaluation.slices import geometry, headline

    t0 = time.perf_counter()
    out = headline(geometry(embedding, pieces))
    log.info("measured %s in %.1f s", embedding.name, time.perf_counter() - t0)
    return out


def train_all(pieces, config) -> tuple[dict, dict, dict]:
    """The skip-gram, its shuffled-pitch control and the baselines: embeddings, seconds, vocab sizes."""
    from partita.analysis.slices import sentences, shuffled_pitch_pieces
    from partita.evaluation.slices import cooccurrence_embedding, pitch_class_embedding, random_embedding
    from partita.models.slices import SliceModel

    seconds, out = {}, {}
    t0 = time.perf_counter()
    out["skip-gram"] = SliceModel.train(sentences(pieces), config)
    seconds["skip-gram"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    out["shuffled-pitch skip-gram"] = SliceModel.train(sentences(shuffled_pitch_pieces(pieces)), config)
    seconds["shuffled-pitch skip-gram"] = time.perf_counter() - t0
    words = out["skip-gram"].words
    t0 = time.perf_counter()
    out["co-occurrence PPMI-SVD"] = cooccurrence_embedding(
        sentences(pieces), words, config.window, config.vector_size
    )
    seconds["co-occurrence PPMI-SVD"] = time.perf_counter() - t0
    out["pitch-class content"] = pitch_class_embedding(words)
    out["random"] = [random_embedding(words, config.vector_size, seed) for seed in range(RANDOM_SEEDS)]
    vocab = {k: len(v) for k, v in out.items() if k != "random"}
    return out, seconds, vocab


def table_of(embeddings: dict, pieces) -> dict[str, dict[str, float]]:
    table = {}
    for name, emb in embeddings.items():
        if isinstance(emb, list):  # random: the mean over seeds
            runs = [measure(e, pieces) for e in emb]
            table[name] = {k: float(np.nanmean([r[k] for r in runs])) for k in runs[0]}
        else:
            table[name] = measure(emb, pieces)
    return table


def rows_of(table: dict, seconds: dict, command: str) -> list[dict]:
    sg, sh = table["skip-gram"], table["shuffled-pitch skip-gram"]

    def others(key: str) -> str:
        names = ("random", "co-occurrence PPMI-SVD", "pitch-class content")
        return "; ".join(f"{n} {table[n][key]:.3f}" for n in names)

    base = "shuffled-pitch skip-gram"
    out = []
    for key, metric, unit, better in (
        ("rho_triad_major", "keys: rho, major tonic triads vs circle of fifths (66 pairs)", "rho", True),
        ("rho_triad_minor", "keys: rho, minor tonic triads vs circle of fifths (66 pairs)", "rho", True),
        ("rho_corpus_major", "keys: rho, major keys' mean piece vectors vs circle of fifths", "rho", True),
        ("rho_corpus_minor", "keys: rho, minor keys' mean piece vectors vs circle of fifths", "rho", True),
        ("iv_v_mean_rank", "chord functions: mean rank of IV and V near I among 23 triads (chance 12)",
         "rank", False),
        ("diatonic_at_5", "chord functions: diatonic share of I's 5 nearest triads (chance 0.217)", "share",
         True),
        ("analogy_accuracy", "transposition: analogy accuracy, whole vocabulary (3CosAdd)", "share", True),
        ("analogy_accuracy_triads", "transposition: analogy accuracy among the 24 triads (chance 0.048)",
         "share", True),
    ):  # fmt: skip
        out.append(row(metric, sg[key], unit, command, base, sh[key], better, notes=others(key)))
    out.append(
        row(
            "transposition: held-out accuracy of an orthogonal map per interval",
            sg["map_accuracy"],
            "share",
            command,
            "the same map for random pitch relabellings (same model)",
            sg["map_accuracy_relabel"],
            notes=f"shuffled-pitch skip-gram: transposition {sh['map_accuracy']:.3f}, random relabelling "
            f"{sh['map_accuracy_relabel']:.3f}; {others('map_accuracy')}",
        )
    )
    out.append(
        row(
            "training: skip-gram seconds (1 worker, niced, shared 2-core machine)",
            seconds["skip-gram"],
            "s",
            command,
            "co-occurrence PPMI-SVD",
            seconds["co-occurrence PPMI-SVD"],
            higher_is_better=False,
        )
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help=f"the first {QUICK_PIECES} training pieces")
    parser.add_argument("--corpus", default="all")
    parser.add_argument("--save", default=None, help="also save the skip-gram to this folder")
    parser.add_argument("--name", default="slices")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    from partita.analysis.slices import slice_source
    from partita.evaluation.slices import corpus_key_vectors, key_distances
    from partita.models.slices import SliceModelConfig

    config = SliceModelConfig()
    t0 = time.perf_counter()
    pieces = slice_source(args.corpus, "train", QUICK_PIECES if args.quick else None)
    slicing = time.perf_counter() - t0
    beats = sum(len(p.words) for p in pieces)
    log.info("sliced %d pieces, %d beats, in %.1f s", len(pieces), beats, slicing)
    embeddings, seconds, vocab = train_all(pieces, config)
    table = table_of(embeddings, pieces)
    command = COMMAND + (" --quick" if args.quick else "")
    rows = rows_of(table, seconds, command)
    model = embeddings["skip-gram"]
    model.key_vectors, model.key_pieces = corpus_key_vectors(model, pieces)
    extra = {
        "corpus": args.corpus,
        "split": "train",
        "pieces": len(pieces),
        "beats": beats,
        "slicing_seconds": round(slicing, 1),
        "train_seconds": {k: round(v, 1) for k, v in seconds.items()},
        "vocabulary": vocab,
        "config": config.to_dict(),
        "table": table,
        "key_pieces": {i: int(n) for i, n in enumerate(model.key_pieces)},
        "key_tests": {  # rho with its permutation p, the keys and pairs used
            name: key_distances(embeddings[name], pieces)
            for name in ("skip-gram", "shuffled-pitch skip-gram")
        },
    }
    if args.save:
        card = {
            "name": Path(args.save).name,
            "data": f"corpus {args.corpus}, split train ({len(pieces)} pieces, {beats} beats)",
            "measures": table["skip-gram"],
            "baselines": {k: v for k, v in table.items() if k != "skip-gram"},
            "reproduce": f"{command} --save {args.save}",
        }
        model.save_pretrained(args.save, card)
    path = write_result(
        args.name,
        "Music as words: a skip-gram over beat slices (Chuan et al. 2018) against a shuffled-pitch control",
        rows,
        quick=args.quick,
        extra=extra,
    )
    print(path)


if __name__ == "__main__":
    main()
