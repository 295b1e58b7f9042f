"""Preference tuning (issue 27): does DPO on a simulated rater's choices move the model towards the rater's
hidden taste, and what does it cost in held-out NLL and realism?

In one run, per simulated rater (:mod:`partita.evaluation.raters`; default ``stepwise``):

1. **pairs**: the base model (``partita-small``) samples ``--n`` candidates (unranked, sampling order) for
   each of the first ``--train-prompts`` prompts of ``--style`` in ``bench/prompts/realism.jsonl`` (German
   folk by default: ger01-16; ``--style chorale`` for the ``bassline`` rater, whose pieces need a bass
   under a melody), each at 8 bars; two random matchings of each prompt's candidates make the pairs, which
   the training rater (noise seed 1) labels. They go through the preference store
   (``partita.training.preferences``) and back, the way ``partita tune`` reads them
   (``partita.pipelines.preferences.preference_pairs``: the prefix sampling builds, the pieces re-encoded).
2. **tuning**: DPO (``partita.training.dpo``) against the frozen base: ``--steps``, ``--beta``, ``--lr``,
   ``--loss ipo`` (IPO's squared loss), ``--sft-weight`` (the chosen pieces' NLL added).
3. **held out**: base and tuned each sample ``--eval-n`` candidates for each of the held-out prompts (the
   style's prompts 17-32, 8 bars) from the same seeds (not used in 1); the **held-out rater** (another noise
   seed and another measurement of the same taste: ``heldout=True``) judges tuned piece i against base
   piece i: win rate with its Wilson 95% interval (0.5: no change). Also the property (training and
   held-out measurements) before and after, the NLL per token of the model's validation tokens
   (``data/tokens/base/valid.npy`` and the style's source part, essenFolksong or jsb; the first
   ``--nll-tokens``), and realism: the two-sample accuracy of base and tuned pieces against real pieces of
   the style (the ``test`` split of corpus ``all``, cut to 8 bars; 0.5 = indistinguishable), as in
   bench/bench_realism.py.

    python bench/bench_tune.py [--quick] [--raters stepwise,register,bass,bassline] [--style chorale]
                               [--steps 60] [--threads 1] [--tune-minutes 10] [--round-robin]
                               [--pairs extremes --extremes 2] [--variants "rounds=2;pairs=extremes"]
                               [--cache DIR] [--eval-n 8] [--realism-reps 100] [--seed 0]

``--round-robin``: the training rater also judges every other pair of a prompt's candidates (so that
``--pairs extremes``, DPO on each prompt's best pieces against its worst, has a ranking to read).
``--variants``: several settings tuned one after another from the same base weights, on the same pairs and
judged against the same base pieces (``rounds=2``: only the two random matchings' choices). ``--cache``:
the base model's sampled pieces kept as MIDI for later runs, and each run's realism features (base, tuned
and real pieces) as ``NAME-realism.npz``. ``--realism-reps N``: a bootstrap 95% interval of the realism
change over N resamples of those pieces (bench/tune_realism.py; ``python bench/tune_realism.py RESULT.json
NAME-realism.npz`` adds it to a finished run's result).

``--few K`` (reward-labelled pairs, ``partita tune --reward-pairs``): of the stored choices only the first
of each prompt (K in all, at most one a prompt) count as rated; the other pairs of the two random matchings
are unlabelled candidates. Three arms tune from the same base: ``rated`` (the K choices alone), ``reward``
(the K plus the candidates a reward model trained on the K labels, those it separates by
``--reward-margin``, at ``--reward-weight``: :mod:`partita.pipelines.reward_pairs`), and ``ceiling`` (the
K plus the same kept candidates labelled by the training rater, weight 1). The ``reward`` arm's reward model
is the dense one of the first runs (linear by default, ``--reward-hidden``; no L1, no clamping); a fourth
arm, ``sparse``, tunes on the K plus the candidates labelled by the lasso reward model (linear, L1 penalty
chosen by leave-one-out on the K choices, ``--reward-l1``; features clamped to the rated pieces' range), at
the same margin and weight (``partita tune``'s), and a fifth, ``group``, on those labelled by the same
with the feature families penalised together (``RewardConfig(groups="families")``). Each reward model's
accuracy on held-out pairs and its agreement with the training rater on the candidates are reported.
A variant may set ``epochs=`` (passes over its pairs instead of ``--steps``) and ``anchor_weight=`` (an NLL
anchor on ``--anchor-pieces`` real pieces of the style's train split).

When ``data/tokens/base/valid.npy`` is missing, the NLL is measured on ``--nll-pieces`` real pieces of the
style (test split of corpus ``all``, another draw than the realism set) under the prefix sampling builds
for a plain prompt of the style, and the result says so. ``--nll-split`` takes them from the corpus's ``test``
split (the default, as the first runs), its ``valid`` split, or ``both`` (valid for choosing a setting, test
reported beside it). The result file is written after each variant (``"finished": false`` until the end).

The baseline of every row is the base model measured in the same run (the win rate's: 0.5, a coin).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import row, write_result  # noqa: E402
from partita.atomic import atomic_write_bytes  # noqa: E402

log = logging.getLogger("bench_tune")
PROMPTS = Path(__file__).resolve().parent / "prompts" / "realism.jsonl"
STYLE = "german_folk"
BARS = 8
DIRECTIONS = {"stepwise": 1.0, "register": 1.0, "bass": 1.0, "bassline": 1.0}
TITLE = "Preference tuning (DPO) from simulated raters: win rate, property, NLL and realism before/after"
STYLE_SOURCES = {"german_folk": ("essenFolksong", "German folk songs"), "chorale": ("jsb", "chorales")}
"""Per bench style: the validation tokens' source part its NLL is also measured on, and its real pieces."""


