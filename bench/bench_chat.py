"""Conversational discovery: dialogues synthesised from held-out pieces' labels (issue 23 item 4).

The catalogue is the **test** split of the built corpus ``all`` (about 1,700 pieces, indexed in a temporary
LanceDB index from the cached features; the discovery model never trained on them). For each target piece
(drawn with the seed among those with a kind, a key and a meter) a simulated user, who has the target in
mind, reveals it turn by turn as LP-MusicDialog's users do:

1. ``new``: its kind (tune type, genre, country of a folk song, composer), sometimes with a wrong meter;
2. ``remove``: where the meter was wrong, "any meter" (a correction);
3. ``add``: its key; 4. ``add``: its meter;
5. ``reject`` the first piece shown if it is not the target, or ``more`` like a shown piece of the target's
   collection when there is one.

Each turn's phrasing is drawn from templates written here, apart from the parser's own keywords and tests
(the same author wrote both, so intent accuracy is an optimistic figure). Measured per turn: Recall@10 (the
target among the 10 pieces shown) and MRR@10 (0 when not shown), and intent accuracy. Baselines on the same
turns: ``stateless`` (the turn alone as a search query), ``concatenated`` (everything said so far as one
query: a search box retyped each turn) and its BM25 hybrid (``--hybrid`` search).

Passage dialogues (``--passages``, 100): the user wants a *part* of a held-out piece. The target part is
found by bench/bench_segments.py's own measures (8-bar blocks, its own key finder; the chat never reads
them): a run in another key than the piece's, or a block unlike the rest in tempo, density, register or
loudness. Turns: 1. ``new``: the part, as bench_segments words it ("a section in E minor, slower than the
rest of the piece"); 2. ``add``: the piece's kind when it has one ("I'm looking for a reel"); 3. ``add``:
"the whole piece is in D major" (its label). Measured per turn: Recall@10 and MRR@10 of the piece, and the
share of turns whose answer holds the piece with bars overlapping the target part by IoU >= 0.5. Baseline,
same turns, same index: the conversation answering with whole pieces (as before segments; a whole piece's
bars are all of it). Templates: the same author as the chat's words again.

Through a language model (``--endpoint URL [--endpoint-model NAME]``): an OpenAI-compatible server the user
runs locally (llama.cpp, Ollama, vLLM; partita.discovery.chat_endpoint) reads the turns of the same dialogues
(the same phrasings; the reaction follows what that conversation showed), beside the rule parser in the same
run: intent accuracy, Recall@10 and MRR@10 of each, and the turns the endpoint failed to read (read by the
rules instead). The rule run is the same with or without an endpoint; the passage dialogues are not run.

    python bench/bench_chat.py [--dialogues 200] [--passages 100] [--seed 0]
    python bench/bench_chat.py --endpoint http://localhost:8080/v1 --endpoint-model NAME --passages 0

Writes bench/results/chat.json (chat-dialogues.json with ``--passages 0``, chat-valid.json with ``--split
valid``, chat-endpoint.json with ``--endpoint``).
"""

from __future__ import annotations

import argparse
import copy
import logging
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_chat")
COMMAND = "python bench/bench_chat.py"
K = 10
KIND_PHRASES = {
    "tune_type": ["I'm looking for a {v}", "can you find me a {v}?", "play me a {v}", "a {v}, please"],
    "genre": ["I'd like a {v}", "looking for a {v}", "find me a {v}"],
    "composer": ["something by {v}", "I want music by {v}", "a piece of {v}'s"],
}
COUNTRY = {"China": "Chinese folk song", "Germany": "German folk song"}
KEY_PHRASES = ["in {v} please", "make it {v}", "it should be in {v}", "{v}, if possible"]
METER_PHRASES = ["in {v}", "{v} time please", "it's in {v}", "the meter is {v}"]
WRONG_METERS = ["3/4", "6/8", "2/4", "4/4"]
ANY_METER = ["actually, any meter is fine", "any time signature is ok", "forget the meter, any meter"]
REJECT = ["not the first one", "no, not number 1", "drop the first one"]
MORE = ["more like {n}", "something like number {n}", "like the {o} one"]
ORD = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}


