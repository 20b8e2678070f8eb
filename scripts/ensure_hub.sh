#!/usr/bin/env bash
# Idempotently prepare this machine for the course's JupyterHub deployment
# (deploy/jupyterhub/) and for tests/deploy/test_hub.py:
#
#   1. jupyterhub (pip) in the course venv,
#   2. configurable-http-proxy (npm) under a local prefix, linked into the
#      venv's bin/ so the hub (which looks it up on PATH) finds it,
#   3. the unix accounts the hub's LocalProcessSpawner needs (run as root):
#      the grader account that runs the formgrader service, instructors and
#      students.  Names come from the same env vars the hub config reads.
#
# Usage: scripts/ensure_hub.sh            (as root for the accounts)
#        ENSURE_HUB_SKIP_USERS=1 scripts/ensure_hub.sh   (packages only)
# Exits non-zero with a message on the first thing it cannot do.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
CHP_PREFIX="${CHP_PREFIX:-$VENV/chp}"
JUPYTERHUB_SPEC="${JUPYTERHUB_SPEC:-jupyterhub>=4.1,<6}"

COURSE_ID="${LC_COURSE_ID:-linear-classification}"
GRADER_USER="${LC_HUB_GRADER_USER:-grader-$COURSE_ID}"
INSTRUCTORS="${LC_HUB_INSTRUCTORS-instructor1}"
STUDENTS="${LC_HUB_STUDENTS-student1 student2}"
if [ -n "${LC_HUB_STUDENTS_FILE:-}" ]; then
    [ -r "$LC_HUB_STUDENTS_FILE" ] || die "LC_HUB_STUDENTS_FILE=$LC_HUB_STUDENTS_FILE is not readable"
    STUDENTS="$STUDENTS $(tr ',' ' ' < "$LC_HUB_STUDENTS_FILE" | tr -s ' \n' ' ')"
fi

die() { echo "ensure_hub.sh: ERROR: $*" >&2; exit 1; }
say() { echo "ensure_hub.sh: $*"; }

[ -x "$PY" ] || die "no Python venv at $VENV (create it first: python3 -m venv .venv && .venv/bin/pip install -e .)"

# --- 1. jupyterhub ----------------------------------------------------------
if "$PY" - <<'PYEOF' 2>/dev/null
import jupyterhub, sys
from packaging.version import Version
sys.exit(0 if Version(jupyterhub.__version__) >= Version("4.1") else 1)
PYEOF
then
    say "jupyterhub $("$PY" -c 'import jupyterhub; print(jupyterhub.__version__)') already installed"
else
    say "installing $JUPYTERHUB_SPEC into $VENV"
    "$VENV/bin/pip" install --quiet "$JUPYTERHUB_SPEC" \
        || die "pip install '$JUPYTERHUB_SPEC' failed (is PyPI reachable?)"
fi
[ -x "$VENV/bin/jupyterhub" ] || die "jupyterhub installed but $VENV/bin/jupyterhub is missing"
[ -x "$VENV/bin/jupyterhub-singleuser" ] || die "$VENV/bin/jupyterhub-singleuser is missing"

# --- 2. configurable-http-proxy ---------------------------------------------
CHP_BIN="$CHP_PREFIX/bin/configurable-http-proxy"
if [ -x "$CHP_BIN" ] && "$CHP_BIN" --version >/dev/null 2>&1; then
    say "configurable-http-proxy $("$CHP_BIN" --version) already installed"
else
    command -v npm >/dev/null 2>&1 || die "npm not found: install node.js >= 18 (apt-get install nodejs npm)"
    say "installing configurable-http-proxy into $CHP_PREFIX (npm)"
    mkdir -p "$CHP_PREFIX"
    npm install --global --prefix "$CHP_PREFIX" --no-audit --no-fund --loglevel=error \
        configurable-http-proxy >/dev/null \
        || die "npm install configurable-http-proxy failed (is the npm registry reachable?)"
    [ -x "$CHP_BIN" ] || die "npm finished but $CHP_BIN is missing"
    "$CHP_BIN" --version >/dev/null || die "$CHP_BIN does not run"
fi
# The hub runs `configurable-http-proxy` from PATH; the venv's bin/ is on the
# PATH of anything started through the venv, so link it there.
ln -sf "$CHP_BIN" "$VENV/bin/configurable-http-proxy"

# --- 3. unix accounts ----------------------------------------------------------
if [ "${ENSURE_HUB_SKIP_USERS:-0}" = "1" ]; then
    say "skipping unix accounts (ENSURE_HUB_SKIP_USERS=1)"
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    die "creating unix accounts needs root (LocalProcessSpawner runs each user's server as that user); rerun as root or set ENSURE_HUB_SKIP_USERS=1"
fi
command -v useradd >/dev/null || die "useradd not found"

HUB_GROUP="${LC_HUB_UNIX_GROUP:-lc-hub}"
getent group "$HUB_GROUP" >/dev/null || groupadd "$HUB_GROUP" || die "groupadd $HUB_GROUP failed"

ensure_user() {
    local name="$1"
    if ! id -u "$name" >/dev/null 2>&1; then
        useradd --create-home --shell /bin/bash --user-group "$name" \
            || die "useradd $name failed"
        say "created unix user $name"
    fi
    # membership of $HUB_GROUP is only used for the python ACL below
    id -nG "$name" | tr ' ' '\n' | grep -qx "$HUB_GROUP" || usermod -a -G "$HUB_GROUP" "$name"
}
for u in $GRADER_USER $(echo "$INSTRUCTORS" | tr ',' ' ') $(echo "$STUDENTS" | tr ',' ' '); do
    ensure_user "$u"
done

# Every account must be able to run the venv's python (the single-user
# servers and the formgrader service run as these users).  If the venv's base
# interpreter lives in a private directory (e.g. pyenv under /root, mode 0700),
# grant the course accounts' group search (x) permission on the blocking
# directories with an ACL -- not read, and nobody else.
probe="$(echo $STUDENTS $(echo "$INSTRUCTORS" | tr ',' ' ') $GRADER_USER | tr ',' ' ' | awk '{print $1}')"
can_run() { su -s /bin/sh "$probe" -c "cd / && '$VENV/bin/python' -c 'import jupyterhub, nbgrader'" >/dev/null 2>&1; }
if ! can_run; then
    real="$(readlink -f "$VENV/bin/python")"
    d="$(dirname "$real")"
    blocked=()
    while [ "$d" != "/" ]; do
        # blocked: no search permission for "others" in the mode bits
        case "$(stat -c %A "$d")" in *[x] | *[t]) ;; *) blocked+=("$d") ;; esac
        d="$(dirname "$d")"
    done
    if [ "${#blocked[@]}" -gt 0 ]; then
        command -v setfacl >/dev/null || { apt-get install -y -qq acl >/dev/null 2>&1 || true; }
        command -v setfacl >/dev/null || die "the base python $real is not reachable by $probe (blocked at ${blocked[*]}); install 'acl' (apt-get install acl) or move the interpreter somewhere world-readable"
        for d in "${blocked[@]}"; do
            setfacl -m "g:$HUB_GROUP:x" "$d" || die "setfacl on $d failed"
            say "granted group $HUB_GROUP search (x) permission on $d (ACL) so course accounts can run $real"
        done
    fi
fi
can_run || die "user $probe cannot run $VENV/bin/python with jupyterhub and nbgrader (check permissions along $(readlink -f "$VENV/bin/python") and $ROOT)"
say "ok: hub packages and accounts ($GRADER_USER; instructors: $INSTRUCTORS; students: $STUDENTS)"
