"""MusicLM speed and memory against Hugging Face transformers' GPT-2 and a naive Shaw-style relative
attention.

Rows, each measured side by side in one run:

1. training tokens/s (forward + backward + AdamW step, batch 8 x 512, fp32 and bf16 autocast) of MusicLM with
   relative attention against ``GPT2LMHeadModel`` of the same width, depth, heads, MLP width and vocabulary;
   the two are timed in alternating rounds so that load from other processes hits both alike;
2. peak memory of one relative-attention layer (batch 1, width 256, 4 heads) at L = 512, 1024, 2048 against a
   naive Shaw et al. (2018) layer that materialises the (L, L, D_h) tensor of relative embeddings. Each
   configuration runs in a fresh subprocess; the figure is the growth of the process's peak resident memory
   (``ru_maxrss``) during the call, which counts every tensor the layer allocates; glibc's mmap threshold is
   pinned at 64 KiB so that every tensor is mmap'd and returned to the OS when freed: the peak is the live
   peak. Inference (no grad) is the headline; forward + backward is reported too;
3. sampling tokens/s with the KV cache at batch 1 and 16 against GPT-2's ``generate`` (its own KV cache), same
   size, multinomial sampling of 256 new tokens;
4. seconds of music generated per second of compute at batch 1 with the JSB model size (4 tokens per 16th
   note, at a stated tempo of 60 quarter notes per minute).

    python bench/bench_model.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, row, write_result  # noqa: E402
from partita.generation import sample  # noqa: E402
from partita.models import MusicLM, MusicLMConfig  # noqa: E402
from partita.tokens import jsb  # noqa: E402
from partita.training.config import PRESETS  # noqa: E402
from partita.training.trainer import bf16_supported  # noqa: E402

logger = logging.getLogger("bench_model")
WIDTH, DEPTH, HEADS, FF, VOCAB, BLOCK, BATCH = 256, 4, 4, 1024, 512, 512, 8
SLOW = True  # minutes of training or a full corpus build: run only when named or with --all

TEMPO = 60.0


def ours(position: str = "relative", **kw) -> MusicLM:
    cfg = dict(
        vocab_size=VOCAB,
        block_size=BLOCK,
        n_layer=DEPTH,
        n_head=HEADS,
        d_model=WIDTH,
        d_ff=FF,
        dropout=0.0,
        position=position,
        max_relative_distance=BLOCK,
    )
    cfg.update(kw)
    return MusicLM(MusicLMConfig(**cfg))


def gpt2():
    from transformers import GPT2Config, GPT2LMHeadModel

    cfg = GPT2Config(
        vocab_size=VOCAB,
        n_positions=BLOCK,
        n_embd=WIDTH,
        n_layer=DEPTH,
        n_head=HEADS,
        n_inner=FF,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        bos_token_id=0,
        eos_token_id=0,
    )
    return GPT2LMHeadModel(cfg)


# -- 1. training throughput -----------------------------------------------------------------------------


def _train_step_fn(model, is_hf: bool, bf16: bool):
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = torch.randint(0, VOCAB, (BATCH, BLOCK + 1), generator=torch.Generator().manual_seed(0))

    def step() -> float:
        t = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            if is_hf:
                loss = model(input_ids=x[:, :-1], labels=x[:, :-1]).loss
            else:
                loss = model(x[:, :-1], x[:, 1:])[1]
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return time.perf_counter() - t

    return step


def bench_training(rounds: int, steps: int, command: str) -> list[dict]:
    rows = []
    precisions = [False, True]
    if not bf16_supported(
        torch.device("cpu")
    ):  # emulated bf16 runs ~100x slower: not a measurement of anything
        logger.warning("this CPU has no native bf16: the bf16 autocast rows are kept from their own run")
        precisions = [False]
    for bf16 in precisions:
        fns = {
            "relative": _train_step_fn(ours("relative"), False, bf16),
            "absolute": _train_step_fn(ours("absolute"), False, bf16),
            "gpt2": _train_step_fn(gpt2(), True, bf16),
        }
        for fn in fns.values():
            fn()  # warm-up
        times = {k: [] for k in fns}
        for _ in range(rounds):  # alternate so that outside load hits every model alike
            for name, fn in fns.items():
                times[name] += [fn() for _ in range(steps)]
        tps = {k: BATCH * BLOCK / statistics.median(v) for k, v in times.items()}
        logger.info("training %s tokens/s: %s", "bf16" if bf16 else "fp32", tps)
        prec = "bf16 autocast" if bf16 else "fp32"
        for name in ("relative", "absolute"):
            rows.append(
                row(
                    f"training tokens/s, MusicLM {name} positions, {prec}",
                    tps[name],
                    "tokens/s",
                    command,
                    baseline="transformers GPT2LMHeadModel (same width/depth/heads/batch)",
                    baseline_value=tps["gpt2"],
                    goal=">= 1.0x" if name == "relative" else None,
                    notes=(
                        f"{DEPTH} layers, width {WIDTH}, {HEADS} heads, batch {BATCH}x{BLOCK}, "
                        f"{torch.get_num_threads()} threads, median of {rounds * steps} steps"
                    ),
                )
            )
    return rows


# -- 2. attention memory --------------------------------------------------------------------------------


class NaiveShawAttention(torch.nn.Module):
    """Shaw et al.'s relative attention as first written: gather an (L, L, D_h) tensor of embeddings."""

    def __init__(self, width: int, heads: int, max_dist: int) -> None:
        super().__init__()
        self.h, self.hd = heads, width // heads
        self.qkv = torch.nn.Linear(width, 3 * width)
        self.proj = torch.nn.Linear(width, width)
        self.rel = torch.nn.Parameter(
            torch.randn(max_dist, self.hd) * 0.02
        )  # shared by the heads, as in Shaw

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, w = x.shape
        q, k, v = (t.view(b, n, self.h, self.hd).transpose(1, 2) for t in self.qkv(x).split(w, 2))
        i, j = torch.arange(n)[:, None], torch.arange(n)[None, :]
        r = self.rel[(i - j).clamp(0, self.rel.shape[0] - 1)]  # (L, L, D_h): the O(L^2 D) tensor
        s = (q @ k.transpose(-1, -2) + torch.einsum("bhid,ijd->bhij", q, r)) / math.sqrt(self.hd)
        s = s.masked_fill(j > i, float("-inf"))
        return self.proj((s.softmax(-1) @ v).transpose(1, 2).reshape(b, n, w))


