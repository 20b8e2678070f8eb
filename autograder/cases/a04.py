"""Hidden checks of assignment 04 (not written yet)."""
