"""Figures of assignment 02 (not written yet)."""
__all__ = []
