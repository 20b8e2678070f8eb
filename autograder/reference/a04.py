"""Reference implementations of assignment 04 (not written yet)."""
__all__ = []
