"""Tests of the sandboxed notebook executor (autograder.sandbox).

Real processes, real namespaces, no mocks.  Needs root on Linux; skipped otherwise.
"""
from __future__ import annotations

import ast
import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.sandbox import (
    CellRun,
    ExecutionResult,
    Executor,
    SandboxConfig,
    SandboxUnavailable,
    sandbox_report,
)

REPORT = sandbox_report()
pytestmark = pytest.mark.skipif(
    not all(REPORT.get(k) for k in ("root", "user_switch", "mount_ns", "pid_ns", "net_ns")),
    reason=f"sandbox features unavailable: {REPORT.reasons}",
)

AUTOGRADER_DIR = Path(__file__).resolve().parents[2] / "autograder"
UID_BASE = 64000


def nb_of(*sources, markdown_first=False):
    cells = [new_code_cell(s) for s in sources]
    if markdown_first:
        cells.insert(0, new_markdown_cell("# title"))
    return new_notebook(cells=cells)


def text(cell, name="stdout"):
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == name)


def errors(cell):
    return [o for o in cell.outputs if o.output_type == "error"]


def sandbox_pids(uids):
    """Processes on the host owned by one of ``uids`` (read from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            uid = os.stat(f"/proc/{entry}").st_uid
        except FileNotFoundError:
            continue
        if uid in uids:
            found.append((int(entry), uid))
    return found


@pytest.fixture(scope="module")
def ex():
    cfg = SandboxConfig(cell_timeout=3, memory_bytes=1 << 30, cpu_seconds=60, max_restarts=10)
    with Executor(cfg, jobs=2) as executor:
        yield executor


@pytest.fixture(scope="module")
def secrets():
    """A secret dir and file outside /tmp, /root and /home (which the sandbox replaces
    anyway, and where a clone of this repository may live), plus a visible control."""
    Path("/srv").mkdir(exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="sandbox-secrets-", dir="/srv"))
    (base / "hidden_dir").mkdir()
    (base / "hidden_dir" / "answers.txt").write_text("SECRET-DIR")
    (base / "hidden_file.txt").write_text("SECRET-FILE")
    (base / "visible").mkdir()
    (base / "visible" / "ok.txt").write_text("VISIBLE")
    for p in [base, *base.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    root_secret = Path("/root") / f".sandbox-test-secret-{os.getpid()}"
    root_secret.write_text("ROOT-SECRET")
    root_secret.chmod(0o644)
    # world-readable, next to the allowed tree, but not in it: not in the kernel's view
    outside = Path(tempfile.mkdtemp(prefix="sandbox-outside-", dir="/srv"))
    outside.chmod(0o755)
    (outside / "secret.txt").write_text("SECRET-OUTSIDE")
    (outside / "secret.txt").chmod(0o644)
    # an allowed tree under /tmp (a virtualenv there), which the kernel's fresh /tmp must not cover
    in_tmp = Path(tempfile.mkdtemp(prefix="sandbox-allowed-"))
    in_tmp.chmod(0o755)
    (in_tmp / "module.py").write_text("IN-TMP")
    (in_tmp / "module.py").chmod(0o644)
    try:
        yield base, root_secret, outside / "secret.txt", in_tmp
    finally:
        shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(outside, ignore_errors=True)
        shutil.rmtree(in_tmp, ignore_errors=True)
        root_secret.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def hiding_ex(secrets):
    base = secrets[0]
    # base is allowed (bound into the kernel's view), two paths inside it are hidden
    cfg = SandboxConfig(cell_timeout=3, memory_bytes=1 << 30, allow=[base, secrets[3]],
                        hide=[base / "hidden_dir", base / "hidden_file.txt", AUTOGRADER_DIR])
    with Executor(cfg, jobs=1) as executor:
        yield executor


# --------------------------------------------------------------------------- report & interface
def test_sandbox_report_is_booleans():
    assert REPORT and all(isinstance(v, bool) for v in REPORT.values())
    for key in ("root", "user_switch", "mount_ns", "pid_ns", "net_ns", "rlimits"):
        assert key in REPORT
    assert isinstance(REPORT.reasons, dict)


def test_outputs_have_ipykernel_shapes(ex):
    nb = nb_of(
        "print('a')\nprint('b')\nimport sys\nprint('e', file=sys.stderr)\nprint('c')\n40 + 2",
        "from IPython.display import display, HTML\ndisplay(HTML('<b>hi</b>'))\nx = 5",
        "1/0",
        "",
        "'last'",
        markdown_first=True,
    )
    original = nbformat.writes(nb)
    res = ex.run(nb)
    assert isinstance(res, ExecutionResult)
    assert nbformat.writes(nb) == original  # the input notebook is untouched
    nbformat.validate(res.nb)
    md, c1, c2, c3, c4, c5 = res.nb.cells
    assert md.cell_type == "markdown" and "outputs" not in md
    # stream: consecutive writes merged, stdout/stderr kept apart, in order
    assert [(o.output_type, o.get("name")) for o in c1.outputs] == [
        ("stream", "stdout"), ("stream", "stderr"), ("stream", "stdout"), ("execute_result", None)]
    assert c1.outputs[0].text == "a\nb\n" and c1.outputs[2].text == "c\n"
    assert c1.outputs[3].data["text/plain"] == "42"
    assert c1.outputs[3].execution_count == c1.execution_count == 1
    assert c2.outputs[0].output_type == "display_data"
    assert c2.outputs[0].data["text/html"] == "<b>hi</b>" and "text/plain" in c2.outputs[0].data
    assert c2.execution_count == 2
    (err,) = errors(c3)
    assert err.ename == "ZeroDivisionError" and err.evalue == "division by zero"
    assert isinstance(err.traceback, list) and all(isinstance(t, str) for t in err.traceback)
    assert c4.execution_count is None and c4.outputs == []  # empty cells are not executed
    assert c5.execution_count == 4 and c5.outputs[0].data["text/plain"] == "'last'"
    assert [c.status for c in res.cells] == ["skipped", "ok", "ok", "error", "skipped", "ok"]
    assert all(isinstance(c, CellRun) for c in res.cells)
    assert res.restarts == 0 and res.features["sandboxed"] is True
    assert res.wall_seconds >= res.exec_seconds > 0


def test_warnings_are_stderr_streams(ex):
    res = ex.run(nb_of("import warnings\nwarnings.warn('careful now')\nprint('done')"))
    cell = res.nb.cells[0]
    assert "UserWarning: careful now" in text(cell, "stderr")
    assert text(cell) == "done\n"


def test_sys_exit_input_and_identity(ex):
    res = ex.run(nb_of(
        "import sys\nsys.exit(3)",
        "t = __import__('time').monotonic()\ntry:\n    input('name? ')\nfinally:\n    dt = __import__('time').monotonic() - t",
        "import os\nprint(os.getuid(), os.getgid(), os.getcwd(), os.environ['NBGRADER_EXECUTION'], os.environ['HOME'])\nprint(dt < 1)",
    ))
    c1, c2, c3 = res.nb.cells
    (e,) = errors(c1)
    assert e.ename == "SystemExit" and e.evalue == "3"
    (e,) = errors(c2)
    assert "input() is not available while grading" in e.evalue
    uid, gid, cwd, mode, home = text(c3).split("\n")[0].split()
    assert int(uid) in ex.uids and int(uid) >= UID_BASE and gid == uid
    assert (cwd, mode, home) == ("/tmp/work", "autograde", "/tmp")
    assert text(c3).split("\n")[1] == "True"
    assert res.restarts == 0 and [c.kernel for c in res.cells] == [0, 0, 0]


def test_no_state_leaks_between_runs(ex):
    first = ex.run(nb_of(
        "import numpy as np, os\nnp.leaked = 1\nleaked_var = 2\n"
        "open('/tmp/leak.txt', 'w').write('x')\nos.environ['LEAKED'] = '1'\nprint('set')"))
    assert text(first.nb.cells[0]) == "set\n"
    second = ex.run(nb_of(
        "import numpy as np, os\nprint(hasattr(np, 'leaked'), 'leaked_var' in globals(), "
        "os.path.exists('/tmp/leak.txt'), 'LEAKED' in os.environ)"))
    assert text(second.nb.cells[0]) == "False False False False\n"


def test_a_kernel_starts_as_a_new_shell_despite_the_fork_servers_warm_up(ex):
    """The fork server runs a few cells of its own (a value, an error, a print) so that no
    kernel pays for IPython's first use of them; none of it may show in a kernel."""
    from autograder.sandbox import _kernel

    assert _kernel._WARM_UP_CELLS, "the warm-up this test guards is gone: drop the test with it"
    probe = ("import sys, linecache\nip = get_ipython()\n"
             "print(repr(In[:-1]), repr(Out), ip.execution_count, "
             "[globals().get(n) for n in ('_', '__', '___', '_i', '_ii', '_iii')])\n"
             "print(sorted(k for k in linecache.cache if str(k).startswith('<ipython-input-')))\n"
             "print([hasattr(sys, n) for n in ('last_type', 'last_value', 'last_traceback')], "
             "ip.last_execution_succeeded, ip.last_execution_result)")
    res = ex.run(nb_of(probe, "1 + 1", "raise KeyError('mine')"))
    lines = text(res.nb.cells[0]).splitlines()
    assert lines[0] == "[''] {} 2 [None, None, None, '', '', '']"
    cached = ast.literal_eval(lines[1])
    assert len(cached) == 1  # the probe cell's own source, nothing of the warm-up
    assert lines[2] == "[False, False, False] True None"
    # the cells after it are numbered and shown as in any new kernel
    assert res.nb.cells[1].execution_count == 2
    assert res.nb.cells[1].outputs[0]["data"]["text/plain"] == "2"
    assert errors(res.nb.cells[2])[0].ename == "KeyError"
    assert not any("warm-up" in line for line in errors(res.nb.cells[2])[0].traceback)