def _maxrss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure_memory(impl: str, length: int, grad: bool) -> int:
    """Run in a fresh process: the growth of peak RSS during one layer call."""
    torch.manual_seed(0)
    torch.set_num_threads(1)
    if impl == "naive":
        layer = NaiveShawAttention(WIDTH, HEADS, 2048)
    else:
        layer = ours("relative", n_layer=1, max_relative_distance=2048, block_size=2048).blocks[0].attn
    x = torch.randn(1, length, WIDTH, requires_grad=grad)
    layer(torch.randn(1, 8, WIDTH))  # load kernels before the baseline
    before = _maxrss_bytes()
    if grad:
        layer(x).sum().backward()
    else:
        with torch.no_grad():
            layer(x)
    return _maxrss_bytes() - before


def bench_memory(lengths: list[int], command: str) -> list[dict]:
    rows, table = [], {}
    for grad in (False, True):
        for n in lengths:
            got = {}
            for impl in ("skewed", "naive"):
                out = subprocess.run(
                    [sys.executable, __file__, "--memory-probe", impl, str(n), str(int(grad))],
                    env={**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"},
                    capture_output=True,
                    text=True,
                    timeout=600,
                )
                if out.returncode != 0:
                    raise RuntimeError(f"memory probe {impl} L={n} failed: {out.stderr[-500:]}")
                got[impl] = int(out.stdout.strip().splitlines()[-1]) / 2**20
            table[(grad, n)] = got
            mode = "forward + backward" if grad else "inference forward"
            rows.append(
                row(
                    f"peak memory of one relative-attention layer, L={n}, {mode}",
                    got["skewed"],
                    "MiB",
                    command,
                    baseline="naive Shaw-style layer ((L, L, D_h) tensor)",
                    baseline_value=got["naive"],
                    higher_is_better=False,
                    goal="linear growth, >= 10x less at 2048" if not grad and n == max(lengths) else None,
                    notes=(
                        f"batch 1, width {WIDTH}, {HEADS} heads, fp32; growth of peak RSS in a fresh process"
                    ),
                )
            )
    logger.info("memory (MiB): %s", table)
    return rows


# -- 3./4. sampling -------------------------------------------------------------------------------------


def _time_ours(model, batch: int, new: int) -> float:
    t = time.perf_counter()
    r = sample(model, max_new_tokens=new, batch_size=batch, seed=0, stop_tokens=[], loop_tokens=0, prompt=[1])
    dt = time.perf_counter() - t
    assert all(len(s) == new + 1 for s in r.tokens)
    return batch * new / dt


def _time_hf(model, batch: int, new: int) -> float:
    x = torch.ones(batch, 1, dtype=torch.long)
    t = time.perf_counter()
    with torch.no_grad():
        out = model.generate(
            x,
            attention_mask=torch.ones_like(x),
            max_new_tokens=new,
            min_new_tokens=new,
            do_sample=True,
            top_k=0,
            pad_token_id=0,
            eos_token_id=None,
        )
    dt = time.perf_counter() - t
    assert out.shape == (batch, new + 1)
    return batch * new / dt


def bench_sampling(rounds: int, new: int, command: str) -> list[dict]:
    rows = []
    mine, ref = ours("relative").eval(), gpt2().eval()
    for batch in (1, 16):
        _time_ours(mine, batch, 16)
        _time_hf(ref, batch, 16)
        a, b = [], []
        for _ in range(rounds):
            a.append(_time_ours(mine, batch, new))
            b.append(_time_hf(ref, batch, new))
        tps, hf = statistics.median(a), statistics.median(b)
        logger.info("sampling batch %d: ours %.0f tok/s, generate %.0f tok/s", batch, tps, hf)
        rows.append(
            row(
                f"sampling tokens/s with KV cache, batch {batch}, relative attention",
                tps,
                "tokens/s",
                command,
                baseline="transformers GPT-2 generate (same size, KV cache)",
                baseline_value=hf,
                goal=">= 1.0x",
                notes=(
                    f"{new} new tokens from a 1-token prompt, multinomial sampling, "
                    f"{torch.get_num_threads()} threads, median of {rounds}"
                ),
            )
        )
    # seconds of music per second of compute: the JSB model size, 4 tokens per 16th note
    jsb_model = MusicLM(
        MusicLMConfig(
            vocab_size=jsb.VOCAB_SIZE,
            bos_id=jsb.BOS,
            eos_id=jsb.EOS,
            **{**PRESETS["jsb-relative"]["model"], "position": "relative"},
        )
    ).eval()
    _time_ours(jsb_model, 1, 16)
    speeds = [_time_ours(jsb_model, 1, new) for _ in range(rounds)]
    tps = statistics.median(speeds)
    realtime = tps * jsb.seconds_per_token(TEMPO)
    rows.append(
        row(
            "seconds of music per second of compute, batch 1 (JSB model)",
            realtime,
            "x real time",
            command,
            goal=">= 20x real time",
            notes=(
                f"{tps:.0f} tokens/s with the jsb-relative preset's size; 4 tokens per 16th note at "
                f"{TEMPO:.0f} quarter notes per minute ({1 / jsb.seconds_per_token(TEMPO):.0f} tokens per "
                "second of music); the figure scales with 60/tempo"
            ),
        )
    )
    return rows


PARTS = ("memory", "training", "sampling")


def _tag(rows: list[dict], part: str) -> list[dict]:
    for r in rows:
        r["part"] = part
    return rows


def _part_of(r: dict) -> str:
    if "part" in r:
        return r["part"]
    return "memory" if "memory" in r["metric"] else "training" if "training" in r["metric"] else "sampling"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--memory-probe":
        print(measure_memory(argv[1], int(argv[2]), bool(int(argv[3]))))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument(
        "--parts", default=",".join(PARTS), help="which measurements to run (the others' rows are kept)"
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if args.threads:
        torch.set_num_threads(args.threads)
    parts = [p for p in args.parts.split(",") if p]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        ap.error(f"unknown part(s) {unknown}: choose from {', '.join(PARTS)}")
    command = "python bench/bench_model.py" + (" --quick" if args.quick else "")
    if args.threads:
        command += f" --threads {args.threads}"
    if set(parts) != set(PARTS):
        command += f" --parts {','.join(parts)}"
    rows = []
    if "memory" in parts:
        rows += _tag(bench_memory([512, 1024] if args.quick else [512, 1024, 2048], command), "memory")
    if "training" in parts:
        rows += _tag(
            bench_training(rounds=2 if args.quick else 4, steps=1 if args.quick else 3, command=command),
            "training",
        )
    if "sampling" in parts:
        rows += _tag(
            bench_sampling(rounds=1 if args.quick else 3, new=64 if args.quick else 256, command=command),
            "sampling",
        )
    previous = RESULTS / "model.json"
    if (
        previous.is_file()
    ):  # keep the rows not measured here (other parts, bf16 without bf16) from their own run
        old = json.loads(previous.read_text())
        if bool(old.get("quick")) == args.quick:
            new = {r["metric"] for r in rows}
            kept = [r for r in old["rows"] if r["metric"] not in new]
            when = f"measured {old['date'][:10]} on {old['machine'].get('cpu_model', '?')}"
            native = bf16_supported(torch.device("cpu"))
            for r in kept:
                if "measured 20" not in r.get("notes", ""):
                    also = (
                        "" if native or "bf16" not in r["metric"] else " (this run's CPU has no native bf16)"
                    )
                    r["notes"] = f"{r['notes']}; {when}{also}" if r.get("notes") else when + also
            rows = kept + rows
    path = write_result(
        "model", "MusicLM: training and sampling speed, relative-attention memory", rows, quick=args.quick
    )
    logger.info("wrote %s", path)
    print(
        json.dumps(
            [{k: r[k] for k in ("metric", "value", "baseline_value", "ratio")} for r in rows], indent=1
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
