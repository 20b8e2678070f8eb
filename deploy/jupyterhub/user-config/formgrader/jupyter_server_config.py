"""Jupyter Server config for the formgrader service.

JupyterHub >= 4.1 makes single-user servers send
`Content-Security-Policy: frame-ancestors 'none'` unless the server sets its
own; nbgrader's Lab extension shows the formgrader in an iframe of this same
server, so allow framing by the same origin (only here, not on students'
servers).
"""
c = get_config()  # noqa: F821

c.ServerApp.tornado_settings = {
    "headers": {"Content-Security-Policy": "frame-ancestors 'self'"},
}
c.ServerApp.jpserver_extensions = {
    "nbgrader": True,
}
