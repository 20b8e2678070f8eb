"""Catalogue of assignment 04 (not written yet)."""
WRONG = {}
CORRECT = {}