def test_files_dir_is_a_private_copy(ex, tmp_path):
    (tmp_path / "data.csv").write_text("1,2\n")
    res = ex.run(nb_of("print(open('data.csv').read().strip())\nopen('data.csv', 'w').write('changed')"),
                 files_dir=tmp_path)
    assert text(res.nb.cells[0]) == "1,2\n"
    assert (tmp_path / "data.csv").read_text() == "1,2\n"


# --------------------------------------------------------------------------- robustness
def test_timeout_then_fresh_kernel_with_replay(ex):
    res = ex.run(nb_of("a = 41\ndef f():\n    return a + 1", "print('spinning')\nwhile True: pass",
                       "print(f())", "a"))
    c0, c1, c2, c3 = res.nb.cells
    (e,) = errors(c1)
    assert e.ename == "CellTimeoutError" and "timed out" in e.evalue
    assert text(c1) == "spinning\n"  # partial output before the timeout is kept
    assert text(c2) == "42\n"  # earlier definitions were replayed in the fresh kernel
    assert c3.outputs[0].data["text/plain"] == "41"
    assert [c.status for c in res.cells] == ["ok", "timeout", "ok", "ok"]
    assert [c.kernel for c in res.cells] == [0, 0, 1, 1]
    assert res.restarts == 1
    assert 2.9 < res.cells[1].seconds < 5


