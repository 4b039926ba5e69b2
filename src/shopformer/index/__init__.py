"""Nearest-neighbour indexes over vectors (faiss)."""
