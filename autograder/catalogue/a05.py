"""Catalogue of assignment 05 (not written yet)."""
WRONG = {}
CORRECT = {}