def test_output_flood_is_capped(ex):
    t0 = time.monotonic()
    res = ex.run(nb_of("while True: print('x' * 10000)", "print('still here')"))
    assert time.monotonic() - t0 < 8
    flood, after = res.nb.cells
    out = text(flood)
    assert 1_000_000 <= len(out) < 1_100_000
    assert out.count("output truncated") == 1
    assert errors(flood)[0].ename == "CellTimeoutError"
    assert text(after) == "still here\n"


def test_memory_bombs(ex):
    res = ex.run(nb_of("k = 7", "x = bytearray(10**11)",
                       "grow = []\nwhile True:\n    grow.append(bytearray(10**7))", "grow = None\nprint(k)"))
    assert res.cells[1].status == "error" and errors(res.nb.cells[1])[0].ename == "MemoryError"
    assert res.cells[2].status in ("error", "died")
    assert text(res.nb.cells[3]) == "7\n"


def test_fork_bomb_is_contained(ex):
    res = ex.run(nb_of("k = 'alive'", "import os\nwhile True:\n    os.fork()", "print(k)"))
    assert res.cells[1].status in ("error", "timeout", "died")
    assert text(res.nb.cells[2]) == "alive\n"
    assert sandbox_pids(ex.uids) == []  # the PID namespace took every forked process with it


@pytest.mark.parametrize("kill", ["import os\nos._exit(0)", "import os\nos.kill(os.getpid(), 9)"])
def test_dead_kernel_then_rest_of_notebook(ex, kill):
    res = ex.run(nb_of("v = 'kept'\nprint('before')", kill, "print(v)"))
    c0, c1, c2 = res.nb.cells
    assert text(c0) == "before\n" and res.cells[0].kernel == 0
    (e,) = errors(c1)
    assert e.ename == "DeadKernelError"
    assert ("exited with code 0" in e.evalue) if "_exit" in kill else ("SIGKILL" in e.evalue)
    assert res.cells[1].status == "died"
    assert text(c2) == "kept\n" and res.cells[2].kernel == 1 and res.restarts == 1


