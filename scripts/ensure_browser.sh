#!/usr/bin/env bash
# Make sure the browser tests (tests/browser, pytest -m browser) can run:
#   * Debian's `chromium` package (Playwright drives it through
#     executable_path=/usr/bin/chromium; no Playwright browser download), and
#   * the `playwright` Python package in the project's venv.
# Idempotent: does nothing when both are already present.
# Environment: VENV (default: <repo>/.venv), CHROMIUM (default: /usr/bin/chromium).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
PY="$VENV/bin/python"

fail() { echo "ensure_browser: ERROR: $*" >&2; exit 1; }

[ -x "$PY" ] || fail "no Python at $PY (create the venv first, or set VENV=...)"

# --- chromium from Debian ---------------------------------------------------
if [ -x "$CHROMIUM" ]; then
    echo "ensure_browser: chromium present: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
else
    command -v apt-get >/dev/null 2>&1 \
        || fail "$CHROMIUM is missing and apt-get is not available; install Chromium and set CHROMIUM=/path/to/chromium"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || fail "$CHROMIUM is missing; installing it needs root (or sudo)"
        SUDO="sudo"
    fi
    echo "ensure_browser: installing Debian's chromium package..."
    $SUDO apt-get update -q || fail "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium \
        || fail "apt-get install chromium failed"
    [ -x "$CHROMIUM" ] || fail "chromium was installed but $CHROMIUM does not exist (set CHROMIUM=...)"
    echo "ensure_browser: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
fi

# --- the playwright Python package (the driver only; never its browsers) ------
if "$PY" -c "import playwright.sync_api" >/dev/null 2>&1; then
    echo "ensure_browser: playwright present: $("$PY" -m pip show playwright 2>/dev/null | sed -n 's/^Version: //p')"
else
    echo "ensure_browser: installing the playwright Python package into $VENV..."
    "$PY" -m pip install -q "playwright>=1.40" || fail "pip install playwright failed"
    "$PY" -c "import playwright.sync_api" || fail "playwright installed but cannot be imported"
fi

# A quick smoke check: can Playwright launch this Chromium headless?
if [ "${ENSURE_BROWSER_SMOKE:-1}" = "1" ]; then
    "$PY" - "$CHROMIUM" <<'PYEOF' || fail "Playwright could not launch $CHROMIUM (see the error above)"
import sys, tempfile
from playwright.sync_api import sync_playwright
with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
    ctx = p.chromium.launch_persistent_context(
        profile, executable_path=sys.argv[1], headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync"])
    page = ctx.new_page()
    page.set_content("<p id=ok>ok</p>")
    assert page.inner_text("#ok") == "ok"
    ctx.close()
print("ensure_browser: Playwright launched chromium headless: OK")
PYEOF
fi
