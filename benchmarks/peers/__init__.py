"""Peer systems trained on exactly our splits, for the scripts in benchmarks/."""
