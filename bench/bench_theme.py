"""Themes: a piece built on a given theme, against priming the model with the theme and letting it go on.

Issue 21 item 4. Per style (jig, German folk song, Chinese folk song, chorale): the first 4 bars of held-out
real pieces (split ``test`` of the built corpus ``all``) are the themes. Two pieces of the same length for
each theme:

- ``theme``: ``Generator.generate_plan(plan, theme=...)`` with the plan partita proposes for the style at 32
  bars (a dance tune's AABB, a song's verse, verse', refrain, verse), the theme as its first section: the
  theme comes back where the plan repeats its label, and a primed label (A') opens with its first half and is
  written on;
- ``priming``: the baseline, measured in the same run: the theme continued to the same length in one call
  (``Generator.continuation_of``), the model primed with it and left to itself.

Measured by :func:`partita.evaluation.theme.theme_recurrence` on the bars after the first statement: the
share of bars whose melody recalls a bar of the theme (onsets and intervals, so in any transposition;
similarity at least 0.75), and the mean best similarity. The recurrences of ``theme`` are by construction
(the plan plays the theme again); the row says how much of the piece that is, against what the model does of
its own accord.

    python bench/bench_theme.py [--n 8] [--styles jig,chorale] [--model partita-small|debug|PATH]
                                [--threads 2]
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_continue import pitched, setup  # noqa: E402
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_theme")
SLOW = True  # generates dozens of pieces: run only when named
THEME_BARS = 4
STYLE_PROMPTS = {
    "jig": "an Irish jig",
    "german_folk": "a German folk song",
    "chinese_folk": "a Chinese folk song",
    "chorale": "a chorale",
}
COMMAND = "python bench/bench_theme.py --threads 2"


def themes(corpus, records: list[dict], n: int, seed: int) -> list[tuple[str, object]]:
    """``n`` themes: the first 4 bars of held-out pieces of at least 8 bars, with notes."""
    from partita.evaluation.realism import count_bars, crop_bars

    rng = np.random.default_rng(seed)
    out = []
    for i in rng.permutation(len(records)).tolist():
        score = corpus.read_piece(records[i]["piece_id"])
        if score.note_num() and count_bars(score) >= 2 * THEME_BARS:
            theme = crop_bars(score, THEME_BARS)
            if pitched(theme):
                out.append((records[i]["piece_id"], theme))
        if len(out) == n:
            break
    return out


def run_style(style: str, pieces, generator, seed: int) -> list[dict]:
    """Both variants for each theme of one style."""
    from partita.evaluation.theme import theme_recurrence
    from partita.generation.plan import plan_piece
    from partita.generation.prompt import project_prompt
    from partita.score.bars import notated_bars

    out = []
    for j, (piece_id, theme) in enumerate(pieces):
        plan = plan_piece(project_prompt(STYLE_PROMPTS[style], bars=32))
        t0 = time.perf_counter()
        whole, (cand,) = generator.generate_plan(plan, n=2, seed=seed * 1000 + j, theme=theme, wav=False)
        seconds = time.perf_counter() - t0
        total, stated = whole.conditions.bars, notated_bars(theme)  # the plan fitted to the theme's bars
        request = generator.continuation_of(theme, "", bars=total - stated)
        t1 = time.perf_counter()
        primed = generator.generate(request, n=2, seed=seed * 1000 + j, wav=False)[0].score
        rec = {
            "id": piece_id,
            "bars": total,
            "theme": theme_recurrence(cand.score, stated),
            "priming": theme_recurrence(primed, stated),
            "theme_seconds": seconds,
            "priming_seconds": time.perf_counter() - t1,
        }
        out.append(rec)
        log.info(
            "%s %s (%d bars): theme %.2f, priming %.2f",
            style,
            piece_id,
            total,
            rec["theme"]["recurrence"],
            rec["priming"]["recurrence"],
        )
    return out


def main() -> None:
    args, generator, records, corpus, styles = setup(__doc__, "theme")
    styles = [s for s in styles if s in STYLE_PROMPTS]
    per_style = {
        s: run_style(s, themes(corpus, records[s]["test"], args.n, args.seed), generator, args.seed)
        for s in styles
    }
    pieces = [r for rs in per_style.values() for r in rs]

    def mean(variant: str, key: str) -> float:
        return float(np.mean([r[variant][key] for r in pieces]))

    note = f"{len(pieces)} held-out themes of {THEME_BARS} bars, {', '.join(styles)}; baseline: priming"
    rows = [
        row("theme: bars that recall the theme (recurrence)", mean("theme", "recurrence"), "share", COMMAND,
            "priming", mean("priming", "recurrence"), goal="beat priming", notes=note),
        row("theme: mean best similarity of a bar to the theme", mean("theme", "mean_similarity"), "0-1",
            COMMAND, "priming", mean("priming", "mean_similarity")),
        row("theme: seconds for a piece (2 candidates a section)",
            float(np.mean([r["theme_seconds"] for r in pieces])), "s", COMMAND, "priming",
            float(np.mean([r["priming_seconds"] for r in pieces])), higher_is_better=False),
    ]  # fmt: skip
    by_style = {
        s: {v: float(np.mean([r[v]["recurrence"] for r in rs])) for v in ("theme", "priming")}
        for s, rs in per_style.items()
    }
    path = write_result(
        args.name,
        "Themes: a piece built on a given theme against priming the model with it",
        rows,
        extra={"by_style": by_style, "pieces": per_style, "model": args.model, "n": args.n},
    )
    print(path)


if __name__ == "__main__":
    main()