@pytest.fixture(scope="module")
def strict_ex():
    cfg = SandboxConfig(cell_timeout=10, memory_bytes=1 << 30, cpu_seconds=1, max_restarts=1)
    with Executor(cfg, jobs=1) as executor:
        yield executor


def test_restart_cap(strict_ex):
    res = strict_ex.run(nb_of("import os\nos._exit(1)", "import os\nos._exit(2)", "print('never')"))
    assert [c.status for c in res.cells] == ["died", "died", "not_run"]
    assert errors(res.nb.cells[2])[0].ename == "CellNotRunError"
    assert "not run" in errors(res.nb.cells[2])[0].evalue


def test_cpu_limit_kills_kernel(strict_ex):
    res = strict_ex.run(nb_of("while True: pass", "print('next')"))
    assert res.cells[0].status == "died"
    assert "CPU time limit" in errors(res.nb.cells[0])[0].evalue
    assert text(res.nb.cells[1]) == "next\n"


# --------------------------------------------------------------------------- isolation
def test_network_is_unreachable(ex):
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    try:
        res = ex.run(nb_of(
            "import socket\ntry:\n    socket.create_connection(('127.0.0.1', %d), timeout=2)\n"
            "    print('connected')\nexcept OSError as e:\n    print('blocked', type(e).__name__)" % port))
    finally:
        server.close()
    assert text(res.nb.cells[0]).startswith("blocked")


def test_hidden_paths_cannot_be_read(hiding_ex, secrets):
    base, root_secret, outside, in_tmp = secrets
    probe = (
        "def read(p):\n"
        "    try:\n"
        "        with open(p) as f:\n"
        "            return f.read() or 'EMPTY'\n"
        "    except (PermissionError, FileNotFoundError, IsADirectoryError) as e:\n"
        "        return type(e).__name__\n"
        "for p in %r:\n"
        "    print(read(p))\n"
    ) % ([str(base / "hidden_dir" / "answers.txt"), str(base / "hidden_file.txt"),
          str(root_secret), str(base / "visible" / "ok.txt"), str(outside), str(in_tmp / "module.py")],)
    res = hiding_ex.run(nb_of(probe))
    lines = text(res.nb.cells[0]).split()
    assert lines[0] in ("FileNotFoundError", "PermissionError")
    assert lines[1] in ("EMPTY", "PermissionError", "FileNotFoundError")
    assert lines[2] in ("FileNotFoundError", "PermissionError")
    assert lines[3] == "VISIBLE"  # control: the same kind of path, allowed and not hidden, is readable
    assert lines[4] == "FileNotFoundError"  # not allowed: not there at all
    assert lines[5] == "IN-TMP"
    assert "SECRET" not in text(res.nb.cells[0])


def test_the_view_is_read_only_and_holds_no_host_fd(ex):
    res = ex.run(nb_of(
        "import os, sys\n"
        "fds = {}\n"
        "for fd in os.listdir('/proc/self/fd'):\n"
        "    try:\n"
        "        fds[fd] = os.readlink(f'/proc/self/fd/{fd}')\n"
        "    except OSError:\n"
        "        pass\n"
        "print(sorted(set(fds.values())))\n"
        "for path in ['/x', sys.prefix + '/x', '/dev/x', '/proc/x']:\n"
        "    try:\n"
        "        open(path, 'w')\n"
        "        print('wrote', path)\n"
        "    except OSError as e:\n"
        "        print(type(e).__name__)\n"
        "open('/tmp/ok', 'w').write('fine')\n"
        "with open('/dev/null', 'w') as f:\n"
        "    f.write('fine')\n"
        "print(os.urandom(4) != os.urandom(4), open('/tmp/ok').read())"))
    lines = text(res.nb.cells[0]).splitlines()
    targets = ast.literal_eval(lines[0])
    assert all(t == "/dev/null" or t.startswith(("socket:", "pipe:", "anon_inode:", "/tmp/")) for t in targets), targets
    assert all(line in ("PermissionError", "OSError", "FileNotFoundError") for line in lines[1:5]), lines
    assert lines[5] == "True fine"


