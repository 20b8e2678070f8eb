"""Graded functions implement the math themselves: library shortcuts are not accepted.

SciPy and scikit-learn are installed (assignment 06 compares its model with
scikit-learn's), so ``scipy.special.expit`` would be a one-word sigmoid.  Two
layers keep graded cells honest:

* **Early, in words** (``expect_own_code``, called by the visible tests): the
  function, the functions it calls, its closure and its default arguments are
  inspected for objects of a forbidden package, and the test fails with, for
  example, "implement the sigmoid yourself; scipy.special.expit is not
  allowed here".  Nothing is run: inspection never imports a package.
* **Where it cannot be bypassed** (the trusted grader): while grading, the
  packages' directories are hidden from the kernel (autograder.grade), and
  the grader names them in ``COURSE_FORBIDDEN_PACKAGES``.  ``import_guard``
  (installed when ``course`` is imported, a no-op unless that variable is
  set) then answers an import of such a package with a placeholder whose
  every use raises the same message, so a student reads why instead of a bare
  "No module named scipy.special".

Which packages each assignment forbids is a course setting
(``c.CourseIntegrity.forbidden_packages`` in ``nbgrader_config.py``);
``DEFAULT_FORBIDDEN`` is its default and what the visible tests use.
"""
from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys
import types

__all__ = ["DEFAULT_FORBIDDEN", "expect_own_code", "forbidden_uses", "package_dirs", "shortcut_message"]

DEFAULT_FORBIDDEN = ("scipy", "sklearn")
ENV = "COURSE_FORBIDDEN_PACKAGES"

# What a shortcut stands for, in the words of the exercise it would replace.
_WHAT = {
    "expit": "the sigmoid", "log_expit": "log_sigmoid", "logit": "the logit", "softmax": "softmax",
    "log_softmax": "log_softmax", "logsumexp": "log-sum-exp", "xlogy": "the log-likelihood",
    "LogisticRegression": "logistic regression", "SGDClassifier": "the classifier",
    "confusion_matrix": "the confusion matrix", "precision_score": "precision",
    "recall_score": "recall", "precision_recall_fscore_support": "precision and recall",
    "accuracy_score": "accuracy", "train_test_split": "the split", "log_loss": "the NLL",
    "minimize": "the fit", "StandardScaler": "standardize",
}
# numpy has no ufunc of these names: one found in a notebook came from scipy.special.
_SCIPY_UFUNCS = {"expit", "log_expit", "logit", "xlogy", "xlog1py", "log_ndtr", "ndtr"}


def shortcut_message(qualname: str) -> str:
    leaf = qualname.rsplit(".", 1)[-1]
    what = _WHAT.get(leaf, "this function")
    return f"implement {what} yourself; {qualname} is not allowed here"


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def _origin(value, packages) -> str | None:
    """The dotted name of ``value`` if it belongs to a forbidden package, else None."""
    if isinstance(value, _Forbidden):
        return value._qualname
    if isinstance(value, types.ModuleType):
        name = getattr(value, "__name__", "") or ""
        return name if _top(name) in packages else None
    module = getattr(value, "__module__", None)
    if not isinstance(module, str):
        module = type(value).__module__
    if isinstance(module, str) and _top(module) in packages:
        public = ".".join(p for p in module.split(".") if not p.startswith("_"))
        return f"{public}.{getattr(value, '__name__', type(value).__name__)}"
    if type(value).__name__ == "ufunc" and "scipy" in packages:
        name = getattr(value, "__name__", "")
        if name in _SCIPY_UFUNCS:
            return f"scipy.special.{name}"
    return None


