"""Generation: sampling from a :class:`~partita.models.MusicLM` with a KV cache."""

from partita.generation.sampling import STOP_REASONS, LoopDetector, SampleResult, filter_logits, sample

__all__ = ["STOP_REASONS", "LoopDetector", "SampleResult", "filter_logits", "sample"]