def folk_prompts(style: str = STYLE) -> list[str]:
    """The prompts of ``style`` in bench/prompts/realism.jsonl, in file order."""
    out = []
    for line in PROMPTS.read_text(encoding="utf-8").splitlines():
        if line.strip() and json.loads(line)["style"] == style:
            out.append(json.loads(line)["prompt"])
    return out


def sample(
    generator, prompts: list[str], n: int, seed: int, cache: Path | None = None
) -> list[tuple[str, object, list]]:
    """``n`` unranked candidates a prompt: (prompt, request, scores). With ``cache`` (a folder; for the base
    model only), a prompt's candidates are read from MIDI files written there by an earlier run of the same
    model version, prompt, seed and ``n``, or sampled and written."""
    from symusic import Score

    from partita.training.preferences import model_version

    out = []
    version = model_version(generator.model)[:12] if cache else ""
    for i, prompt in enumerate(prompts):
        request = generator.request(prompt, bars=BARS)
        key = hashlib.sha1(f"{version}|{prompt}|{seed + 101 * i}|{n}".encode()).hexdigest()[:16]
        files = [cache / f"{key}-{j}.mid" for j in range(n)] if cache else []
        if files and all(f.is_file() for f in files):
            out.append((prompt, request, [Score.from_midi(f.read_bytes()) for f in files]))
            continue
        cands = generator.generate(request, n=n, seed=seed + 101 * i, selector=None)
        midis = [c.score.dumps_midi() for c in cands]  # every piece as MIDI, cached or not: measured alike
        for f, midi in zip(files, midis, strict=False):
            f.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(f, midi)
        out.append((prompt, request, [Score.from_midi(m) for m in midis]))
    return out


def label_pairs(sampled, rater, version: str, db: Path, seed: int, round_robin: bool = False) -> int:
    """Two random matchings of each prompt's candidates (rounds 0 and 1), labelled by ``rater``, stored in
    ``db``; with ``round_robin`` also every other pair of a prompt's candidates (round 2), so that each
    candidate meets every other once. The round is kept in each preference's ``meta``."""
    from partita.training.preferences import Preference, add_preferences

    rng = np.random.default_rng(seed)
    prefs = []

    def judge(prompt, request, scores, a, b, rnd) -> None:
        winner = rater.choose(scores[a], scores[b])
        meta = {"conditions": request.conditions.to_dict(), "round": rnd}
        prefs.append(
            Preference(
                prompt,
                scores[a].dumps_midi(),
                scores[b].dumps_midi(),
                winner=winner,
                model="partita-small",
                model_version=version,
                rater=rater.name,
                meta=meta,
            )
        )

    for prompt, request, scores in sampled:
        seen = set()
        for rnd in range(2):
            order = rng.permutation(len(scores)).tolist()
            for a, b in zip(order[0::2], order[1::2], strict=False):
                if round_robin and frozenset((a, b)) in seen:
                    continue
                seen.add(frozenset((a, b)))
                judge(prompt, request, scores, a, b, rnd)
        if round_robin:
            for a in range(len(scores)):
                for b in range(a + 1, len(scores)):
                    if frozenset((a, b)) not in seen:
                        judge(prompt, request, scores, a, b, 2)
    add_preferences(db, prefs)
    return len(prefs)


NLL_PROMPTS = {"german_folk": "a German folk song", "chorale": "a chorale for four voices"}
_NLL_PIECES: dict = {}


def pieces_nll(generator, pieces: list, style: str) -> float:
    """NLL per token of ``pieces`` (re-encoded, EOS last) under the prefix sampling builds for a plain
    prompt of ``style``."""
    import torch

    from partita.pipelines.preferences import condition_prefix, piece_tokens
    from partita.training.dpo import sequence_logprobs

    prefix = condition_prefix(generator, NLL_PROMPTS[style])
    total, count = 0.0, 0
    with torch.no_grad():
        for p in pieces:
            lp, n = sequence_logprobs(generator.model, [prefix], [piece_tokens(generator, p)])
            total, count = total - float(lp[0]), count + int(n[0])
    return total / max(count, 1)


