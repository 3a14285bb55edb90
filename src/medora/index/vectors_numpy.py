"""Exact cosine search over an in-memory float32 matrix.

At ~100k passages x 384 dimensions a full matrix-vector product takes a few
milliseconds on this machine, so no approximate index is needed here; the
PostgreSQL backend brings HNSW for corpora that outgrow one machine.
"""

from __future__ import annotations

import numpy as np


class NumpyVectors:
    """Rows of L2-normalised vectors keyed by passage rowid."""

    def __init__(self, rowids: np.ndarray, matrix: np.ndarray):
        self.rowids = rowids
        self.matrix = matrix

    def __len__(self) -> int:
        return len(self.rowids)

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` rowids by cosine similarity (vectors are normalised, so a dot product)."""
        if len(self.rowids) == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores = self.matrix @ vector.astype(np.float32)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return self.rowids[top], scores[top]
