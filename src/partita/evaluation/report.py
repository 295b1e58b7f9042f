"""``evaluate(generated, reference, prompts)``: every measure of this package in one report (JSON, Markdown,
PNG).

Inputs are lists of named scores: read them with :func:`read_scores` from a MIDI/MusicXML/ABC file, a folder
of such files, or a built corpus (``NAME`` or ``NAME:SPLIT`` through :func:`partita.corpus.load_corpus`).
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import stats

import partita
import partita.corpus
from partita.analysis.features import instrument_name
from partita.atomic import atomic_path, atomic_write_text
from partita.evaluation.adherence import Controls, measure, set_adherence
from partita.evaluation.compression import compression_ratio
from partita.evaluation.distribution import FEATURES, compare_feature_sets, piece_features, piece_fingerprint
from partita.evaluation.metrics import METRIC_NAMES, PITCH_NAMES, piece_metrics, summarize
from partita.evaluation.tension import tonal_tension
from partita.progress import ProgressCallback, report
from partita.score import ScoreError, check_limits, read_score

log = logging.getLogger(__name__)

SCORE_SUFFIXES = (".mid", ".midi", ".musicxml", ".xml", ".mxl", ".abc", ".krn")

METRIC_HELP = {
    "pitch_class_entropy": (
        "entropy (bits) of the pitch-class histogram; 0 = one pitch class, 3.58 = all twelve equally"
    ),
    "pitch_entropy": "entropy (bits) of the pitch histogram",
    "scale_consistency": "largest share of notes inside one major or natural-minor scale",
    "groove_consistency": "1 - mean Hamming distance of consecutive bars' onset patterns (12 steps per beat)",
    "empty_beat_rate": "share of beats in which nothing sounds",
    "polyphony": "mean number of distinct pitches sounding, while any sounds",
    "polyphony_rate": "share of time with 3 or more pitches sounding",
    "pitch_range": "highest minus lowest pitch (semitones)",
    "n_pitches_used": "number of distinct pitches",
    "n_pitch_classes_used": "number of distinct pitch classes",
    "compression_ratio": (
        "COSIATEC compression ratio: 1 = no repetition, k = the piece is k copies of a pattern"
    ),
    "cloud_diameter": "tonal tension: spread of each bar's notes on the spiral array (mean over bars)",
    "cloud_momentum": "tonal tension: movement of the harmonic centre from bar to bar",
    "tensile_strain": "tonal tension: distance of each bar's harmonic centre from the key",
}


def read_scores(
    source: str | os.PathLike, limit: int | None = None
) -> tuple[list[tuple[str, object]], list[str]]:
    """Named scores from a score file, a folder of them (recursively, sorted) or a corpus ``NAME[:SPLIT]``.

    Returns ``(scores, skipped)``: unreadable files, broken links and files beyond
    :class:`~partita.score.ScoreLimits` are skipped with their reason, never fatal; a source that does not
    exist, holds no readable score or is one file beyond the limits raises FileNotFoundError / ValueError
    (a ScoreError) naming it.
    """
    path = Path(source).expanduser()
    skipped: list[str] = []
    out: list[tuple[str, object]] = []
    if path.is_file():
        return [(path.name, _read_checked(path))], skipped
    if path.is_dir() and not (path / "manifest.parquet").is_file():
        files = sorted(
            p
            for p in path.rglob("*")
            if (p.is_file() or p.is_symlink()) and p.suffix.lower() in SCORE_SUFFIXES
        )
        if not files:
            raise ValueError(f"{path}: no score files ({', '.join(SCORE_SUFFIXES)}) in this folder")
        for f in files:
            if limit is not None and len(out) >= limit:
                break
            try:
                out.append((str(f.relative_to(path)), _read_checked(f)))
            except ScoreError as e:
                skipped.append(str(e))
                log.warning("skipped %s", e)
    else:
        # a corpus name or folder; raises FileNotFoundError if unknown (looked up on the module, so a test
        # can stand in for it)
        corpus = partita.corpus.load_corpus(str(source))
        for labels, score in corpus.iter_scores():
            if limit is not None and len(out) >= limit:
                break
            out.append((str(labels.get("piece_id")), score))
    if not out:
        raise ValueError(f"{source}: no readable score ({len(skipped)} skipped)")
    return out, skipped


def _read_checked(path: Path):
    """The score of ``path``, refused (ScoreError) beyond the cost limits: a 0 ticks-per-quarter header, a
    note of days or thousands of tracks would otherwise reach the metrics."""
    score = read_score(path)
    check_limits(score, path)
    return score


def read_prompts(path: str | os.PathLike) -> list[dict]:
    """The lines of a prompts JSONL file (one JSON object per generated piece, ``file`` naming it)."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such prompts file")
    rows = []
    for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{p}:{i}: not JSON ({e.msg})") from None
        if not isinstance(row, dict):
            raise ValueError(f"{p}:{i}: each line must be a JSON object")
        rows.append(row)
    return rows