def kind_turn(labels: dict, rng: random.Random) -> str | None:
    """The first thing the user says about the target: what kind of piece it is."""
    if labels.get("tune_type"):
        return rng.choice(KIND_PHRASES["tune_type"]).format(v=labels["tune_type"])
    if labels.get("genre") in ("chorale", "pop", "mass"):
        v = {"pop": "pop song"}.get(labels["genre"], labels["genre"])
        return rng.choice(KIND_PHRASES["genre"]).format(v=v)
    if labels.get("country") in COUNTRY:
        return rng.choice(KIND_PHRASES["genre"]).format(v=COUNTRY[labels["country"]])
    if labels.get("composer") and len(labels["composer"].split()) >= 2:
        return rng.choice(KIND_PHRASES["composer"]).format(v=labels["composer"].split()[-1])
    return None


STAGES = ("kind", "correction", "key", "meter", "reaction")


def dialogue(labels: dict, rng: random.Random) -> list[tuple[str, str, str]]:
    """(utterance, gold intent, stage) up to the meter; the reaction depends on what was shown."""
    first = kind_turn(labels, rng)
    turns = []
    if rng.random() < 0.3:
        wrong = rng.choice([m for m in WRONG_METERS if m != labels["meter"]])
        turns += [(f"{first}, in {wrong}", "new", "kind"), (rng.choice(ANY_METER), "remove", "correction")]
    else:
        turns.append((first, "new", "kind"))
    turns.append((rng.choice(KEY_PHRASES).format(v=labels["key"]), "add", "key"))
    turns.append((rng.choice(METER_PHRASES).format(v=labels["meter"]), "add", "meter"))
    return turns


def rank_of(target: str, hits) -> int | None:
    ids = [h.piece_id for h in hits]
    return ids.index(target) + 1 if target in ids else None


def build_catalogue(entries: list[dict], folder: Path, model, segments: dict | None = None):
    """The index of the entries (with ``segments``, piece id -> segment rows, stored as its segments)."""
    from partita.discovery.features import write_entries
    from partita.discovery.index import PENDING_FILE, PENDING_SEGMENTS, DiscoveryIndex, build_index
    from partita.discovery.segments import write_segments

    class _Corpus:  # the entries stand in for the corpus: build_index finds them all in its pending cache
        name = "bench-chat"
        path = Path(".")

        def records(self):
            return [{"piece_id": e["piece_id"], "split": "test", "midi_path": ""} for e in entries]

    write_entries(entries, folder / PENDING_FILE)
    if segments is not None:
        write_segments(
            {e["piece_id"]: segments.get(e["piece_id"], []) for e in entries}, folder / PENDING_SEGMENTS
        )
    build_index(_Corpus(), folder, model=model, segments=segments is not None)
    return DiscoveryIndex(folder, model=model)


def run_dialogue(index, target: str, record: dict, labels_of: dict, rng: random.Random, parser=None):
    """Play one dialogue: per turn (gold intent, parsed intent, chat rank, stateless rank, concat ranks); with
    ``parser`` (a local endpoint's turn reader) the same dialogue again through it (the same turns and
    phrasings; the reaction follows what that conversation showed), else None."""
    snapshot = rng.getstate()
    out = play(index, target, record, labels_of, rng)
    if parser is None:
        return out, None
    replay = random.Random()
    replay.setstate(snapshot)  # the rule run's draws stay as they were without an endpoint
    return out, play(index, target, record, labels_of, replay, parser)


LIKE_ARMS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 100.0)
"""The similarity weights tried at each "more like" turn, beside the chat's own (0: the behaviour before the
similarity encoder; 100: the similarity alone within the pool)."""