def valid_nll(
    model, max_tokens: int, style: str = STYLE, generator=None, nll_pieces: int = 32, split: str = "test"
) -> dict:
    """NLL per token of the validation tokens, or (without them) of ``nll_pieces`` real pieces of ``style``
    from ``split`` of corpus ``all`` ("test", as the first runs; "valid"; "both": the valid split's under
    ``valid``, the test split's under ``test``)."""
    from partita.paths import data_dir
    from partita.training.data import sequence_nll

    folder = data_dir() / "tokens" / "base"
    if not (folder / "valid.npy").is_file() and generator is not None:
        out: dict = {}
        for part in ("valid", "test") if split == "both" else (split,):
            if (style, part) not in _NLL_PIECES:
                _NLL_PIECES[style, part] = real_folk(nll_pieces, seed=7, style=style, split=part)
            out[part] = pieces_nll(generator, _NLL_PIECES[style, part], style)
        value = out["valid" if split == "both" else split]
        shown = "valid split; the test split's under 'test'" if split == "both" else f"{split} split"
        source = f"{nll_pieces} real {style} pieces ({shown})"
        return {**out, "valid": value, "style": value, "source": source}
    out = {}
    for name, path in (
        ("valid", folder / "valid.npy"),
        ("style", folder / "valid_by_source" / f"{STYLE_SOURCES[style][0]}.npy"),
    ):
        seq = np.asarray(np.load(path, mmap_mode="r")[: max_tokens + 1], dtype=np.int64)
        total, count = sequence_nll(model, [seq], model.config.block_size, max_tokens)
        out[name] = total / max(count, 1)
    return out


def anchor_pieces(generator, args) -> list:
    """``--anchor-pieces`` real pieces of the style's train split (the NLL and realism pieces are its test
    split's) as (prefix, tokens) under a plain prompt's prefix: the real music an anchored run stays likely
    on."""
    from partita.pipelines.preferences import condition_prefix, piece_tokens

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_realism import real_pieces, style_records

    records, corpus = style_records("all")
    pieces, _ = real_pieces(corpus, records[args.style]["train"], [BARS], args.anchor_pieces, 11)
    prefix = condition_prefix(generator, NLL_PROMPTS[args.style])
    return [(prefix, piece_tokens(generator, p)) for p in pieces]


def real_folk(count: int, seed: int, style: str = STYLE, split: str = "test") -> list:
    """``count`` real pieces of ``style`` from ``split`` (train, valid or test) of corpus ``all``, 8 bars."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_realism import STYLES, real_pieces, style_records

    records, corpus = style_records("all")
    chosen = records[style].get(split)
    if chosen is None:  # style_records keeps train and test: the valid split by the same rule
        from partita.tokens.dataset import style_of

        taken = {r["work_id"] for part in records[style].values() for r in part}
        notated = {r["work_id"] for r in corpus.records() if r["source"] != "jsb" and r.get("jsb_match")}
        chosen = [
            r
            for r in corpus.records()
            if r["split"] == split
            and style_of(r) in STYLES[style]
            and not (r["source"] == "jsb" and r["work_id"] in notated)
            and r["work_id"] not in taken
        ]
    pieces, _ = real_pieces(corpus, chosen, [BARS], count, seed)
    return pieces


def features(pieces: list) -> np.ndarray:
    """The realism features of ``pieces`` as a matrix (one row a piece)."""
    from partita.evaluation.realism import feature_matrix, realism_features

    return feature_matrix([realism_features(p) for p in pieces])


def realism_measure(base_pieces: list, tuned_pieces: list, real: list, args, label: str) -> dict:
    """Realism of base and tuned pieces against ``real``; with ``--realism-reps`` a bootstrap interval of
    the change (bench/tune_realism.py); with ``--cache`` the feature matrices are kept beside the pieces."""
    from bench.tune_realism import realism_change_interval, save_features
    from partita.evaluation.realism import two_sample_test

    fb, ft, fr = features(base_pieces), features(tuned_pieces), features(real)
    out: dict = {side: float(two_sample_test(f, fr)["accuracy"]) for side, f in (("base", fb), ("tuned", ft))}
    if args.cache:
        tag = f"{args.name}-{label}" if label else args.name
        save_features(args.cache / f"{tag.replace('/', '_')}-realism.npz", base=fb, tuned=ft, real=fr)
    if args.realism_reps > 0:
        t0 = time.monotonic()
        out["change_interval"] = realism_change_interval(fb, ft, fr, reps=args.realism_reps)
        out["change_interval"]["seconds"] = round(time.monotonic() - t0, 1)
    return out


def piece_features(request, score) -> dict[str, float]:
    """Realism features plus the mean adherence to the request: what the reward model reads."""
    from partita.pipelines.reward_pairs import piece_features as features_of

    return features_of(request, score)


def judged_pairs(sets, who, rng, rater=None) -> tuple[list, list, list]:
    """A random matching of each prompt's pieces in ``sets``, judged by ``who``: the winners' and losers'
    :func:`piece_features`, and (with ``rater``) whether ``rater``'s own measurement agrees (0.5 a tie)."""
    w, lo, raw = [], [], []
    for _, request, scores in sets:
        feats = [piece_features(request, s) for s in scores]
        order = rng.permutation(len(scores)).tolist()
        for a, b in zip(order[0::2], order[1::2], strict=False):
            first = who.choose(scores[a], scores[b]) == "a"
            w.append(feats[a] if first else feats[b])
            lo.append(feats[b] if first else feats[a])
            if rater is not None:
                va, vb = rater.value(scores[a]), rater.value(scores[b])
                raw.append((va > vb) == first if va != vb else 0.5)
    return w, lo, raw


