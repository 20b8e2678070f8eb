"""Hidden checks of assignment 02 (not written yet)."""