def _codes(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


def _follow(module, names: list, start: int) -> str:
    """``scipy`` followed by the names after it in the code (special, expit): scipy.special.expit."""
    qualname, obj = module.__name__, module
    for name in names[start + 1:]:
        try:
            obj = getattr(obj, name)
        except Exception:
            break
        qualname += "." + name
        if not isinstance(obj, types.ModuleType):
            break
    return qualname


def forbidden_uses(fn, packages=DEFAULT_FORBIDDEN) -> list[tuple[str, str]]:
    """(qualified name of the shortcut, the function that uses it), for ``fn`` and
    every plain Python function it reaches through its globals."""
    packages = set(packages)
    found, seen, todo = [], set(), [fn]
    while todo:
        f = todo.pop()
        f = getattr(f, "__wrapped__", f)
        code = getattr(f, "__code__", None)
        if code is None or id(f) in seen:
            continue
        seen.add(id(f))
        owner = getattr(f, "__name__", "?")
        scope = getattr(f, "__globals__", {})
        values = [c.cell_contents for c in (getattr(f, "__closure__", None) or ()) if _filled(c)]
        values += list(getattr(f, "__defaults__", None) or ())
        for value in values:
            where = _origin(value, packages)
            if where:
                found.append((where, owner))
            elif isinstance(value, types.FunctionType):
                todo.append(value)
        for c in _codes(code):
            names = list(c.co_names)
            for i, name in enumerate(names):
                if "." in name or (name in packages and name not in scope):
                    # an import inside the function: import scipy.special / from sklearn import ...
                    if _top(name) in packages:
                        leaf = names[i + 1] if i + 1 < len(names) else ""
                        found.append((name + ("." + leaf if leaf and leaf in _WHAT else ""), owner))
                    continue
                if name not in scope:
                    continue
                value = scope[name]
                where = _origin(value, packages)
                if where and isinstance(value, types.ModuleType):
                    where = _follow(value, names, i)
                if where:
                    found.append((where, owner))
                elif isinstance(value, types.FunctionType) and value.__module__ == getattr(f, "__module__", None):
                    todo.append(value)  # another function of the notebook, e.g. the student's gradient
    unique = []
    for item in found:
        if item not in unique:
            unique.append(item)
    return unique


def _filled(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


def expect_own_code(fn, packages=None) -> None:
    """Fail, in words, when a graded function uses a library shortcut of a forbidden package."""
    if packages is None:
        env = os.environ.get(ENV)
        packages = tuple(p for p in env.split(",") if p) if env else DEFAULT_FORBIDDEN
    uses = forbidden_uses(fn, packages)
    if uses:
        qualname, owner = uses[0]
        name = getattr(fn, "__name__", "this function")
        via = "" if owner == name else f" (your {name} calls {owner}, which uses it)"
        raise AssertionError(shortcut_message(qualname) + via
                             + ". Graded functions implement the math with numpy.")


def package_dirs(packages) -> list[str]:
    """The directories holding the packages (found without importing them)."""
    out = []
    for name in packages:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is not None:
            out.extend(spec.submodule_search_locations or [os.path.dirname(spec.origin or "")])
    return [p for p in out if p]


# --- while grading: imports of a forbidden package explain themselves -------------------
class _Forbidden:
    """What a forbidden import gives while grading: any call says why it is refused."""

    def __init__(self, qualname: str):
        self._qualname = qualname

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Forbidden(f"{self._qualname}.{name}")

    def __call__(self, *args, **kwargs):
        raise ImportError(shortcut_message(self._qualname))

    def __repr__(self):
        return f"<{self._qualname}: not available while grading>"


class _Placeholder(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Forbidden(f"{self.__name__}.{name}")


class _Guard(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        env = os.environ.get(ENV, "")
        if env and _top(fullname) in env.split(","):
            return importlib.util.spec_from_loader(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        return _Placeholder(spec.name)

    def exec_module(self, module):
        module.__path__ = []


def import_guard() -> None:
    """Install the guard once, first on sys.meta_path (it acts only while grading)."""
    if not any(isinstance(f, _Guard) for f in sys.meta_path):
        sys.meta_path.insert(0, _Guard())