def reward_accuracy(sampled, eval_sampled, rater, judge, seed: int) -> tuple[float, float, int]:
    """A reward model (:mod:`partita.training.reward`) trained on the training rater's pairs of ``sampled``,
    and its accuracy at predicting the held-out judge's choices between held-out base pieces; also the
    accuracy of a reward that is the training rater's own measurement (the ceiling for these features)."""
    from partita.training.reward import RewardConfig, pair_accuracy, train_reward

    rng = np.random.default_rng(seed)
    tw, tl, _ = judged_pairs(sampled, rater, rng, rater)
    names = sorted(tw[0])
    model, _ = train_reward(tw, tl, RewardConfig(features=names, epochs=300))
    hw, hl, raw = judged_pairs(eval_sampled, judge, rng, rater)
    return pair_accuracy(model, hw, hl), float(np.mean(raw)), len(hw)


VARIANT_KEYS = {
    "pairs": str,
    "extremes": int,
    "sft_weight": float,
    "loss": str,
    "lr": float,
    "beta": float,
    "rounds": int,
    "arm": str,
    "epochs": float,
    "steps": int,
    "anchor_weight": float,
}
"""What a ``--variants`` entry may set: DPO settings (``epochs``: passes over the pairs instead of
``--steps``, :meth:`DPOConfig.steps_for`), and ``rounds`` (train on the choices of the first
``rounds`` rounds of judging only: 2 = the two random matchings)."""


def parse_variants(text: str | None, args) -> list[dict]:
    """``--variants "rounds=2;pairs=extremes,extremes=4"``: one dict of settings per variant (``label`` the
    entry as written); none given: one variant of the command's own settings."""
    base = {
        "pairs": args.pairs,
        "extremes": args.extremes,
        "sft_weight": args.sft_weight,
        "loss": args.loss,
        "lr": args.lr,
        "beta": args.beta,
        "rounds": None,
        "arm": None,
        "epochs": None,
        "steps": args.steps,
        "anchor_weight": 0.0,
    }
    if not text:
        return [{**base, "label": ""}]
    out = []
    for entry in [e.strip() for e in text.split(";") if e.strip()]:
        v = {**base, "label": entry}
        for item in entry.split(","):
            key, _, value = item.partition("=")
            key = key.strip().replace("-", "_")
            if key not in VARIANT_KEYS or not value:
                raise SystemExit(
                    f"--variants: {item!r}: give key=value with key one of {', '.join(VARIANT_KEYS)}"
                )
            v[key] = VARIANT_KEYS[key](value.strip())
        out.append(v)
    return out


def few_arms(generator, prefs: list, pairs: list, base_sampled, prop: str, args) -> dict:
    """The token pairs of the ``--few`` arms (``rated``, ``reward``, ``ceiling``) and what the reward model
    did: its training on the rated choices, its accuracy on held-out pairs (held-out rater), and its
    agreement with the training rater on the candidates (all, and those it kept)."""
    from symusic import Score

    from partita.evaluation.raters import SimulatedRater
    from partita.pipelines.preferences import condition_prefix, piece_tokens, preference_pairs
    from partita.pipelines.reward_pairs import (
        CandidatePair,
        reward_labelled_pairs,
        train_reward_on_prefs,
    )
    from partita.training.dpo import TokenPair
    from partita.training.reward import RewardConfig

    rated, candidates, rater_winner, seen = [], [], [], set()
    for p in prefs:  # stored in prompt order: the first choice of each prompt is rated, the rest are not
        if p.winner not in ("a", "b"):
            continue
        if p.prompt not in seen and len(rated) < args.few:
            seen.add(p.prompt)
            rated.append(p)
        else:
            conditions = p.meta.get("conditions") or None
            a, b = Score.from_midi(p.piece_a), Score.from_midi(p.piece_b)
            candidates.append(CandidatePair(p.prompt, conditions, a, b))
            rater_winner.append(p.winner)
    t0 = time.monotonic()
    names_config = RewardConfig(hidden=args.reward_hidden, epochs=300)
    reward, trained = train_reward_on_prefs(generator, rated, config=names_config, where="bench")
    kept, info = reward_labelled_pairs(
        generator, reward, candidates, margin=args.reward_margin, weight=args.reward_weight
    )
    t_reward = time.monotonic() - t0
    labels = info["labels"]
    rated_pairs = preference_pairs(generator, rated)
    by_rater = []
    for i, _, _ in labels:  # the same kept candidates, labelled by the training rater (weight 1)
        c = candidates[i]
        good, bad = (c.a, c.b) if rater_winner[i] == "a" else (c.b, c.a)
        by_rater.append(
            TokenPair(
                condition_prefix(generator, c.prompt, c.conditions),
                piece_tokens(generator, good),
                piece_tokens(generator, bad),
            )
        )
    judge = SimulatedRater(prop, DIRECTIONS[prop], seed=98, heldout=True)
    hw, hl, _ = judged_pairs(base_sampled, judge, np.random.default_rng(4))
    out = {
        "rated_choices": len(rated),
        "hidden": args.reward_hidden,
        "seconds": round(t_reward, 1),
        **reward_figures(generator, reward, trained, candidates, rater_winner, (hw, hl), info, args),
    }
    # the sparse reward models (linear, L1 chosen by leave-one-out on the rated choices, clamped) label the
    # same candidates: each feature alone for the arm ``sparse`` (the lasso, partita tune's), the feature
    # families penalised together for the arm ``group``
    l1 = None if args.reward_l1 == "loo" else float(args.reward_l1)
    sparse_kept = {}
    for arm, groups in (("sparse", None), ("group", "families")):
        config = RewardConfig(hidden=0, epochs=300, l1=l1, clip=True, groups=groups)
        sparse, s_trained = train_reward_on_prefs(generator, rated, config=config, where="bench")
        sparse_kept[arm], s_info = reward_labelled_pairs(
            generator, sparse, candidates, margin=args.reward_margin, weight=args.reward_weight
        )
        out[arm] = reward_figures(
            generator, sparse, s_trained, candidates, rater_winner, (hw, hl), s_info, args
        )
    print(f"[{prop}] reward arms: {json.dumps(out, default=float)}", file=sys.stderr, flush=True)
    out["pairs"] = {
        "rated": rated_pairs,
        "reward": rated_pairs + kept,
        "sparse": rated_pairs + sparse_kept["sparse"],
        "group": rated_pairs + sparse_kept["group"],
        "ceiling": rated_pairs + by_rater,
    }
    return out