def match_prompts(
    names: list[str], prompts: list[dict], where: str = "prompts"
) -> list[tuple[int, Controls]]:
    """Pair prompts with generated pieces by ``file`` (path or file name), else by order when counts agree."""
    by_name: dict[str, int] = {}
    for i, n in enumerate(names):
        by_name.setdefault(n, i)
        by_name.setdefault(Path(n).name, i)
        by_name.setdefault(Path(n).stem, i)
    out = []
    if all("file" in p for p in prompts):
        for line, p in enumerate(prompts, 1):
            f = str(p["file"])
            idx = by_name.get(f, by_name.get(Path(f).name, by_name.get(Path(f).stem)))
            if idx is None:
                raise ValueError(f"{where}: line {line} names '{f}', which is not among the generated pieces")
            try:
                out.append((idx, Controls.from_dict(p)))
            except (TypeError, ValueError) as e:
                raise ValueError(f"{where}: line {line}: {e}") from None
        return out
    if len(prompts) != len(names):
        raise ValueError(
            f"{where}: {len(prompts)} prompts without a 'file' field for {len(names)} generated pieces; "
            "name each piece with 'file' or give exactly one prompt per piece (in file order)"
        )
    for i, p in enumerate(prompts):
        try:
            out.append((i, Controls.from_dict(p)))
        except (TypeError, ValueError) as e:
            raise ValueError(f"{where}: line {i + 1}: {e}") from None
    return out


def piece_report(
    score, compression: bool = True, tension: bool = True, compression_window: int = 300
) -> dict[str, float]:
    """All per-piece metrics of one score: MusPy's set, the compression ratio and the tension summary."""
    out = piece_metrics(score).to_dict()
    if compression:
        out["compression_ratio"] = compression_ratio(score, max_points=compression_window)
    if tension:
        t = tonal_tension(score)
        out.update(
            t.summary()
            if t
            else dict.fromkeys(("cloud_diameter", "cloud_momentum", "tensile_strain"), math.nan)
        )
    return out


