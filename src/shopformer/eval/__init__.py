"""Offline evaluation: splits, ranking protocols, baselines, report rows for benchmarks/."""
