"""Jupyter Server config for the formgrader service.

**Content-Security-Policy.**  Graders look at students' notebooks here, in
the grader account's own origin: a student script running in this page could
use the grader's session (the contents API writes `nbgrader_config.py`, which
the next grading run executes).  The first line of defence is that no
student-made active content reaches `autograded/` or `feedback/`, and that
formgrader neutralises a notebook again as it renders it (autograder/sanitize.py,
hooked in by the course's nbgrader_config.py).  This policy is the second,
for whatever gets through anyway:

* `script-src-attr` allows only the five inline handlers formgrader's own
  templates use (by hash): no `onerror=` / `onload=` from a notebook runs;
* `connect-src`, `img-src`, `font-src`, `media-src`: this origin (plus
  `data:`/`blob:` images, and the CDN formgrader loads MathJax from), so a
  script cannot send what it read to another origin by fetch, XHR, WebSocket,
  beacon or image;
* `object-src 'none'`, `base-uri 'self'`, `form-action 'self'`;
* `frame-ancestors 'self'`: JupyterHub >= 4.1 sends `frame-ancestors 'none'`
  unless the server sets its own, and nbgrader's Lab extension shows the
  formgrader in an iframe of this same server (only here, not on students'
  servers).

What it cannot do: formgrader's pages and JupyterLab run inline `<script>`
blocks whose text changes with every page (submission ids), so `script-src`
keeps `'unsafe-inline'` (Jupyter has no nonces); an inline `<script>` or a
`javascript:` link in a rendered notebook would run, which is why the
neutralising comes first.  Top-level navigation to another site is not
covered by CSP either.  tests/browser/test_formgrader_xss.py checks both
layers in Chromium, and that JupyterLab and formgrader work under the policy.
"""
import base64
import hashlib

c = get_config()  # noqa: F821

# The inline event handlers of formgrader's own templates (nbgrader 0.9), allowed
# by hash; tests/deploy/test_csp.py fails when nbgrader's templates have others.
FORMGRADER_HANDLERS = ("toggle_name(true);", "toggle_name(false);", "toggleAllNames()",
                       "createAssignmentModal();", "createStudentModal();")
MATHJAX_CDN = "https://cdnjs.cloudflare.com"   # nbconvert's templates load MathJax from there


def _sha256(text):
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    # JupyterLab compiles its settings schemas at run time (ajv: new Function)
    f"script-src 'self' 'unsafe-inline' 'unsafe-eval' {MATHJAX_CDN}",
    "script-src-attr 'unsafe-hashes' " + " ".join(map(_sha256, FORMGRADER_HANDLERS)),
    f"style-src 'self' 'unsafe-inline' {MATHJAX_CDN}",
    "img-src 'self' data: blob:",
    f"font-src 'self' data: {MATHJAX_CDN}",
    "connect-src 'self'",
    "media-src 'self'",
    "worker-src 'self' blob:",
    "frame-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
])

c.ServerApp.tornado_settings = {
    "headers": {"Content-Security-Policy": CONTENT_SECURITY_POLICY},
}
c.ServerApp.jpserver_extensions = {
    "nbgrader": True,
}
