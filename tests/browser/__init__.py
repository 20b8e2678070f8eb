"""Browser tests: release notebooks in JupyterLab, driven by Playwright (pytest -m browser)."""
