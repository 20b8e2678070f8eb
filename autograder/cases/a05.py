"""Hidden checks of assignment 05 (not written yet)."""
