"""Catalogue of assignment 03 (not written yet)."""
WRONG = {}
CORRECT = {}
