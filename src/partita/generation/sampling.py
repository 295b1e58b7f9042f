"""Sampling from a :class:`~partita.models.MusicLM` with a KV cache.

:func:`sample` draws a batch of continuations with temperature, top-k and top-p (nucleus) filtering from a
seeded generator. Termination is guaranteed: every sequence stops at a stop token (the model's end token by
default), at a bar budget (``bar`` token ids or a predicate, ``max_bars``), when a degenerate loop is
detected, or at ``max_new_tokens`` at the latest.

The loop detector looks for a periodic tail: if the last ``loop_tokens`` tokens repeat one pattern of at most
``loop_period`` tokens, the sequence is cut off. Music repeats itself on purpose (a held JSB chord repeats 4
tokens per 16th step), so the default span is long: 512 tokens is 8 bars of 4 voices held on one chord.

When a sequence reaches the model's ``block_size``, the context slides: the cache is rebuilt from the last
half block, so sampling may continue past the training context at the cost of one re-prefill per half block.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from partita.models import MusicLM
from partita.progress import ProgressCallback, report

logger = logging.getLogger(__name__)

STOP_REASONS = ("stop_token", "bars", "loop", "max_tokens")


@dataclass
class SampleResult:
    """Sampled sequences (prompt included) and why each one ended (one of :data:`STOP_REASONS`)."""

    tokens: list[list[int]]
    stop_reasons: list[str]
    new_tokens: int = 0  # tokens generated in total over the batch
    prompt_lengths: list[int] = field(default_factory=list)


def filter_logits(
    logits: torch.Tensor, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0
) -> torch.Tensor:
    """Logits (B, V) scaled by temperature with everything outside top-k / the top-p nucleus set to -inf."""
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    logits = logits.float() / temperature
    if top_k and top_k < logits.size(-1):
        kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p < 1.0:
        sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
        probs = torch.softmax(sorted_logits, dim=-1)
        # drop a token when the tokens before it already hold top_p of the mass (the first always stays)
        drop = probs.cumsum(-1) - probs >= top_p
        sorted_logits = sorted_logits.masked_fill(drop, float("-inf"))
        logits = torch.full_like(logits, float("-inf")).scatter(-1, order, sorted_logits)
    return logits


class LoopDetector:
    """Flags sequences whose last ``span`` tokens are periodic with a period of at most ``max_period``."""

    def __init__(self, batch: int, span: int, max_period: int) -> None:
        self.span, self.max_period = span, max_period
        self.history = np.full((batch, max_period), -1, dtype=np.int64)  # last tokens, newest at the end
        self.runs = np.zeros((batch, max_period), dtype=np.int64)  # run[p-1]: tokens equal to the one p back

    def update(self, tokens: np.ndarray) -> np.ndarray:
        """Feed one token per row; returns a bool mask of rows now in a loop."""
        back = self.history[:, ::-1]  # back[:, p-1] is the token p steps back
        same = (back == tokens[:, None]) & (back >= 0)
        self.runs = np.where(same, self.runs + 1, 0)
        self.history = np.concatenate([self.history[:, 1:], tokens[:, None]], axis=1)
        periods = np.arange(1, self.max_period + 1)
        return ((self.runs + periods[None, :]) >= self.span).any(axis=1)

    def select(self, keep: np.ndarray) -> None:
        self.history, self.runs = self.history[keep], self.runs[keep]


def _bar_predicate(bar: Iterable[int] | Callable[[int], bool] | None) -> Callable[[int], bool] | None:
    if bar is None or callable(bar):
        return bar
    ids = {int(t) for t in bar}
    return lambda t: t in ids


@torch.no_grad()
def sample(
    model: MusicLM,
    prompt: Sequence[int] | Sequence[Sequence[int]] | torch.Tensor | None = None,
    max_new_tokens: int = 1024,
    temperature: float = 1.0,
    top_k: int = 0,
    top_p: float = 1.0,
    seed: int | None = None,
    batch_size: int | None = None,
    stop_tokens: Iterable[int] | None = None,
    bar: Iterable[int] | Callable[[int], bool] | None = None,
    max_bars: int | None = None,
    loop_tokens: int = 512,
    loop_period: int = 64,
    progress: ProgressCallback | None = None,
    logits_processor: Callable[[list[list[int]], torch.Tensor], torch.Tensor] | None = None,
    keep_prefix: int = 0,
    suppress_tokens: Iterable[int] | None = None,
) -> SampleResult:
    """Sample continuations of ``prompt`` (one sequence, or a batch of equal-length ones; default: the BOS
    token).

    ``batch_size`` repeats a single prompt. ``stop_tokens`` defaults to the model's ``eos_id``; ``bar`` (token
    ids or a predicate on a token id) with ``max_bars`` stops a sequence after that many bars.
    ``logits_processor`` (e.g. :class:`partita.generation.rules.RuleSet`) sees the running sequences and the
    next-token logits and returns the logits to sample from; when finished sequences leave the batch, a
    processor with a ``select(keep)`` method is told the batch rows that stay (in order), so that it keeps its
    state per sequence and reads no sequence twice. ``keep_prefix`` leading tokens (a condition prefix) stay
    in the context when it slides past ``block_size``, as they do in training windows. ``suppress_tokens``
    are never drawn (as Hugging Face's ``suppress_tokens``: a fill-in-the-middle model's markers in free
    sampling). Returns every sequence with its prompt and the reason it stopped.
    """
    if max_new_tokens <= 0:
        raise ValueError(f"max_new_tokens must be positive, got {max_new_tokens}")
    if not 0.0 < top_p <= 1.0:
        raise ValueError(f"top_p must be in (0, 1], got {top_p}")
    if top_k < 0:
        raise ValueError(f"top_k must not be negative, got {top_k}")
    if max_bars is not None and bar is None:
        raise ValueError("max_bars needs bar: the token ids (or a predicate) that start a bar")
    cfg = model.config
    rows = _prompt_rows(prompt, cfg.bos_id, batch_size)
    vocab = cfg.vocab_size
    for r in rows:
        if any(not 0 <= t < vocab for t in r):
            raise ValueError(f"prompt token ids must be in [0, {vocab})")
    stops = {
        int(t)
        for t in (
            stop_tokens if stop_tokens is not None else ([cfg.eos_id] if cfg.eos_id is not None else [])
        )
    }
    is_bar = _bar_predicate(bar)
    device = next(model.parameters()).device
    gen = torch.Generator(device=device)
    gen.manual_seed(int(seed) if seed is not None else int(torch.randint(0, 2**62, (1,)).item()))
    suppressed = sorted({int(t) for t in suppress_tokens or () if 0 <= int(t) < vocab})
    if suppressed:
        logits_processor = _Suppressing(suppressed, logits_processor)
    was_training = model.training
    model.eval()
    try:
        return _sample_loop(
            model,
            rows,
            max_new_tokens,
            temperature,
            top_k,
            top_p,
            gen,
            stops,
            is_bar,
            max_bars,
            loop_tokens,
            loop_period,
            progress,
            device,
            logits_processor,
            max(0, min(int(keep_prefix), cfg.block_size // 4)),
        )
    finally:
        model.train(was_training)


def _prompt_rows(prompt, bos_id: int | None, batch_size: int | None) -> list[list[int]]:
    if prompt is None:
        if bos_id is None:
            raise ValueError("no prompt given and the model has no bos_id to start from")
        rows = [[int(bos_id)]]
    elif isinstance(prompt, torch.Tensor):
        rows = [prompt.tolist()] if prompt.dim() == 1 else prompt.tolist()
    elif len(prompt) and isinstance(prompt[0], (list, tuple, np.ndarray, torch.Tensor)):
        rows = [[int(t) for t in r] for r in prompt]
    else:
        rows = [[int(t) for t in prompt]]
    if not rows or any(len(r) == 0 for r in rows):
        raise ValueError("a prompt must hold at least one token")
    if len({len(r) for r in rows}) > 1:
        raise ValueError("prompts of one batch must have the same length (sample them in separate calls)")
    if batch_size is not None:
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        if len(rows) == 1:
            rows = rows * batch_size
        elif len(rows) != batch_size:
            raise ValueError(f"batch_size {batch_size} does not match the {len(rows)} prompts given")
    return rows


class _Suppressing:
    """Ids that are never drawn, then the processor it wraps (whose ``select`` it passes on)."""

    def __init__(self, ids: list[int], inner: Callable | None) -> None:
        self.ids, self.inner = ids, inner

    def __call__(self, seqs: list[list[int]], logits: torch.Tensor) -> torch.Tensor:
        logits = logits.clone()
        logits[:, self.ids] = float("-inf")
        return self.inner(seqs, logits) if self.inner is not None else logits

    def select(self, keep: list[int]) -> None:
        if hasattr(self.inner, "select"):
            self.inner.select(keep)


def _sample_loop(
    model,
    rows,
    max_new,
    temperature,
    top_k,
    top_p,
    gen,
    stops,
    is_bar,
    max_bars,
    loop_tokens,
    loop_period,
    progress,
    device,
    logits_processor=None,
    keep_prefix: int = 0,
) -> SampleResult:
    block = model.config.block_size
    n = len(rows)
    seqs = [list(r) for r in rows]
    reasons: list[str | None] = [None] * n
    bars = [0] * n
    active = list(range(n))  # batch row -> sequence index
    detector = LoopDetector(n, loop_tokens, loop_period) if loop_tokens > 0 else None
    cache, logits = _prefill(model, [seqs[i] for i in active], block, device, keep_prefix)
    generated = 0
    for step in range(max_new):
        if logits_processor is not None:
            logits = logits_processor([seqs[i] for i in active], logits)
        probs = torch.softmax(filter_logits(logits, temperature, top_k, top_p), dim=-1)
        nxt = torch.multinomial(probs, 1, generator=gen)[:, 0]
        toks = nxt.tolist()
        generated += len(toks)
        loops = detector.update(np.asarray(toks)) if detector is not None else np.zeros(len(toks), dtype=bool)
        keep = []
        for row, (i, t) in enumerate(zip(active, toks, strict=True)):
            seqs[i].append(t)
            if t in stops:
                reasons[i] = "stop_token"
            elif is_bar is not None and is_bar(t):
                bars[i] += 1
                if max_bars is not None and bars[i] >= max_bars:
                    reasons[i] = "bars"
            if reasons[i] is None and loops[row]:
                reasons[i] = "loop"
                logger.info("sequence %d cut off: its last %d tokens repeat one pattern", i, loop_tokens)
            if reasons[i] is None:
                keep.append(row)
        if step % 32 == 0:
            report(progress, step, max_new, f"{len(keep)} of {n} sequences running")
        if not keep or step == max_new - 1:
            break
        if len(keep) < len(active):  # drop finished rows from the batch and the cache
            index = torch.tensor(keep, device=device)
            cache.select(index)
            nxt = nxt.index_select(0, index)
            if detector is not None:
                detector.select(np.asarray(keep))
            if hasattr(logits_processor, "select"):  # it keeps a state per sequence: tell it which stay
                logits_processor.select(keep)
            active = [active[r] for r in keep]
        if (
            cache.length + 1 > block
        ):  # slide the context: rebuild the cache from the prefix and the last half block
            tail = block // 2 - keep_prefix
            context = [seqs[i][:keep_prefix] + seqs[i][-tail:] for i in active]
            cache, logits = _prefill(model, context, block, device)
        else:
            out, _ = model(nxt[:, None], cache=cache)
            logits = out[:, -1]
    for i in range(n):
        if reasons[i] is None:
            reasons[i] = "max_tokens"
    report(progress, max_new, max_new, "done")
    return SampleResult(seqs, [str(r) for r in reasons], generated, [len(r) for r in rows])


def _prefill(model: MusicLM, rows: list[list[int]], block: int, device, keep_prefix: int = 0) -> tuple:
    """The cache and next-token logits after ``rows``; a row longer than the block keeps its first
    ``keep_prefix`` tokens and its last ones up to half a block, as the context slides in sampling."""
    tail = block // 2 - keep_prefix
    rows = [r if len(r) <= block else r[:keep_prefix] + r[len(r) - tail :] for r in rows]
    x = torch.tensor(rows, dtype=torch.long, device=device)
    cache = model.new_cache(x.shape[0], block)
    out, _ = model(x, cache=cache)
    return cache, out[:, -1]
