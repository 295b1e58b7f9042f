"""The one dynamic programme that key regions and chords share: the best state path when changes cost.

Both :func:`partita.analysis.key.key_segments` (keys over bars) and :mod:`partita.analysis.chords` (chords
over beats) score every state at every step and then want the path that maximises the summed scores minus a
cost per change of state. With one uniform cost per step the recursion needs only the best previous state, so
it runs in O(steps x states) instead of the O(steps x states^2) of a general HMM (librosa's
``sequence.viterbi`` would take a full transition matrix, and is not a dependency).
"""

from __future__ import annotations

import numpy as np


def viterbi_path(scores: np.ndarray, change_cost: float | np.ndarray) -> np.ndarray:
    """The state per step (``steps x states`` ``scores``) maximising the summed scores minus change costs.

    ``change_cost`` is one number or one per step (the cost of changing state on arriving at that step; the
    first entry is unused). Ties keep the current state.
    """
    n, s = scores.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    cost = np.broadcast_to(np.asarray(change_cost, dtype=float), (n,))
    back = np.zeros((n, s), dtype=np.int32)
    acc = scores[0].astype(float, copy=True)
    idx = np.arange(s, dtype=np.int32)
    for t in range(1, n):
        j = int(acc.argmax())
        switch = acc[j] - cost[t]
        keep = acc >= switch
        back[t] = np.where(keep, idx, j)
        acc = np.where(keep, acc, switch) + scores[t]
    path = np.empty(n, dtype=np.int64)
    path[-1] = int(acc.argmax())
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path
