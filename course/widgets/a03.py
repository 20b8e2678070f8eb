"""Explorers of assignment 03 (not written yet)."""
__all__ = []
