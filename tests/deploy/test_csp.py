"""The Content-Security-Policy of the formgrader service and instructors' servers
(deploy/jupyterhub/user-config/): what it must say, read from the real config
files as Jupyter Server loads them.  Chromium enforces it in
tests/browser/test_formgrader_xss.py."""
from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import nbgrader
from traitlets.config.loader import PyFileConfigLoader

USER_CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "jupyterhub" / "user-config"
FORMGRADER_TEMPLATES = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
HANDLER = re.compile(r"""\son[a-z]+=["']([^"']*)["']""", re.IGNORECASE)


def policy(role: str) -> dict[str, list[str]]:
    config = PyFileConfigLoader("jupyter_server_config.py", path=str(USER_CONFIG / role)).load_config()
    header = config.ServerApp.tornado_settings["headers"]["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in header.split(";")) if d}


def test_the_policy_of_formgrader_and_instructors():
    for role, ancestors in (("formgrader", ["'self'"]), ("instructor", ["'none'"])):
        csp = policy(role)
        assert csp["frame-ancestors"] == ancestors
        for directive in ("connect-src", "default-src", "base-uri", "form-action", "media-src"):
            assert csp[directive] == ["'self'"], (role, directive)
        assert csp["object-src"] == ["'none'"]
        assert "'unsafe-inline'" not in csp["script-src-attr"]
        for directive in ("img-src", "font-src", "style-src", "script-src"):
            # no wildcard, no other origin but the MathJax CDN nbconvert's pages load
            others = [s for s in csp[directive] if not s.startswith("'") and s not in ("data:", "blob:")]
            assert others in ([], ["https://cdnjs.cloudflare.com"]), (role, directive, others)


def test_every_inline_handler_of_formgrader_is_allowed_by_hash():
    """nbgrader's own templates keep working; a new handler in a newer nbgrader fails here."""
    handlers = set()
    for path in FORMGRADER_TEMPLATES.rglob("*"):
        if path.suffix in (".tpl", ".j2", ".html", ".js") and "node_modules" not in path.parts:
            handlers.update(HANDLER.findall(path.read_text(errors="replace")))
    assert "toggle_name(true);" in handlers   # the scan finds them
    allowed = set(policy("formgrader")["script-src-attr"])
    for handler in handlers:
        digest = base64.b64encode(hashlib.sha256(handler.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed, handler
