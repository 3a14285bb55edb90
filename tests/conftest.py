"""Shared test fixtures: real slices of ../shared, never invented text."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
PUBMEDQA = SHARED / "eval" / "pubmedqa" / "ori_pqal.json"


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, monkeypatch):
    """Every test gets its own data directory; nothing leaks into ./.medora."""
    for name in ("MEDORA_CORPUS", "MEDORA_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MEDORA_DATA", str(tmp_path / "medora-data"))