def test_autograder_package_hidden_but_channel_works(hiding_ex):
    seen = []

    def handler(msg, cell_index):
        seen.append((msg, cell_index))
        return {"ok": True, "echo": msg["x"] * 2}

    res = hiding_ex.run(nb_of(
        "import os, autograder\nprint(os.listdir(os.path.dirname(autograder.__file__)))",
        "import autograder.reference",
        "import autograder.cases",
        "import autograder.hidden\nprint(autograder.hidden._channel.request({'op': 'ping', 'x': 21}))",
    ), handler=handler)
    c0, c1, c2, c3 = res.nb.cells
    # empty, or gone altogether where the repository itself lives under /tmp or /home
    assert text(c0) == "[]\n" or errors(c0)[0].ename == "FileNotFoundError"
    assert errors(c1)[0].ename == "ModuleNotFoundError"
    assert errors(c2)[0].ename == "ModuleNotFoundError"
    assert text(c3) == "{'ok': True, 'echo': 42}\n"
    assert seen == [({"op": "ping", "x": 21}, 3)]


def test_concurrent_runs_use_separate_slots(ex):
    nb = nb_of("import os, time\ntime.sleep(0.5)\nprint(os.getuid())")
    results = [None, None]

    def work(k):
        results[k] = ex.run(nb)

    t0 = time.monotonic()
    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert time.monotonic() - t0 < 1.5  # ran side by side, not one after the other
    uids = sorted(int(text(r.nb.cells[0])) for r in results)
    assert uids == sorted(ex.uids) and len(set(uids)) == 2
    assert sandbox_pids(ex.uids) == []


def test_unavailable_sandbox_is_reported():
    # A uid that cannot be switched to (beyond the 32-bit uid range) makes a required feature fail.
    assert issubclass(SandboxUnavailable, RuntimeError)
    bad = sandbox_report(uid=2**32 + 5)
    assert bad["user_switch"] is False and bad.reasons["user_switch"]
    with pytest.raises(SandboxUnavailable, match="user_switch"):
        Executor(SandboxConfig(uid_base=2**32 + 5))


def test_inline_figures_become_display_data(ex):
    res = ex.run(nb_of("%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3]);"))
    (out,) = res.nb.cells[0].outputs
    assert out.output_type == "display_data" and "image/png" in out.data


def test_unsandboxed_mode_must_be_asked_for_and_says_so():
    off = ("mount_ns", "pid_ns", "net_ns", "user_switch")
    with pytest.raises(SandboxUnavailable, match="mount_ns"):
        Executor(SandboxConfig(disable=off))
    cfg = SandboxConfig(cell_timeout=2, disable=off, allow_unsandboxed=True)
    with Executor(cfg, jobs=1) as loose:
        res = loose.run(nb_of("import os\nwork = os.getcwd()\nprint(work)", "while True: pass", "print(work)"))
    assert res.features["sandboxed"] is False and res.features["pid_ns"] is False
    assert [c.status for c in res.cells] == ["ok", "timeout", "ok"]
    work = text(res.nb.cells[0]).strip()
    assert work.startswith(tempfile.gettempdir()) and not os.path.exists(work)


def test_a_prestarted_fork_server_is_adopted_only_where_it_fits():
    """`python -m autograder grade` starts the fork server before its own imports: the
    Executor adopts it (no second one), runs kernels on it as usual, and a machine
    without PID namespaces gets a fresh server instead; a left-over one is closed."""
    from autograder.sandbox import executor as exm

    exm.prestart()
    early = exm._PRESTARTED[-1]
    cfg = SandboxConfig(cell_timeout=5, memory_bytes=1 << 30)
    with Executor(cfg, jobs=1) as adopted:
        assert adopted._zygote is early and not exm._PRESTARTED
        assert text(adopted.run(nb_of("print(6 * 7)")).nb.cells[0]).strip() == "42"
    assert early.proc.wait(10) is not None  # closed with its executor

    exm.prestart()
    second = exm._PRESTARTED[-1]
    loose_cfg = SandboxConfig(cell_timeout=5, disable=("pid_ns",), allow_unsandboxed=True)
    with Executor(loose_cfg, jobs=1) as fresh:
        assert fresh._zygote is not second and second.proc.wait(10) is not None
        assert text(fresh.run(nb_of("print(1 + 1)")).nb.cells[0]).strip() == "2"

    exm.prestart()
    third = exm._PRESTARTED[-1]
    exm.discard_prestarted()
    assert not exm._PRESTARTED and third.proc.wait(10) is not None
