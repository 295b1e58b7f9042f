"""Regenerate docs/images/samples/STYLE.png: three pieces per style, each a piano roll beside its engraved
score.

The prompts are the first three development prompts of each style in ``bench/prompts/realism.jsonl``; each
piece is the best-ranked of 4 candidates (``partita.generate(prompt, n=4, seed=7)`` with the shipped model
and its generation_config.json). Run from the repository root with the project's virtualenv::

    .venv/bin/python docs/images/make_samples.py [--setting repeat_weight=2.0 ...]

It prints one line per piece (notes, bars, the key partita and music21 hear, bar repetition) for the
verdicts in docs/GENERATION.md.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from PIL import Image

import partita
from partita.analysis import describe
from partita.evaluation.realism import realism_features
from partita.render import write_pianoroll, write_score_png
from partita.score.bars import notated_bars

HERE = Path(__file__).resolve().parent
PROMPTS = HERE.parents[1] / "bench" / "prompts" / "realism.jsonl"
WIDTH = 760  # pixels of each half of a row
PER_STYLE = 3


def prompts_by_style() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in PROMPTS.read_text().splitlines():
        p = json.loads(line)
        out.setdefault(p["style"], [])
        if len(out[p["style"]]) < PER_STYLE:
            out[p["style"]].append(p["prompt"])
    return out


def _fit(path: Path, width: int, max_height: int | None = None) -> Image.Image:
    img = Image.open(path).convert("RGB")
    img = img.resize((width, round(img.height * width / img.width)), Image.LANCZOS)
    return img.crop((0, 0, width, min(img.height, max_height))) if max_height else img


def style_sheet(pieces: list[tuple[Path, Path]], out: Path) -> None:
    """One PNG: a row per piece, its piano roll on the left and the top of its first score page on the
    right."""
    rows = []
    for roll, score in pieces:
        left = _fit(roll, WIDTH)
        right = _fit(score, WIDTH, max_height=max(left.height, 420))
        row = Image.new("RGB", (2 * WIDTH, max(left.height, right.height)), "white")
        row.paste(left, (0, 0))
        row.paste(right, (WIDTH, 0))
        rows.append(row)
    sheet = Image.new("RGB", (2 * WIDTH, sum(r.height for r in rows)), "white")
    y = 0
    for r in rows:
        sheet.paste(r, (0, y))
        y += r.height
    sheet = sheet.quantize(colors=64)
    sheet.save(out, optimize=True)


def music21_key(score) -> str:
    import sys

    sys.path.insert(0, str(HERE.parents[1]))  # the checkout root: the benchmark's independent judge
    from bench.bench_realism import music21_key as judge

    return judge(score) or "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--setting", action="append", default=[], help="NAME=VALUE, a GenerationConfig override")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    settings = {k: json.loads(v) for k, v in (s.split("=", 1) for s in args.setting)}
    generator = partita.Generator.from_pretrained("partita-small")
    out_dir = HERE / "samples"
    out_dir.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for style, prompts in prompts_by_style().items():
            pieces = []
            for i, prompt in enumerate(prompts, 1):
                best = generator.generate(prompt, n=4, seed=args.seed, **settings)[0]
                stem = Path(tmp) / f"{style}-{i}"
                roll = write_pianoroll(best.score, f"{stem}-roll.png", title=f"{prompt} (#{i})")
                score = write_score_png(best.score, f"{stem}-score.png", title=prompt, width=1200)[0]
                pieces.append((Path(roll), Path(score)))
                d = describe(best.score, analyse_chords=False, analyse_structure=False)
                f = realism_features(best.score)
                print(
                    f"{style} #{i} {prompt!r}: {best.score.note_num()} notes, "
                    f"{notated_bars(best.score)} bars, "
                    f"key {d.key} (music21 {music21_key(best.score)}), bar repetition "
                    f"{f['bar_repetition']:.2f}, adherence {best.adherence_mean or 0:.2f}"
                )
            style_sheet(pieces, out_dir / f"{style}.png")


if __name__ == "__main__":
    main()
