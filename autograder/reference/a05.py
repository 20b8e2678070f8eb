"""Reference implementations of assignment 05 (not written yet)."""
__all__ = []
