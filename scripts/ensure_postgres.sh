#!/usr/bin/env bash
# Idempotently install what tests/deploy/test_postgres.py (and a shared
# PostgreSQL gradebook, NBGRADER_DB_URL=postgresql://...) need:
#   - Debian's PostgreSQL server binaries (initdb, pg_ctl, postgres),
#   - psycopg2-binary and psycopg[binary] in the course venv (the drivers
#     SQLAlchemy uses for postgresql+psycopg2:// and postgresql:// URLs).
# Prints the server's bin directory as the last line ("PG_BIN=...").
# Exits non-zero with a message on failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"

die() { echo "ensure_postgres.sh: ERROR: $*" >&2; exit 1; }
say() { echo "ensure_postgres.sh: $*"; }

[ -x "$PY" ] || die "no Python venv at $VENV"

find_pg_bin() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
            echo "$d"; return 0
        fi
    done
    return 1
}

if PG_BIN="$(find_pg_bin)"; then
    say "PostgreSQL server found in $PG_BIN"
else
    [ "$(id -u)" = "0" ] || die "PostgreSQL is not installed and installing it needs root (apt-get install postgresql)"
    command -v apt-get >/dev/null || die "PostgreSQL is not installed and apt-get is not available"
    say "installing Debian's postgresql (apt-get update && apt-get install postgresql)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || die "apt-get update failed"
    # the package's post-install creates and starts a default cluster on
    # port 5432; the test does not use it (it runs its own throwaway cluster)
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null \
        || die "apt-get install postgresql failed"
    PG_BIN="$(find_pg_bin)" || die "postgresql installed but no initdb/pg_ctl under /usr/lib/postgresql/*/bin"
fi

# initdb refuses to run as root: the test runs the server as this account.
PG_USER="${LC_PG_USER:-postgres}"
if ! id -u "$PG_USER" >/dev/null 2>&1; then
    [ "$(id -u)" = "0" ] || die "unix user $PG_USER is missing and creating it needs root"
    useradd --system --create-home --shell /bin/bash "$PG_USER" || die "useradd $PG_USER failed"
    say "created unix user $PG_USER"
fi

# Drivers: SQLAlchemy >= 2.1 maps a plain postgresql:// URL to psycopg (3);
# older SQLAlchemy (and postgresql+psycopg2:// URLs) use psycopg2.  Install
# both binary wheels so either spelling of NBGRADER_DB_URL works.
ensure_py_pkg() {  # module, pip requirement
    if "$PY" -c "import $1" 2>/dev/null; then
        say "$1 already installed"
    else
        say "installing $2 into $VENV"
        "$VENV/bin/pip" install --quiet "$2" || die "pip install '$2' failed"
        "$PY" -c "import $1" || die "$1 does not import after installing $2"
    fi
}
ensure_py_pkg psycopg2 "psycopg2-binary>=2.9"
ensure_py_pkg psycopg "psycopg[binary]>=3.1"
echo "PG_BIN=$PG_BIN"
