"""Sandboxed, pre-warmed notebook execution for the trusted grader.

    from autograder.sandbox import Executor, SandboxConfig
    with Executor(SandboxConfig(cell_timeout=60, hide=[...]), jobs=2) as ex:
        res = ex.run(nb, files_dir=submission_dir, handler=grader_handler)

See ``executor`` (grader side), ``_zygote`` (the fork server) and ``_kernel``
(init + kernel inside the namespaces) for why each guarantee holds.
"""
from .executor import (
    CellRun,
    ExecutionResult,
    Executor,
    FeatureReport,
    SandboxConfig,
    SandboxUnavailable,
    sandbox_report,
)

__all__ = ["CellRun", "ExecutionResult", "Executor", "FeatureReport", "SandboxConfig",
           "SandboxUnavailable", "sandbox_report"]