CHOSEN = 1.0
"""The weight the valid-split dialogues chose (Recall@10 of the target tied with 0, a collection-mate shown
more often)."""


def more_arms(talk, text: str, target: str, labels_of: dict) -> dict:
    """The same "more like" turn answered with each of :data:`LIKE_ARMS` from a copy of the state before it:
    the target's rank and whether a piece of the target's collection is shown (``mate``)."""
    from partita.discovery.chat import Conversation

    out: dict = {}
    for w in LIKE_ARMS:
        alt = Conversation(talk.index, k=K, state=copy.deepcopy(talk.state), similar_weight=w)
        _, _, hits = alt.say(text)
        out[f"like {w:g}"] = rank_of(target, hits)
        out[f"like {w:g} mate"] = any(labels_of[h.piece_id] == labels_of[target] for h in hits)
    return out


def play(index, target: str, record: dict, labels_of: dict, rng: random.Random, parser=None) -> list[dict]:
    """One dialogue through the rules (with the search baselines on each turn) or through ``parser``."""
    from partita.discovery.chat import Conversation

    talk = Conversation(index, k=K, parser=parser)
    said, out = [], []
    turns = dialogue(record, rng)
    for i in range(len(turns) + 1):
        if i < len(turns):
            text, gold, stage = turns[i]
        else:  # the last turn reacts to what was shown
            stage = "reaction"
            shown = talk.state.shown
            same = [j for j, p in enumerate(shown) if p != target and labels_of[p] == labels_of[target]]
            if same and target not in shown[:1]:
                n = same[0] + 1
                text = rng.choice(MORE).format(n=n, o=ORD.get(n, str(n)))
                gold = "more"
            elif shown and shown[0] != target:
                text, gold = rng.choice(REJECT), "reject"
            else:
                break
        arms = more_arms(talk, text, target, labels_of) if gold == "more" and parser is None else {}
        turn, _, hits = talk.say(text)
        said.append(text)
        done = {"stage": stage, "gold": gold, "parsed": turn.intent, "chat": rank_of(target, hits), **arms}
        done["chat mate"] = any(labels_of[h.piece_id] == labels_of[target] for h in hits)
        if parser is None:
            done["stateless"] = rank_of(target, index.search(text, k=K))
            done["concatenated"] = rank_of(target, index.search(" ".join(said), k=K))
            done["concatenated + BM25"] = rank_of(target, index.search(" ".join(said), k=K, hybrid=True))
        out.append(done)
    return out


def passage_targets(corpus, entries: list[dict], n: int, rng: random.Random, min_bars: int = 24) -> list:
    """Up to ``n`` (entry, target part, part query) of pieces with a part unlike the rest, by
    bench_segments' own measures, the pieces drawn in a seeded order."""
    from bench_segments import find_target, measure, queries_of
    from partita.score import read_midi

    records = {r["piece_id"]: r for r in corpus.records()}
    order = list(entries)
    rng.shuffle(order)
    np_rng = np.random.default_rng(rng.randrange(2**31))
    out = []
    for e in order:
        if len(out) >= n:
            break
        try:
            m = measure(read_midi(str(corpus.path / records[e["piece_id"]]["midi_path"])), min_bars)
        except Exception as err:  # an unreadable piece is no target
            log.warning("%s: %s", e["piece_id"], err)
            continue
        target = find_target(m)
        if target is not None:
            out.append((e, target, queries_of(target, np_rng)["part"]))
    return out


def passage_dialogue(labels: dict, query: str, rng: random.Random) -> list[tuple[str, str, str]]:
    """(utterance, gold intent, stage): the part, then the piece's kind and key when it has them."""
    turns = [(query, "new", "part")]
    if kind := kind_turn(labels, rng):
        turns.append((kind, "add", "kind"))
    if labels.get("key"):
        turns.append((f"the whole piece is in {labels['key']}", "add", "piece key"))
    return turns