def reward_figures(generator, reward, trained, candidates, rater_winner, heldout, info, args) -> dict:
    """What a reward model of the rated choices did: its training, its accuracy on the held-out pairs
    ``heldout`` (winners, losers), what it kept of the candidates and its agreement with the training
    rater on them (all, and those kept)."""
    from partita.pipelines.reward_pairs import reward_labelled_pairs
    from partita.training.reward import pair_accuracy

    labels = info["labels"]
    _, all_info = reward_labelled_pairs(generator, reward, candidates, margin=0.0)
    agree_all = float(np.mean([w == rater_winner[i] for i, w, _ in all_info["labels"]]))
    agree_kept = float(np.mean([w == rater_winner[i] for i, w, _ in labels])) if labels else float("nan")
    return {
        "candidates": len(candidates),
        "kept": len(labels),
        "margin": args.reward_margin,
        "weight": args.reward_weight,
        "train": trained,
        "heldout_accuracy": pair_accuracy(reward, *heldout),
        "heldout_pairs": len(heldout[0]),
        "agreement_with_training_rater": {"all_candidates": agree_all, "kept": agree_kept},
    }


def paired_interval(after: list[float], before: list[float]) -> tuple[float, float, float]:
    """The mean of ``after[i] - before[i]`` and its 95% t interval (normal approximation)."""
    d = np.asarray(after, dtype=float) - np.asarray(before, dtype=float)
    half = 1.96 * float(d.std(ddof=1)) / np.sqrt(len(d)) if len(d) > 1 else float("nan")
    return float(d.mean()), float(d.mean()) - half, float(d.mean()) + half


