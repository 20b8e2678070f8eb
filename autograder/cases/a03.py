"""Hidden checks of assignment 03 (not written yet)."""
