"""Evaluation: the field's metrics for generated music, control adherence, reports and the benchmark harness.

- :mod:`~partita.evaluation.metrics`: MusPy's per-piece metrics (entropy, scale and groove consistency, ...);
- :mod:`~partita.evaluation.distribution`: Yang & Lerch's features and the overlapped area / KL divergence of
  intra- and inter-set distance distributions (mgeval's method);
- :mod:`~partita.evaluation.compression`: COSIATEC's compression ratio (repetition and structure);
- :mod:`~partita.evaluation.tension`: Herremans and Chew's tonal tension on the spiral array;
- :mod:`~partita.evaluation.adherence`: TB/TBT, CK/CKD, meter, instruments, chords, density correlations;
- :mod:`~partita.evaluation.report`: ``evaluate`` and ``write_report`` (JSON + Markdown + PNG);

Definitions, references and where partita differs from the reference code: docs/EVALUATION.md.
"""

from partita.evaluation.adherence import Controls, Measured, measure, piece_adherence, set_adherence
from partita.evaluation.compression import compression_ratio, cosiatec
from partita.evaluation.distribution import (
    SetComparison,
    compare_sets,
    kl_divergence,
    overlap_area,
    piece_features,
)
from partita.evaluation.metrics import PieceMetrics, piece_metrics
from partita.evaluation.report import evaluate, read_prompts, read_scores, write_report
from partita.evaluation.tension import Tension, tonal_tension

__all__ = [
    "Controls",
    "Measured",
    "PieceMetrics",
    "SetComparison",
    "Tension",
    "compare_sets",
    "compression_ratio",
    "cosiatec",
    "evaluate",
    "kl_divergence",
    "measure",
    "overlap_area",
    "piece_adherence",
    "piece_features",
    "piece_metrics",
    "read_prompts",
    "read_scores",
    "set_adherence",
    "tonal_tension",
    "write_report",
]