def prepare_rater(prop: str, args) -> dict:
    """What every variant of one rater shares: the sampled training candidates, their labelled choices as
    token pairs (all, and by round), the base model's held-out pieces, NLL and reward-model figures."""
    from partita.evaluation.raters import SimulatedRater
    from partita.pipelines import Generator
    from partita.pipelines.preferences import preference_pairs
    from partita.training.preferences import load_preferences, model_version

    prompts = folk_prompts(args.style)
    train_prompts, eval_prompts = prompts[: args.train_prompts], prompts[16 : 16 + args.eval_prompts]
    generator = Generator.from_pretrained(args.model)
    version = model_version(generator.model)
    train_rater = SimulatedRater(prop, DIRECTIONS[prop], seed=1)
    t0 = time.monotonic()
    sampled = sample(generator, train_prompts, args.n, seed=1, cache=args.cache)
    t_pairs = time.monotonic() - t0
    print(f"[{prop}] sampled {len(sampled)} training prompts in {t_pairs:.0f} s", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "prefs.db"
        n_prefs = label_pairs(sampled, train_rater, version, db, seed=2, round_robin=args.round_robin)
        prefs = load_preferences(db, model_version=version)
    by_round = {
        r: preference_pairs(generator, [p for p in prefs if p.meta.get("round", 0) < r]) for r in (1, 2)
    }
    pairs = preference_pairs(generator, prefs)
    # base figures before tuning (the generator's model is tuned in place, then set back, per variant)
    base_sampled = sample(generator, eval_prompts, args.eval_n, seed=5000, cache=args.cache)
    base_pieces = [s for _, _, scores in base_sampled for s in scores]
    # raters of their own (the same tastes, other noise draws), so that the DPO and win-rate draws stay as
    # they are
    reward_raters = (
        SimulatedRater(prop, DIRECTIONS[prop], seed=11),
        SimulatedRater(prop, DIRECTIONS[prop], seed=98, heldout=True),
    )
    reward_acc, ceiling, reward_n = reward_accuracy(sampled, base_sampled, *reward_raters, seed=3)
    arms = few_arms(generator, prefs, pairs, base_sampled, prop, args) if args.few else {}
    return {
        "arms": arms.pop("pairs", {}),
        "few": arms,
        "generator": generator,
        "base_state": {k: v.detach().clone() for k, v in generator.model.state_dict().items()},
        "train_prompts": train_prompts,
        "eval_prompts": eval_prompts,
        "pairs": pairs,
        "by_round": by_round,
        "n_prefs": n_prefs,
        "t_pairs": t_pairs,
        "base_pieces": base_pieces,
        "base_nll": valid_nll(
            generator.model, args.nll_tokens, args.style, generator, args.nll_pieces, args.nll_split
        ),
        "reward": (reward_acc, ceiling, reward_n),
    }


def run_variant(prop: str, shared: dict, variant: dict, args, real: list) -> dict:
    """Tune the base (set back to its own weights first) with ``variant``'s settings and measure it on the
    held-out prompts against the base pieces of ``shared``."""
    import torch

    from partita.evaluation.raters import MEASURES, SimulatedRater, win_rate
    from partita.training.dpo import DPOConfig, tune_dpo

    generator = shared["generator"]
    generator.model.load_state_dict(shared["base_state"])
    pairs = shared["by_round"].get(variant["rounds"], shared["pairs"])
    if variant["arm"]:
        pairs = shared["arms"][variant["arm"]]
    torch.manual_seed(args.seed)
    config = DPOConfig(
        seed=args.seed,
        beta=variant["beta"],
        steps=variant["steps"],
        epochs=variant["epochs"],
        anchor_weight=variant["anchor_weight"],
        lr=variant["lr"],
        batch_size=args.batch_size,
        sft_weight=variant["sft_weight"],
        loss=variant["loss"],
        pairs=variant["pairs"],
        extremes=variant["extremes"],
    )
    deadline = time.monotonic() + 60 * args.tune_minutes
    t1 = time.monotonic()
    anchor = anchor_pieces(generator, args) if variant["anchor_weight"] else None
    result = tune_dpo(
        generator.model, pairs, config, should_stop=lambda: time.monotonic() > deadline, anchor=anchor
    )
    t_tune = time.monotonic() - t1
    print(
        f"[{prop} {variant['label']}] tuned in {t_tune:.0f} s: {result['summary']}",
        file=sys.stderr,
        flush=True,
    )
    base_pieces = shared["base_pieces"]
    tuned_pieces = [
        s
        for _, _, scores in sample(generator, shared["eval_prompts"], args.eval_n, seed=5000)
        for s in scores
    ]
    judge = SimulatedRater(prop, DIRECTIONS[prop], seed=99, heldout=True)
    train_measure, held_measure, _ = MEASURES[prop]
    held_before = [held_measure(p) for p in base_pieces]
    held_after = [held_measure(p) for p in tuned_pieces]
    return {
        "label": variant["label"],
        "config": config.to_dict(),
        "win_rate": win_rate(judge, tuned_pieces, base_pieces),
        "property": {
            "train_before": float(np.mean([train_measure(p) for p in base_pieces])),
            "train_after": float(np.mean([train_measure(p) for p in tuned_pieces])),
        },
        "heldout_property": {
            "before": float(np.mean(held_before)),
            "after": float(np.mean(held_after)),
            "paired_difference_ci": paired_interval(held_after, held_before),
        },
        "nll": {
            "base": shared["base_nll"],
            "tuned": valid_nll(
                generator.model, args.nll_tokens, args.style, generator, args.nll_pieces, args.nll_split
            ),
        },
        "realism": realism_measure(base_pieces, tuned_pieces, real, args, variant["label"]),
        "dpo": result["summary"],
        "seconds": {"pairs": shared["t_pairs"], "tune": t_tune},
        "tuned_pieces": len(tuned_pieces),
    }


def variant_rows(prop: str, shared: dict, d: dict, args, cmd: str) -> list[dict]:
    from partita.evaluation.raters import MEASURES

    train_measure, held_measure, _ = MEASURES[prop]
    name = f"{prop} [{d['label']}]" if d["label"] else prop
    c, s, wr = d["config"], d["dpo"], d["win_rate"]
    source, real_name = STYLE_SOURCES[args.style]
    chosen = (
        f"per prompt the {c['extremes']} best x {c['extremes']} worst by net wins"
        if c["pairs"] == "extremes"
        else "every choice"
    )
    setup = (
        f"{s['pairs']} pairs ({chosen}, of {s['given_pairs']} decided; {shared['n_prefs']} choices stored) "
        f"from {len(shared['train_prompts'])} {args.style} prompts x {args.n} candidates; "
        f"{c['loss'].upper()} beta {c['beta']}, lr {c['lr']}, SFT weight {c['sft_weight']}, "
        f"{s['steps']} steps of {args.batch_size} pairs ({s.get('epochs', 0):.2f} passes); held out: "
        f"{len(shared['eval_prompts'])} prompts x {args.eval_n} from seeds not used in training"
    )
    mean, lo_d, hi_d = d["heldout_property"]["paired_difference_ci"]
    base_nll, tuned_nll = d["nll"]["base"], d["nll"]["tuned"]
    return [
        row(
            f"{name}: win rate of tuned vs base (held-out rater)",
            wr["win_rate"],
            "share",
            cmd,
            "coin (base vs itself)",
            0.5,
            True,
            "> 0.5 with the 95% interval above 0.5",
            f"Wilson 95% CI [{wr['ci_low']:.3f}, {wr['ci_high']:.3f}], n={int(wr['n'])}; {setup}",
        ),
        row(
            f"{name}: {train_measure.__name__} (training measurement) of held-out pieces",
            d["property"]["train_after"],
            "mean",
            cmd,
            "partita-small (base)",
            d["property"]["train_before"],
            DIRECTIONS[prop] > 0,
            "moves in the rater's direction",
            f"the held-out measurement {held_measure.__name__}: {d['heldout_property']['before']:.3f} -> "
            f"{d['heldout_property']['after']:.3f} (paired difference {mean:+.3f}, "
            f"95% [{lo_d:+.3f}, {hi_d:+.3f}])",
        ),
        row(
            f"{name}: held-out NLL per token (valid.npy, first {args.nll_tokens} tokens)",
            tuned_nll["valid"],
            "nats",
            cmd,
            "partita-small (base)",
            base_nll["valid"],
            False,
            "within 0.05 nats of the base",
            f"{source} part: {base_nll['style']:.4f} -> {tuned_nll['style']:.4f}"
            + (f"; measured on {base_nll['source']}" if "source" in base_nll else "")
            + (
                f"; test split: {base_nll['test']:.4f} -> {tuned_nll['test']:.4f}"
                if "test" in base_nll and args.nll_split == "both"
                else ""
            ),
        ),
        row(
            f"{name}: realism two-sample accuracy vs real {real_name} (8 bars)",
            d["realism"]["tuned"],
            "balanced accuracy",
            cmd,
            "partita-small (base)",
            d["realism"]["base"],
            False,
            "within 0.05 of the base (0.5 = indistinguishable)",
            f"{d['tuned_pieces']} generated vs {args.real} real pieces" + realism_note(d["realism"]),
        ),
        row(
            f"{name}: DPO training time",
            d["seconds"]["tune"],
            "s",
            cmd,
            "sampling the training pairs",
            d["seconds"]["pairs"],
            False,
            None,
            f"{s['steps']} steps on {args.threads} thread(s); last-10 loss {s['final_loss']:.3f}, implicit "
            f"reward accuracy {s['final_accuracy']:.2f}",
        ),
    ]


def realism_note(r: dict) -> str:
    ci = r.get("change_interval")
    if not ci:
        return ""
    return (
        f"; change {r['tuned'] - r['base']:+.3f}, bootstrap 95% [{ci['ci_low']:+.3f}, {ci['ci_high']:+.3f}] "
        f"({ci['reps']} resamples of the base, tuned and real pieces; {ci['share_above_005']:.2f} of them "
        "above +0.05)"
    )


def accuracy_row(name: str, value: float, cmd: str, note: str) -> dict:
    """A row of a reward model's accuracy on held-out pairs (baseline: a coin)."""
    return row(name, value, "share", cmd, "coin", 0.5, True, None, note)


def run_rater(prop: str, args, real: list, cmd: str, save=None) -> tuple[list[dict], dict]:
    """Every ``--variants`` entry of one rater against the same base, pairs and held-out pieces; ``save``
    (if given) is called with the rows and variants so far after each variant."""
    shared = prepare_rater(prop, args)
    print(f"[{prop}] {len(shared['pairs'])} pairs; base measured; tuning", file=sys.stderr, flush=True)
    rows, variants = [], []
    for variant in parse_variants(args.variants, args):
        d = run_variant(prop, shared, variant, args, real)
        rows += variant_rows(prop, shared, d, args, cmd)
        variants.append(d)
        print(json.dumps(d, indent=1, default=float), flush=True)
        if save is not None:
            save(rows, {"rater": prop, "variants": variants})
    reward_acc, ceiling, reward_n = shared["reward"]
    rows.append(
        accuracy_row(
            f"{prop}: reward model (realism features + adherence) accuracy on held-out pairs",
            reward_acc,
            cmd,
            f"{reward_n} pairs of held-out base pieces judged by the held-out rater; the training rater's "
            f"own measurement as the reward scores {ceiling:.3f} on them",
        )
    )
    detail = {
        "rater": prop,
        "style": args.style,
        "pairs": len(shared["pairs"]),
        "choices": shared["n_prefs"],
        "reward_model": {
            "heldout_accuracy": reward_acc,
            "rater_measure_accuracy": ceiling,
            "pairs": reward_n,
        },
        "variants": variants,
    }
    if shared["few"]:
        detail["reward_labelled"] = shared["few"]
        few = shared["few"]
        for label, f in (("dense", few), ("sparse", few["sparse"]), ("grouped sparse", few["group"])):
            rows.append(
                accuracy_row(
                    f"{prop}: {label} reward model of {shared['few']['rated_choices']} rated choices, "
                    "accuracy on held-out pairs",
                    f["heldout_accuracy"],
                    cmd,
                    f"{f['heldout_pairs']} pairs of held-out base pieces judged by the held-out rater; it "
                    f"kept {f['kept']} of {f['candidates']} candidate pairs (reward gap >= {f['margin']}), "
                    f"agreeing with the training rater on {f['agreement_with_training_rater']['kept']:.3f} "
                    f"of those kept ({f['agreement_with_training_rater']['all_candidates']:.3f} of all "
                    "candidates)",
                )
            )
    return rows, detail


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="4+4 prompts, 20 steps: a smoke run")
    ap.add_argument(
        "--raters", default="stepwise", help="comma-separated of stepwise, register, bass, bassline"
    )
    ap.add_argument(
        "--style",
        default=STYLE,
        choices=sorted(STYLE_SOURCES),
        help="the prompts and real pieces (chorale: pieces with a bass line, for the bassline rater)",
    )
    ap.add_argument("--model", default="partita-small")
    ap.add_argument("--train-prompts", type=int, default=16)
    ap.add_argument("--eval-prompts", type=int, default=16)
    ap.add_argument("--n", type=int, default=8, help="candidates a training prompt")
    ap.add_argument("--eval-n", type=int, default=4, help="candidates a held-out prompt and model")
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--beta", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=1e-5)
    ap.add_argument("--sft-weight", type=float, default=0.0, help="weight of the chosen pieces' NLL term")
    ap.add_argument("--loss", default="dpo", choices=["dpo", "ipo"], help="DPOConfig.loss: the pair loss")
    ap.add_argument("--pairs", default="all", choices=["all", "extremes"], help="DPOConfig.pairs")
    ap.add_argument("--extremes", type=int, default=4, help="best x worst pieces a prompt (--pairs extremes)")
    ap.add_argument(
        "--round-robin",
        action="store_true",
        help="the training rater also judges every other pair of a prompt's candidates (round 2)",
    )
    ap.add_argument(
        "--variants",
        default=None,
        help="';'-separated settings to compare against the same base in one run, e.g. "
        "'rounds=2;pairs=extremes,extremes=4;pairs=extremes,sft_weight=1;loss=ipo,beta=0.02' (keys: "
        + ", ".join(VARIANT_KEYS)
        + ")",
    )
    ap.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="a folder keeping the base model's sampled pieces (MIDI) for later runs",
    )
    ap.add_argument(
        "--few",
        type=int,
        default=0,
        help="rated choices (one a prompt) for the reward-labelled arms: --variants 'arm=rated;arm=reward;"
        "arm=sparse;arm=group;arm=ceiling'",
    )
    ap.add_argument("--reward-margin", type=float, default=1.0, help="reward gap a kept pair needs")
    ap.add_argument("--reward-weight", type=float, default=0.5, help="weight of a reward-labelled pair")
    ap.add_argument(
        "--reward-hidden", type=int, default=0, help="the arm reward's MLP width (0: linear, as partita tune)"
    )
    ap.add_argument(
        "--reward-l1",
        default="loo",
        help="the arm sparse's L1 penalty: a number, or loo (chosen by leave-one-out on the rated choices)",
    )
    ap.add_argument("--nll-pieces", type=int, default=32, help="real pieces for NLL without valid.npy")
    ap.add_argument(
        "--nll-split",
        default="test",
        choices=["test", "valid", "both"],
        help="the corpus split of the --nll-pieces (both: valid for the decision, test reported beside)",
    )
    ap.add_argument("--real", type=int, default=64, help="real pieces for the realism test")
    ap.add_argument(
        "--realism-reps",
        type=int,
        default=0,
        help="bootstrap resamples for an interval on the realism change (0: none; 100 take minutes)",
    )
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument(
        "--anchor-pieces", type=int, default=64, help="real train-split pieces for anchor_weight= variants"
    )
    ap.add_argument("--seed", type=int, default=0, help="the training seed (batch order; torch)")
    ap.add_argument("--nll-tokens", type=int, default=20000)
    ap.add_argument("--tune-minutes", type=float, default=10.0, help="wall-clock limit of one DPO run")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--name", default="tune")
    ap.add_argument("--title", default=TITLE, help="the result's title (distinct for each result file)")
    args = ap.parse_args()
    if args.quick:
        args.train_prompts, args.eval_prompts, args.steps, args.nll_tokens = 4, 4, 20, 4000
    import torch

    torch.set_num_threads(args.threads)
    logging.basicConfig(level=logging.WARNING)
    cmd = "python bench/bench_tune.py " + " ".join(sys.argv[1:])
    real = real_folk(args.real, seed=0, style=args.style)
    rows, details = [], []

    def save(more_rows: list[dict], more: dict) -> None:
        """The variants finished so far, in the result file (``"finished": false``): a run cut short
        keeps them."""
        extra = {"details": [*details, more], "finished": False}
        write_result(args.name, args.title, rows + more_rows, quick=args.quick, extra=extra)

    for prop in [r.strip() for r in args.raters.split(",") if r.strip()]:
        t0 = time.monotonic()
        r, d = run_rater(prop, args, real, cmd.strip(), save)
        d["wall_seconds"] = round(time.monotonic() - t0, 1)
        rows += r
        details.append(d)
        print(json.dumps(d, indent=1, default=float), flush=True)
    write_result(
        args.name,
        args.title,
        rows,
        quick=args.quick,
        extra={"details": details, "finished": True},
    )


if __name__ == "__main__":
    main()
