"""Works and splits across a whole corpus: JSB matching, grouping versions of one work, train/valid/test.

Decided once all pieces are read, because they depend on more than one piece:

1. **JSB matching.** Bach chorales from music21 (or a folder) are matched to the JSB chorales by content: the
   interval sequences of the soprano and of the bass (repeated pitches merged, so ties and grids compare
   equal; intervals, so a transposed copy matches), compared by similarity. A matched chorale takes JSB's
   split and records the JSB piece in ``jsb_match``; a JSB piece in the same build takes the matched chorale's
   work id (``bach:bwv...``).
2. **Work groups.** Pieces whose work ids are equal are one work (normalized titles for folk tunes, so a tune
   in Ryan's and in O'Neill's is one work; the BWV number for Bach). Pieces whose melodies share their first
   24 intervals (``content_fp``) are joined too, so a transposed or retitled copy falls with its original.
3. **Split.** A group takes the split hashed from its smallest work id
   (:func:`partita.corpus.labels.split_of`), stable across runs and machines; JSB pieces always keep JSB's
   standard split, and a group holding JSB pieces follows the split most of them have.
"""

from __future__ import annotations

import logging
from collections import Counter
from difflib import SequenceMatcher

from partita.corpus.labels import split_of

log = logging.getLogger(__name__)

MIN_TOP = 16  # soprano intervals a piece needs to be matched at all
PREFIX = 4  # intervals of soprano or bass that must agree from the start before the similarity is computed
MIN_TOP_RATIO, MIN_BOTTOM_RATIO = 0.7, 0.6


def _intervals(seq: list[int] | None) -> list[int]:
    seq = list(seq or [])
    return [b - a for a, b in zip(seq, seq[1:], strict=False)]


def _lcp(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def jsb_fingerprints(jsb: dict[str, list]) -> dict[str, tuple[list[int], list[int], str]]:
    """``{"train/012": (soprano intervals, bass intervals, split)}`` from the JSB json."""
    out = {}
    for split in ("train", "valid", "test"):
        for i, steps in enumerate(jsb.get(split, [])):
            voices = []
            for v in (0, -1):
                seq: list[int] = []
                for step in steps:
                    p = int(step[v]) if step else -1
                    if p >= 0 and (not seq or seq[-1] != p):
                        seq.append(p)
                voices.append(_intervals(seq[:48]))
            out[f"{split}/{i:03d}"] = (voices[0], voices[1], split)
    return out


def is_bach_candidate(row: dict) -> bool:
    """A piece that may be one of the JSB chorales: by Bach, 3 to 8 parts (voices and doubling
    instruments)."""
    composer = (row.get("composer") or "").lower()
    return (
        row.get("source") != "jsb"
        and "bach" in composer
        and "philipp" not in composer
        and 3 <= (row.get("n_tracks") or 0) <= 8
    )


def match_jsb(rows: list[dict], jsb_fp: dict[str, tuple[list[int], list[int], str]]) -> dict[str, str]:
    """``{piece key: JSB id}`` for the candidate chorales whose soprano and bass match a JSB piece.

    Editions differ in details (a passing note, an ornament, 32nd notes that the 16th grid merges), so the
    outer voices are compared by similarity (difflib's ratio of the interval sequences), not equality: the
    soprano must agree at least ``MIN_TOP_RATIO`` and the bass ``MIN_BOTTOM_RATIO`` (the bass tells apart
    the several harmonizations of one chorale melody). Only JSB pieces whose soprano or bass begins like the
    piece's (``PREFIX`` intervals) are compared, which keeps this fast.
    """
    matches: dict[str, str] = {}
    for row in rows:
        if not is_bach_candidate(row):
            continue
        top, bottom = _intervals(row.get("fp_top")), _intervals(row.get("fp_bottom"))
        if len(top) < MIN_TOP:
            continue
        best, best_score = None, 0.0
        for jid, (jtop, jbottom, _) in jsb_fp.items():
            if _lcp(top, jtop) < PREFIX and _lcp(bottom, jbottom) < PREFIX:
                continue
            rt = SequenceMatcher(None, top, jtop, autojunk=False).ratio()
            if rt < MIN_TOP_RATIO:
                continue
            rb = SequenceMatcher(None, bottom, jbottom, autojunk=False).ratio()
            if rb < MIN_BOTTOM_RATIO:
                continue
            if rt + rb > best_score:
                best, best_score = jid, rt + rb
        if best is not None:
            matches[row["source_key"]] = best
    return matches


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # the smaller id is the root, so the group's name does not depend on the order of unions
            lo, hi = sorted((ra, rb))
            self.parent[hi] = lo


def assign_splits(rows: list[dict], jsb_fp: dict[str, tuple[list[int], list[int], str]] | None) -> dict:
    """Set ``work_id``, ``work_group``, ``split`` and ``jsb_match`` on every row in place; return statistics
    for the summary."""
    jsb_fp = jsb_fp or {}
    matches = match_jsb(rows, jsb_fp) if jsb_fp else {}
    jsb_work: dict[str, str] = {}
    for row in rows:
        jid = matches.get(row["source_key"])
        row["jsb_match"] = jid
        if jid is not None:
            jsb_work[jid] = min(jsb_work.get(jid, row["work_id"]), row["work_id"])
    for row in rows:
        if row.get("source") == "jsb" and row.get("tune_ref") in jsb_work:
            row["jsb_match"] = row["tune_ref"]
            row["work_id"] = jsb_work[row["tune_ref"]]

    uf = _UnionFind()
    by_fp: dict[str, str] = {}
    for row in rows:
        uf.find(row["work_id"])
        fp = row.get("content_fp")
        if fp:
            if fp in by_fp:
                uf.union(by_fp[fp], row["work_id"])
            else:
                by_fp[fp] = row["work_id"]

    group_jsb: dict[str, Counter] = {}
    for row in rows:
        jsplit = row.get("jsb_split") or (
            jsb_fp[row["jsb_match"]][2] if row.get("jsb_match") in jsb_fp else None
        )
        row["_jsb_split"] = jsplit
        if jsplit:
            group_jsb.setdefault(uf.find(row["work_id"]), Counter())[jsplit] += 1
    for row in rows:
        root = uf.find(row["work_id"])
        row["work_group"] = root
        if row["_jsb_split"]:
            row["split"] = row["_jsb_split"]
        elif root in group_jsb:
            row["split"] = group_jsb[root].most_common(1)[0][0]
        else:
            row["split"] = split_of(root)
        del row["_jsb_split"]

    work_splits: dict[str, set] = {}
    groups: Counter = Counter()
    for row in rows:
        work_splits.setdefault(row["work_id"], set()).add(row["split"])
        groups[uf.find(row["work_id"])] += 1
    candidates = sum(1 for r in rows if is_bach_candidate(r))
    return {
        "works": len(work_splits),
        "work_groups": len(groups),
        "largest_group": max(groups.values(), default=0),
        "works_straddling_splits": sum(1 for s in work_splits.values() if len(s) > 1),
        "jsb_candidates": candidates,
        "jsb_matched": len(matches),
        "jsb_match_rate": (len(matches) / candidates) if candidates else None,
    }
