"""Check chord following on development prompts, never on the benchmark's.

For each prompt (its own keys, progressions and seeds; none is in ``bench/prompts/controllability.jsonl``)
this generates constrained candidates and prints, over all candidates, the share of bars whose recognised
chord (partita's chord recogniser on the file's own bars and beats, not phase-aligned to the onsets as
``describe`` does for real files with pickups) is the requested one (the progression looping over the bars;
root and quality compared through mir_eval), the share with the right root and third (major / minor) only, and
the benchmark's ECM / CMO of the best-ranked candidate (``describe``'s chords)::

    python scripts/check-chords.py --n 4 --threads 2 [--chord-tones-only]

Nothing here is imported by partita.
"""

from __future__ import annotations

import argparse
import logging
import statistics

PROMPTS = (
    "a folk song in D major for piano with chords D G A D, 8 bars",
    "a pop song in A minor for piano with chords Am F C G, 8 bars",
    "a ballad in F major for piano and bass with chords F Dm Bb C, 8 bars, 80 bpm",
    "a waltz in Bb major for piano with chords Bb Gm Eb F, 3/4, 8 bars",
    "a hymn in E major for choir with chords E A B7 E, 8 bars",
    "a pop groove in C major for electric piano and bass with chords C Am Dm G7, 8 bars",
)


def _same(a: str, b: str, majmin: bool) -> bool:
    import mir_eval

    ra, ba, _ = mir_eval.chord.encode(a)
    rb, bb, _ = mir_eval.chord.encode(b)
    if ra != rb:
        return False
    return bool(ba[3] == bb[3] and ba[4] == bb[4]) if majmin else bool((ba == bb).all())


def _bar_chords(score) -> list[str]:
    from partita.analysis.chords import chords_per_bar, estimate_chords, merge_labels
    from partita.analysis.timeline import beat_grid, note_arrays

    notes = note_arrays(score)
    pitched = notes.select(~notes.drum)
    if not len(pitched):
        return []
    grid = beat_grid(score, notes, int(notes.end.max()), align=False)
    return chords_per_bar(merge_labels(estimate_chords(pitched, grid.beats, None), grid.beats), grid.bars)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4)
    ap.add_argument("--seed", type=int, default=3001)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--chord-tones-only", action="store_true", help="every pitch of a bar a tone of its chord"
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)

    import torch

    from partita.pipelines import generate, load_generator

    torch.set_num_threads(args.threads)
    lm = load_generator()
    exact_all, majmin_all = [], []
    for i, prompt in enumerate(PROMPTS):
        request, cands = generate(
            prompt, n=args.n, seed=args.seed + i, model=lm, chord_tones_only=args.chord_tones_only
        )
        want = request.chords
        exact, majmin, per_cand = [], [], []
        for cand in cands:
            got = _bar_chords(cand.score)
            hits = [
                (_same(g, want[b % len(want)], False), _same(g, want[b % len(want)], True))
                for b, g in enumerate(got)
                if g not in (None, "N")
            ]
            exact += [h[0] for h in hits]
            majmin += [h[1] for h in hits]
            per_cand.append(" ".join(got))
        best = cands[0].adherence
        print(
            f"{prompt}\n  per bar: {statistics.mean(exact):.2f} exact, {statistics.mean(majmin):.2f} "
            f"root+third; best: ECM {best.get('chord_in_order')}, CMO {best.get('chord_any_order')}\n  best: "
            f"{per_cand[0]}"
        )
        exact_all += exact
        majmin_all += majmin
    print(
        f"all prompts, per bar: {statistics.mean(exact_all):.3f} exact, {statistics.mean(majmin_all):.3f} "
        "root+third"
    )


if __name__ == "__main__":
    main()