def evaluate(
    generated: Sequence[tuple[str, object]],
    reference: Sequence[tuple[str, object]] | None = None,
    prompts: list[dict] | None = None,
    compression: bool = True,
    tension: bool = True,
    progress: ProgressCallback | None = None,
    sources: dict | None = None,
    compression_window: int = 300,
) -> dict:
    """Evaluate named generated scores against named reference scores and the prompts they were made from.

    Returns a JSON-ready dict: per-set metric summaries, per-piece metrics, the Yang & Lerch comparison (when
    both sets have 2+ pieces) and control adherence (when prompts are given).
    """
    if not generated:
        raise ValueError("no generated pieces to evaluate")
    reference = list(reference or [])
    # prompts are checked first, so that a bad prompts file fails before minutes of work
    pairs = (
        match_prompts([n for n, _ in generated], prompts, (sources or {}).get("prompts", "prompts"))
        if prompts
        else []
    )
    total = len(generated) + len(reference) + len(pairs)
    done = 0
    result: dict = {
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "partita_version": partita.__version__,
        "sources": sources or {},
        "n_generated": len(generated),
        "n_reference": len(reference),
        "settings": {"compression_window": compression_window if compression else None, "groove_grid": 12},
    }
    per_set, features, prints = {}, {}, {}
    for label, items in (("generated", generated), ("reference", reference)):
        rows, feats, fps = [], [], []
        for name, score in items:
            rows.append({"name": name, **piece_report(score, compression, tension, compression_window)})
            feats.append(piece_features(score))
            fps.append(piece_fingerprint(score))
            done += 1
            report(progress, done, total, f"{label}: {name}")
        per_set[label], features[label], prints[label] = rows, feats, fps
    result["pitch_class_histogram"] = {
        label: np.mean([f["pitch_class_histogram"] for f in feats], axis=0).tolist()
        for label, feats in features.items()
        if feats
    }
    result["metrics"] = {
        label: summarize([{k: v for k, v in r.items() if k != "name"} for r in rows])
        for label, rows in per_set.items()
        if rows
    }
    result["pieces"] = per_set
    if len(generated) >= 2 and len(reference) >= 2:
        same = np.array([[a == b for b in prints["reference"]] for a in prints["generated"]], dtype=bool)
        cmp = compare_feature_sets(features["generated"], features["reference"], same)
        result["distribution"] = cmp.to_dict()
        result["_comparison"] = cmp  # for the plots; removed before writing JSON
    elif reference:
        result["distribution_skipped"] = "the set comparison needs at least 2 pieces on each side"
    if prompts:
        names = [n for n, _ in generated]
        requested, measured = [], []
        for idx, controls in pairs:
            requested.append(controls)
            measured.append(measure(generated[idx][1]))
            done += 1
            report(progress, done, total, f"adherence: {names[idx]}")
        adh = set_adherence(requested, measured)
        adh["per_piece"] = [
            {
                "name": names[idx],
                "requested": {k: v for k, v in vars(c).items() if v is not None},
                "measured": m.to_dict(),
                "scores": s,
            }
            for (idx, c), m, s in zip(pairs, measured, adh["per_piece"], strict=True)
        ]
        result["adherence"] = adh
    return result


def _fmt(x: float | None, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x:.{digits}f}"


