"""Shared ground: errors that say where, registries, logging. Standard library only."""
