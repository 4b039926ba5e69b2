"""Ranking and classification metrics, pure numpy."""