def _short(d: dict) -> str:
    parts = []
    for k, v in d.items():
        if isinstance(v, float):
            v = round(v, 2)
        if isinstance(v, list):
            v = ", ".join(str(x) for x in v) if k == "instruments" else " ".join(str(x) for x in v)
        parts.append(f"{k}: {v}")
    return "; ".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _clean(obj):
    """NaN and inf become None, numpy scalars plain numbers: strict JSON."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items() if not str(k).startswith("_")}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def _plot_pitch_classes(result: dict, path: Path) -> None:
    # matplotlib takes ~0.5 s to import: only when a report is plotted
    import matplotlib

    matplotlib.use("Agg")
    # after use("Agg"): pyplot picks its backend when it is imported
    import matplotlib.pyplot as plt

    hist = result["pitch_class_histogram"]
    fig, ax = plt.subplots(figsize=(8, 3.6))
    x = np.arange(12)
    width = 0.8 / len(hist)
    colors = {"generated": "#d1603d", "reference": "#3b6ea8"}
    for i, (label, h) in enumerate(hist.items()):
        offset = (i - (len(hist) - 1) / 2) * width
        ax.bar(x + offset, h, width, label=f"{label} ({result[f'n_{label}']})", color=colors[label])
    ax.legend(frameon=False)
    ax.set_xticks(x, PITCH_NAMES)
    ax.set_ylabel("share of notes")
    ax.set_title("Pitch-class histogram (mean over pieces)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def _plot_overlap(result: dict, path: Path) -> None:
    # matplotlib takes ~0.5 s to import: only when a report is plotted
    import matplotlib

    matplotlib.use("Agg")
    # after use("Agg"): pyplot picks its backend when it is imported
    import matplotlib.pyplot as plt

    cmp = result["_comparison"]
    names = list(FEATURES)
    oa = [cmp.features[n].oa for n in names]
    oa_intra = [cmp.features[n].oa_intra for n in names]
    fig, ax = plt.subplots(figsize=(8, 4.6))
    y = np.arange(len(names))
    ax.barh(y - 0.2, oa, 0.4, label="OA: reference intra-set vs inter-set (mgeval)", color="#3b6ea8")
    ax.barh(y + 0.2, oa_intra, 0.4, label="OA: reference vs generated intra-set", color="#9bbb59")
    ax.set_yticks(y, [n.replace("_", " ") for n in names])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("overlapped area (1 = indistinguishable)")
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.4, -0.14), ncol=2, fontsize=8)
    ax.set_title("Yang & Lerch: overlap of distance distributions per feature")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def _plot_distances(result: dict, path: Path) -> None:
    # matplotlib takes ~0.5 s to import: only when a report is plotted
    import matplotlib

    matplotlib.use("Agg")
    # after use("Agg"): pyplot picks its backend when it is imported
    import matplotlib.pyplot as plt

    cmp = result["_comparison"]
    fig, axes = plt.subplots(3, 3, figsize=(10, 8))
    for ax, name in zip(axes.ravel(), FEATURES, strict=True):
        f = cmp.features[name]
        for sample, label, color in (
            (f.intra_reference, "intra reference", "#3b6ea8"),
            (f.intra_generated, "intra generated", "#d1603d"),
            (f.inter, "inter", "#555555"),
        ):
            if sample.size >= 2 and np.ptp(sample) > 0:
                x = np.linspace(sample.min(), sample.max(), 200)
                ax.plot(x, stats.gaussian_kde(sample)(x), label=label, color=color)
        ax.set_title(f"{name.replace('_', ' ')}\nOA {_fmt(f.oa, 2)}", fontsize=9)
        ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=7, frameon=False)
    fig.suptitle("Distance distributions per feature (Gaussian KDE)")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)


def _markdown(result: dict, images: list[str]) -> str:
    src = result.get("sources", {})
    lines = ["# Evaluation report", ""]
    if result.get("created"):
        lines += [f"Written {result['created']} by partita {result.get('partita_version', '?')}.", ""]
    lines.append(f"- generated: `{src.get('generated', '?')}` ({result['n_generated']} pieces)")
    if result["n_reference"]:
        lines.append(f"- reference: `{src.get('reference', '?')}` ({result['n_reference']} pieces)")
    if "prompts" in src:
        lines.append(f"- prompts: `{src['prompts']}`")
    for label in ("generated", "reference"):
        if src.get(f"skipped_{label}"):
            lines.append(
                f"- {len(src[f'skipped_{label}'])} unreadable {label} files skipped (listed in report.json)"
            )
    lines += ["", "Definitions and references: docs/EVALUATION.md in the partita repository.", ""]
    metrics = result.get("metrics", {})
    if metrics:
        lines += ["## Per-piece metrics (mean ± std over the set)", ""]
        has_ref = "reference" in metrics
        lines.append("| metric | generated | " + ("reference | " if has_ref else "") + "what it measures |")
        lines.append("|---|---|" + ("---|" if has_ref else "") + "---|")
        keys = [
            k
            for k in (
                *METRIC_NAMES,
                "compression_ratio",
                "cloud_diameter",
                "cloud_momentum",
                "tensile_strain",
            )
            if k in metrics["generated"]
        ]
        for k in keys:
            g = metrics["generated"][k]
            cells = [k, f"{_fmt(g['mean'])} ± {_fmt(g['std'])}"]
            if has_ref:
                r = metrics["reference"].get(k, {"mean": math.nan, "std": math.nan})
                cells.append(f"{_fmt(r['mean'])} ± {_fmt(r['std'])}")
            cells.append(METRIC_HELP.get(k, ""))
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    dist = result.get("distribution")
    if dist:
        lines += [
            "## Generated vs reference: Yang & Lerch (mgeval's method)",
            "",
            "Per feature, the distances between pieces within the reference set (intra) are compared with "
            "the distances from generated to reference pieces (inter). OA is the overlapped area of the two "
            "densities (1 = the generated pieces sit among the reference pieces like the reference pieces "
            "among themselves), KLD their Kullback-Leibler divergence (0 = the same). *OA intra* compares "
            "the two sets' own diversity.",
            "",
            "| feature | OA | KLD | OA (generated intra vs inter) | OA intra |",
            "|---|---|---|---|---|",
        ]
        for name, f in dist["features"].items():
            lines.append(
                f"| {name} | {_fmt(f['oa'])} | {_fmt(f['kld'])} | {_fmt(f['oa_generated'])} | "
                f"{_fmt(f['oa_intra'])} |"
            )
        lines += [
            "",
            f"Mean OA over features: **{_fmt(dist['mean_oa'])}**. Generated pieces identical to a reference "
            f"piece: **{dist['copies']}**.",
            "",
        ]
    if result.get("distribution_skipped"):
        lines += ["## Generated vs reference", "", f"Not computed: {result['distribution_skipped']}.", ""]
    adh = result.get("adherence")
    if adh:
        lines += [
            "## Control adherence (Mustango / text2midi definitions)",
            "",
            "| score | mean | pieces |",
            "|---|---|---|",
        ]
        for k, v in adh["scores"].items():
            lines.append(f"| {k} | {_fmt(v['mean'])} | {v['n']} |")
        for name, c in adh["correlations"].items():
            lines.append(f"| {name}: Pearson r (requested vs measured) | {_fmt(c['pearson'])} | {c['n']} |")
            lines.append(f"| {name}: Spearman ρ | {_fmt(c['spearman'])} | {c['n']} |")
        lines += ["", "Per piece (requested → measured; 1 = met, 0 = missed):", ""]
        lines += ["| piece | requested | measured | scores |", "|---|---|---|---|"]
        for p in adh["per_piece"][:100]:
            req = p["requested"]
            meas = {k: p["measured"].get(k) for k in req if k in p["measured"]}
            if "tempo_bin" in req:
                meas["tempo"] = p["measured"].get("tempo")
            if meas.get("instruments"):
                meas["instruments"] = [
                    instrument_name(i, False) if isinstance(i, int) else i for i in meas["instruments"]
                ]
            if "chords" in meas:
                meas["chords"] = (meas["chords"] or [])[:8]
            scores = ", ".join(f"{k} {_fmt(v, 2)}" for k, v in p["scores"].items())
            lines.append(f"| {p['name']} | {_cell(_short(req))} | {_cell(_short(meas))} | {scores} |")
        if len(adh["per_piece"]) > 100:
            lines.append(f"| … {len(adh['per_piece']) - 100} more in report.json | | | |")
        lines += [
            "",
            "TB: tempo in the requested bin; TBT: in it or a neighbouring bin; CK: key correct; CKD: key "
            "correct up to the relative major/minor; meter: time signature; beat_match: beats per bar; "
            "instrument_*: GM programs requested vs found; chord_perfect / chord_in_order / "
            "chord_any_order(_majmin): Mustango's PCM / ECM / CMO / CMOT.",
            "",
        ]
    if images:
        lines += ["## Plots", ""]
        lines += [f"![{Path(i).stem.replace('_', ' ')}]({i})" for i in images]
        lines.append("")
    return "\n".join(lines)


def write_report(result: dict, out_dir: str | os.PathLike) -> list[Path]:
    """Write ``report.json``, ``report.md`` and the PNG plots into ``out_dir``; returns the written paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    images: list[str] = []
    plots = [("pitch_class_histograms.png", _plot_pitch_classes)]
    if "_comparison" in result:
        plots += [("overlap_area.png", _plot_overlap), ("distance_distributions.png", _plot_distances)]
    for name, fn in plots:
        fn(result, out / name)
        written.append(out / name)
        images.append(name)
    atomic_write_text(out / "report.json", json.dumps(_clean(result), indent=2, ensure_ascii=False) + "\n")
    atomic_write_text(out / "report.md", _markdown(result, images))
    return [out / "report.json", out / "report.md", *written]