def run_passage(index, target: str, part: tuple[int, int], end: int, turns: list) -> list[dict]:
    """Play one passage dialogue with segments and with whole pieces: per turn and per way, the piece's rank
    and the IoU of the bars shown for it with the target part (0 when not shown)."""
    from bench_segments import iou
    from partita.discovery.chat import Conversation

    talks = {"passages": Conversation(index, k=K), "whole pieces": Conversation(index, k=K)}
    talks["whole pieces"].segments = False  # the chat as it answered before segments
    out = [{"stage": stage, "gold": gold} for _, gold, stage in turns]
    for way, talk in talks.items():
        for i, (text, _, _) in enumerate(turns):
            turn, _, hits = talk.say(text)
            rank = rank_of(target, hits)
            found = hits[rank - 1].fields if rank else {}
            ticks = (found["start_tick"], found["end_tick"]) if "start_tick" in found else (0, end)
            out[i][way] = rank
            out[i][f"{way} IoU"] = iou(ticks, part) if rank else 0.0
            out[i][f"{way} intent"] = turn.intent
    return out


def summarise_passages(turns: list[dict]) -> dict:
    by = {}
    for way in ("passages", "whole pieces"):
        by[way] = {
            **summarise(turns, way),
            "found10": float(np.mean([t[f"{way} IoU"] >= 0.5 for t in turns])),
            "intent_accuracy": float(np.mean([t[f"{way} intent"] == t["gold"] for t in turns])),
        }
    return by


def summarise(turns: list[dict], ranker: str) -> dict:
    ranks = [t[ranker] for t in turns]
    return {
        "recall10": float(np.mean([r is not None for r in ranks])),
        "mrr10": float(np.mean([1.0 / r if r else 0.0 for r in ranks])),
        "n": len(ranks),
    }


def summarise_more(turns: list[dict], ranker: str) -> dict:
    """Recall@10 and MRR@10 of the target, and Hit@10 of a piece of its collection (``mate10``)."""
    return {**summarise(turns, ranker), "mate10": float(np.mean([t[f"{ranker} mate"] for t in turns]))}


def run_passages(args, entries: list[dict], folder: Path) -> dict:
    """The passage dialogues over the same catalogue, indexed with its segments (bench_segments' cache)."""
    from partita.corpus import load_corpus
    from partita.discovery.encoders import DiscoveryModel
    from partita.discovery.segments import read_segments
    from partita.paths import data_dir

    cache = data_dir() / "discovery" / f"{args.corpus}-segments.parquet"
    if not cache.is_file():
        raise SystemExit(f"{cache}: no segments cached; run python bench/bench_segments.py first")
    segments = read_segments(cache)
    missing = sum(1 for e in entries if e["piece_id"] not in segments)
    rng = random.Random(args.seed + 1)
    corpus = load_corpus(args.corpus)
    picked = passage_targets(corpus, [e for e in entries if segments.get(e["piece_id"])], args.passages, rng)
    index = build_catalogue(entries, folder / "segments", DiscoveryModel.from_pretrained(), segments)
    turns = []
    for e, target, query in picked:
        turns += run_passage(
            index, e["piece_id"], target["ticks"], target["end"], passage_dialogue(e["labels"], query, rng)
        )
    stages = sorted({t["stage"] for t in turns}, key=["part", "kind", "piece key"].index)
    return {
        "dialogues": len(picked),
        "turns": len(turns),
        "pieces without cached segments": missing,
        "overall": summarise_passages(turns),
        "by_turn": {n: summarise_passages([t for t in turns if t["stage"] == n]) for n in stages},
        "example": picked[0][2] if picked else "",
    }


