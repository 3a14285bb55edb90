"""Ranking primitives checked against hand computation and brute force."""

import numpy as np
import pytest

from medora.index.lexical_tantivy import safe_query
from medora.index.vectors_numpy import NumpyVectors
from medora.retrieve import rrf


def test_rrf_matches_hand_computed_fusion():
    lists = [np.array([10, 20, 30]), np.array([20, 40]), np.array([30, 10, 20])]
    fused = rrf(lists, k=60)
    assert fused == {
        10: pytest.approx(1 / 61 + 1 / 62),
        20: pytest.approx(1 / 62 + 1 / 61 + 1 / 63),
        30: pytest.approx(1 / 63 + 1 / 61),
        40: pytest.approx(1 / 62),
    }
    assert sorted(fused, key=lambda r: -fused[r]) == [20, 10, 30, 40]


def test_numpy_vectors_match_brute_force_cosine():
    rng = np.random.default_rng(7)
    matrix = rng.normal(size=(500, 16)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    rowids = np.arange(1000, 1500, dtype=np.int64)
    query = matrix[42] + 0.1 * rng.normal(size=16).astype(np.float32)
    query /= np.linalg.norm(query)
    ids, scores = NumpyVectors(rowids, matrix).search(query, 5)
    cosine = [float(m @ query) for m in matrix]
    expected = sorted(range(500), key=lambda i: -cosine[i])[:5]
    assert ids.tolist() == [1000 + i for i in expected]
    assert np.allclose(scores, [cosine[i] for i in expected], atol=1e-6)


def test_numpy_vectors_empty():
    ids, scores = NumpyVectors(np.zeros(0, dtype=np.int64), np.zeros((0, 4), dtype=np.float32)).search(
        np.ones(4, dtype=np.float32), 3
    )
    assert ids.tolist() == [] and scores.tolist() == []


@pytest.mark.parametrize(
    "raw, safe",
    [
        ("HbA1c <7%", "hba1c 7"),
        ('he said "unbalanced', "he said unbalanced"),
        ("(((", ""),
        ("AND OR NOT", "and or not"),
        ("title:her2", "title her2"),
        ("T-DM1 + pertuzumab?", "t dm1 pertuzumab"),
    ],
)
def test_safe_query_strips_parser_syntax(raw, safe):
    assert safe_query(raw) == safe
