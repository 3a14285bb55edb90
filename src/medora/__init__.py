"""Medora: an evidence-based clinical answer engine."""

__version__ = "0.1.0"