def passage_rows(passages: dict) -> list[dict]:
    note = (
        f"{passages['dialogues']} passage dialogues, {passages['turns']} turns; targets by bench_segments' "
        f"measures, e.g. {passages['example']!r}; templates written in the bench"
    )
    base = "the chat answering with whole pieces, same turns and index"
    out = []
    for metric, unit in (("recall10", "Recall@10"), ("mrr10", "MRR@10")):
        out.append(
            row(
                f"chat, passage requests: turn-level {unit} of the piece",
                passages["overall"]["passages"][metric],
                unit,
                COMMAND,
                baseline=base,
                baseline_value=passages["overall"]["whole pieces"][metric],
                notes=note,
            )
        )
    out.append(
        row(
            "chat, passage requests: piece shown with bars IoU >= 0.5 to the target part",
            passages["overall"]["passages"]["found10"],
            "share of turns",
            COMMAND,
            baseline=base + " (a whole piece's bars are all of it)",
            baseline_value=passages["overall"]["whole pieces"]["found10"],
            notes=note,
        )
    )
    return out


def note_of(targets: list, turns: list[dict], entries: list) -> str:
    return (
        f"{len(targets)} dialogues, {len(turns)} turns over the {len(entries)} test-split pieces; "
        "templates written in the bench"
    )


def intents(turns: list[dict]) -> dict:
    """Intent accuracy over the turns, and per gold intent."""
    golds = sorted({t["gold"] for t in turns})
    return {
        "all": float(np.mean([t["parsed"] == t["gold"] for t in turns])) if turns else 0.0,
        **{g: float(np.mean([t["parsed"] == g for t in turns if t["gold"] == g])) for g in golds},
    }


