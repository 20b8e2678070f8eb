"""Catalogue of assignment 02 (not written yet)."""
WRONG = {}
CORRECT = {}