def write_endpoint(args, reader, turns: list[dict], through: list[dict], note: str, seconds: float) -> None:
    """bench/results/chat-endpoint.json: the same dialogues read by the endpoint and by the rules."""
    arms = {"rules": turns, "endpoint": through}
    overall = {a: {**summarise(t, "chat"), "intent_accuracy": intents(t)} for a, t in arms.items()}
    by_turn = {
        n: {a: summarise([t for t in ts if t["stage"] == n], "chat") for a, ts in arms.items()}
        for n in STAGES
        if any(t["stage"] == n for t in turns)
    }
    command = f"{COMMAND} --endpoint URL --endpoint-model {args.endpoint_model} --passages 0"
    said = (
        f"{note}; model {args.endpoint_model!r}; {reader.read} turns read by the endpoint, "
        f"{reader.fell_back} by the rules after it failed"
    )
    base = "the rule parser, same dialogues and index"
    rows = [
        row(f"chat through a local language model: turn-level {unit}", overall["endpoint"][metric], unit,
            command, baseline=base, baseline_value=overall["rules"][metric], notes=said)
        for metric, unit in (("recall10", "Recall@10"), ("mrr10", "MRR@10"))
    ]  # fmt: skip
    rows.append(
        row(
            "chat through a local language model: intent accuracy",
            overall["endpoint"]["intent_accuracy"]["all"],
            "accuracy",
            command,
            baseline=base,
            baseline_value=overall["rules"]["intent_accuracy"]["all"],
            notes=said,
        )
    )
    extra = {
        "endpoint": args.endpoint,
        "model": args.endpoint_model,
        "read_by_endpoint": reader.read,
        "fell_back_to_rules": reader.fell_back,
        "last_error": reader.last_error,
        "overall": overall,
        "by_turn": by_turn,
        "seconds": round(seconds, 1),
    }
    path = write_result(
        "chat-endpoint",
        "Conversational discovery through a local language model, beside the rule parser",
        rows,
        extra=extra,
    )
    for a, v in overall.items():
        log.info(
            "%-8s Recall@10 %.3f MRR@10 %.3f intent accuracy %.3f (n %d)",
            a, v["recall10"], v["mrr10"], v["intent_accuracy"]["all"], v["n"],
        )  # fmt: skip
    log.info("endpoint read %d turns, %d fell back (%s)", reader.read, reader.fell_back, reader.last_error)
    log.info("wrote %s (%.0f s)", path, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dialogues", type=int, default=200)
    parser.add_argument("--corpus", default="all")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--passages", type=int, default=100, help="passage dialogues (0: none)")
    parser.add_argument(
        "--split", default="test", help="the catalogue's split (valid: to choose the chat's weights)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="for `python -m bench --quick`: this bench runs as it is"
    )
    parser.add_argument("--endpoint", default=None, help="a local OpenAI-compatible server's base URL")
    parser.add_argument("--endpoint-model", default="default", help="the model it serves")
    parser.add_argument("--endpoint-timeout", type=float, default=30.0, help="seconds for one answer")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    import torch

    from partita.corpus import load_corpus
    from partita.discovery.chat import SIMILAR_WEIGHT
    from partita.discovery.encoders import DiscoveryModel
    from partita.discovery.features import read_entries
    from partita.discovery.recommend import collection_of
    from partita.paths import data_dir

    torch.set_num_threads(1)
    reader = None
    if args.endpoint:
        from partita.discovery.chat_endpoint import ChatEndpoint, EndpointParser

        try:
            reader = EndpointParser(ChatEndpoint(args.endpoint, args.endpoint_model, args.endpoint_timeout))
        except ValueError as e:
            raise SystemExit(str(e)) from None
    t0 = time.perf_counter()
    records = {r["piece_id"]: r for r in load_corpus(args.corpus).records() if r.get("split") == args.split}
    cache = data_dir() / "discovery" / f"{args.corpus}-entries.parquet"
    entries = [e for e in read_entries(cache) if e["piece_id"] in records and not e.get("error")]
    rng = random.Random(args.seed)
    usable = [
        e
        for e in entries
        if e["labels"].get("key") and e["labels"].get("meter") and kind_turn(e["labels"], random.Random(0))
    ]
    targets = rng.sample(usable, min(args.dialogues, len(usable)))
    labels_of = {e["piece_id"]: collection_of(records[e["piece_id"]]) or e["piece_id"] for e in entries}
    folder = Path(tempfile.mkdtemp(prefix="partita-chat-"))
    try:
        index = build_catalogue(entries, folder, DiscoveryModel.from_pretrained())
        turns, through = [], []
        for e in targets:
            ruled, read = run_dialogue(index, e["piece_id"], e["labels"], labels_of, rng, reader)
            turns += ruled
            through += read or []
        passages = run_passages(args, entries, folder) if args.passages and reader is None else None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    seconds = time.perf_counter() - t0

    if reader is not None:
        write_endpoint(args, reader, turns, through, note_of(targets, turns, entries), seconds)
        return
    rankers = ("chat", "stateless", "concatenated", "concatenated + BM25")
    overall = {r: summarise(turns, r) for r in rankers}
    by_turn = {
        n: {r: summarise([t for t in turns if t["stage"] == n], r) for r in rankers}
        for n in STAGES
        if any(t["stage"] == n for t in turns)
    }
    by_intent = {
        g: {
            "n": sum(t["gold"] == g for t in turns),
            "accuracy": float(np.mean([t["parsed"] == g for t in turns if t["gold"] == g])),
            **{r: summarise([t for t in turns if t["gold"] == g], r) for r in rankers},
        }
        for g in sorted({t["gold"] for t in turns})
    }
    accuracy = float(np.mean([t["parsed"] == t["gold"] for t in turns]))
    note = note_of(targets, turns, entries)
    command = " ".join([COMMAND, *sys.argv[1:]])
    rows = []
    for metric, unit in (("recall10", "Recall@10"), ("mrr10", "MRR@10")):
        for base in ("concatenated", "concatenated + BM25", "stateless"):
            rows.append(
                row(
                    f"chat: turn-level {unit}, all turns",
                    overall["chat"][metric],
                    unit,
                    command,
                    baseline=f"{base} search, same turns",
                    baseline_value=overall[base][metric],
                    notes=note,
                )
            )
    rows.append(
        row(
            "chat: intent accuracy",
            accuracy,
            "accuracy",
            command,
            baseline="most common intent, same turns",
            baseline_value=max(v["n"] for v in by_intent.values()) / len(turns),
            notes=note
            + "; "
            + ", ".join(f"{g} {v['accuracy']:.2f} (n {v['n']})" for g, v in by_intent.items()),
        )
    )
    rows.append(
        row(
            "chat: Recall@10 after the meter (kind, key and meter said)",
            by_turn["meter"]["chat"]["recall10"],
            "Recall@10",
            command,
            baseline="concatenated + BM25 search, same turns",
            baseline_value=by_turn["meter"]["concatenated + BM25"]["recall10"],
            notes=note,
        )
    )
    more = [t for t in turns if "like 0" in t]
    like = {f"{w:g}": summarise_more(more, f"like {w:g}") for w in LIKE_ARMS} if more else {}
    if more:
        like["chat"] = summarise_more(more, "chat")
        what = (
            f"{len(more)} 'more like' turns (a shown piece of the target's collection) of the dialogues; "
            f"weight {CHOSEN:g} chosen on the valid-split dialogues (--split valid); the chat as shipped "
            f"uses weight {SIMILAR_WEIGHT:g}"
        )
        base = f"the chat as shipped (similarity weight {SIMILAR_WEIGHT:g}), same turns and state"
        for metric, unit, label in (
            ("recall10", "Recall@10", "the target"),
            ("mate10", "Hit@10", "a piece of the target's collection"),
        ):
            rows.append(
                row(
                    f"chat, 'more like' turns re-ranked by the similarity encoder: {unit} of {label}",
                    like[f"{CHOSEN:g}"][metric],
                    unit,
                    command,
                    baseline=base,
                    baseline_value=like["chat"][metric],
                    notes=what,
                )
            )
    if passages:
        rows += passage_rows(passages)
    extra = {
        "split": args.split,
        "more_like": like,
        "passages": passages,
        "dialogues": len(targets),
        "turns": len(turns),
        "catalogue": len(entries),
        "overall": overall,
        "by_turn": by_turn,
        "by_intent": by_intent,
        "intent_accuracy": accuracy,
        "seconds": round(seconds, 1),
    }
    if args.split == "test" and passages:
        path = write_result(
            "chat", "Conversational discovery: synthesised dialogues over held-out pieces", rows, extra=extra
        )
    elif args.split == "test":  # the dialogues alone: chat.json keeps the full run's passage rows
        path = write_result(
            "chat-dialogues",
            "Conversational discovery: synthesised dialogues over held-out pieces (no passage dialogues)",
            rows,
            extra=extra,
        )
    else:
        path = write_result(
            f"chat-{args.split}",
            f"Conversational discovery: synthesised dialogues over {args.split}-split pieces (for choosing)",
            rows,
            extra=extra,
        )
    for w, v in like.items():
        log.info(
            "more like, weight %-5s Recall@10 %.3f MRR@10 %.3f mate Hit@10 %.3f (n %d)",
            w, v["recall10"], v["mrr10"], v["mate10"], v["n"],
        )  # fmt: skip
    for r in rankers:
        log.info("%-20s Recall@10 %.3f MRR@10 %.3f", r, overall[r]["recall10"], overall[r]["mrr10"])
    for n, v in by_turn.items():
        log.info(
            "%-10s n %4d: %s", n, v["chat"]["n"], ", ".join(f"{r} {v[r]['recall10']:.2f}" for r in rankers)
        )
    log.info("intent accuracy %.3f %s", accuracy, {g: round(v["accuracy"], 3) for g, v in by_intent.items()})
    log.info("wrote %s (%.0f s)", path, seconds)


if __name__ == "__main__":
    main()
