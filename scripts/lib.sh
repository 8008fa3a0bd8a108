# shellcheck shell=bash
# Shared set-up for scripts/test.sh and scripts/demo.sh. Source it; do not run it.
#
# Everything here is idempotent and cached, so running a command twice is safe and quick:
#   - Odoo 19 is unpacked once from Debian's `odoo-19` package (or taken from $ODOO_PATH);
#   - the virtualenv is keyed by the hash of the requirement files it is built from;
#   - PostgreSQL is used if it listens, started if installed, installed otherwise;
#   - a template database with `account` installed is built once per Odoo/venv pair.
#
# Environment knobs (all optional):
#   ODOO_PATH        folder that contains the `odoo` Python package of an Odoo 19 you already have
#   XERO_CACHE_DIR   where downloads, Odoo, the venv and logs go (default ~/.cache/xero_integration)
#   XERO_PYTHON      the Python 3.11 interpreter to build the venv with (default python3.11 or python3)
#   PGHOST PGPORT    PostgreSQL server (default 127.0.0.1:5432)
#   XERO_DB_USER XERO_DB_PASSWORD  the role Odoo connects as (default odoo/odoo; created if missing)
#   XERO_SKIP_CHROMIUM=1 do not install Chromium (the browser tours then skip, and say why)

set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${XERO_CACHE_DIR:-$HOME/.cache/xero_integration}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
DB_USER="${XERO_DB_USER:-odoo}"
DB_PASSWORD="${XERO_DB_PASSWORD:-odoo}"
LOG_DIR="$CACHE_DIR/logs"
mkdir -p "$LOG_DIR"

log() { printf '[xero] %s\n' "$*" >&2; }
die() { printf '[xero] ERROR: %s\n' "$*" >&2; exit 2; }

# --- Odoo 19 -----------------------------------------------------------------------------------

# Reuse the URI of the machine's own Debian mirror: never hard-code a host.
_debian_mirror() {
    local uri=""
    if compgen -G "/etc/apt/sources.list.d/*.sources" >/dev/null; then
        uri=$(awk '/^URIs:/ {print $2}' /etc/apt/sources.list.d/*.sources | grep -v security | head -n1 || true)
    fi
    if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
        uri=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list)
    fi
    [ -n "$uri" ] || die "no Debian mirror configured in /etc/apt; set ODOO_PATH to an Odoo 19 you have"
    echo "$uri"
}

_fetch_odoo_debs() {
    local apt_dir="$CACHE_DIR/apt" mirror
    mirror=$(_debian_mirror)
    mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
    cat > "$apt_dir/parts/odoo.sources" <<EOF
Types: deb
URIs: $mirror
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $mirror
Suites: stable
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    local opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt_dir/parts"
                -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
                -o APT::Sandbox::User=root -q)
    log "downloading Odoo 19 from Debian sid ($mirror)"
    apt-get "${opts[@]}" update >/dev/null
    local version
    version=$(apt-cache "${opts[@]}" policy odoo-19 | awk '/Candidate:/ {print $2}')
    [ -n "$version" ] && [ "$version" != "(none)" ] \
        || die "Debian sid carries no odoo-19 package any more; set ODOO_PATH to an Odoo 19 you have"
    # Odoo's web assets are relative symlinks into usr/share: these packages must sit beside it.
    # font-awesome comes from stable, whose 4.7 files are the ones Odoo links (sid has 7.x).
    (cd "$apt_dir/debs" && rm -f ./*.deb && apt-get "${opts[@]}" download odoo-19 libjs-jquery \
        libjs-jquery-form libjs-underscore fonts-montserrat fonts-roboto-unhinted fonts-inconsolata \
        fonts-ocr-b fonts-font-awesome/stable >/dev/null)
    echo "$version" > "$apt_dir/debs/VERSION"
}

# Sets ODOO_PYTHONPATH: the folder holding the `odoo` package.
ensure_odoo() {
    if [ -n "${ODOO_PATH:-}" ]; then
        [ -f "$ODOO_PATH/odoo/release.py" ] || die "ODOO_PATH=$ODOO_PATH holds no odoo/release.py"
        grep -q "version_info = (19" "$ODOO_PATH/odoo/release.py" || die "ODOO_PATH=$ODOO_PATH is not Odoo 19"
        ODOO_PYTHONPATH="$ODOO_PATH"
        return
    fi
    local prefix="$CACHE_DIR/odoo19"
    ODOO_PYTHONPATH="$prefix/usr/lib/python3/dist-packages"
    if [ -f "$prefix/.complete" ]; then
        return
    fi
    command -v apt-get >/dev/null || die "apt-get not found: set ODOO_PATH to an Odoo 19 you have"
    _fetch_odoo_debs
    log "unpacking Odoo 19 into $prefix"
    rm -rf "$prefix" && mkdir -p "$prefix"
    for deb in "$CACHE_DIR"/apt/debs/*.deb; do dpkg -x "$deb" "$prefix"; done
    cp "$CACHE_DIR/apt/debs/VERSION" "$prefix/.complete"
}

# --- Python ------------------------------------------------------------------------------------

# What the virtualenv is built from: the addon's own needs (requirements.txt, what an existing
# Odoo needs added), Odoo's own environment and the test tools, and the linters. All of them make
# the venv's cache key, so that a change to any one builds a new venv.
VENV_REQUIREMENTS=("$REPO_DIR/requirements.txt" "$REPO_DIR/scripts/requirements-odoo.txt"
                   "$REPO_DIR/scripts/requirements-lint.txt")

# Sets VENV_PY.
ensure_venv() {
    local python="${XERO_PYTHON:-}"
    if [ -z "$python" ]; then
        python=$(command -v python3.11 || command -v python3 || true)
    fi
    [ -n "$python" ] || die "no python3 found"
    "$python" -c 'import sys; assert sys.version_info >= (3, 10)' 2>/dev/null \
        || die "$python is older than 3.10; Odoo 19 needs 3.10+ (tested with 3.11)"
    local hash venv
    hash=$( (cat "${VENV_REQUIREMENTS[@]}"; "$python" --version) | sha256sum | cut -c1-12)
    venv="$CACHE_DIR/venv-$hash"
    VENV_PY="$venv/bin/python"
    if [ -f "$venv/.complete" ]; then
        return
    fi
    log "building the virtualenv $venv"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    local requirement_args=()
    for file in "${VENV_REQUIREMENTS[@]}"; do requirement_args+=(-r "$file"); done
    "$VENV_PY" -m pip install -q --disable-pip-version-check --cache-dir "$CACHE_DIR/pip" \
        "${requirement_args[@]}" > "$CACHE_DIR/pip.log" 2>&1 \
        || { tail -n 30 "$CACHE_DIR/pip.log" >&2; die "pip install failed (log: $CACHE_DIR/pip.log)"; }
    touch "$venv/.complete"
}

# --- Lint ----------------------------------------------------------------------------------------

# ruff (ruff.toml) over the whole repository, then pylint with OCA's Odoo checks (.pylintrc) over
# the addon under its technical name. Returns non-zero on any finding; prints what it found.
run_lint() {
    local rc=0
    log "lint: ruff"
    (cd "$REPO_DIR" && "$VENV_PY" -m ruff check --no-cache --quiet .) || rc=1
    log "lint: pylint-odoo"
    (cd "$ADDONS_DIR" && "$VENV_PY" -m pylint --rcfile="$REPO_DIR/.pylintrc" xero_integration "$DEMO_MODULE") || rc=1
    return "$rc"
}

# --- PostgreSQL --------------------------------------------------------------------------------

_pg_listening() {
    "${VENV_PY:-python3}" - "$PGHOST" "$PGPORT" <<'EOF' 2>/dev/null
import socket, sys
socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()
EOF
}

# Runs psql as a role that may create roles: trust over TCP first, then the postgres OS user.
_psql_admin() {
    if psql -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; then
        psql -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"
    elif [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
        (cd / && su postgres -c "psql -p $PGPORT -d postgres -v ON_ERROR_STOP=1 $(printf '%q ' "$@")")
    else
        die "cannot reach PostgreSQL as an administrator to create the role $DB_USER; create it yourself (SUPERUSER LOGIN)"
    fi
}

ensure_postgres() {
    if ! _pg_listening; then
        if ! compgen -G "/etc/postgresql/*/main" >/dev/null; then
            [ "$(id -u)" = 0 ] || die "PostgreSQL is not running on $PGHOST:$PGPORT and I am not root to install it"
            log "installing PostgreSQL from Debian"
            apt-get update -q >/dev/null
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null
        fi
        local version
        version=$(ls /etc/postgresql | sort -V | tail -n1)
        log "starting PostgreSQL $version"
        pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
            || pg_ctlcluster "$version" main start
        for _ in $(seq 1 30); do _pg_listening && break; sleep 1; done
        _pg_listening || die "PostgreSQL did not start on $PGHOST:$PGPORT"
    fi
    command -v psql >/dev/null || die "psql (postgresql-client) is missing"
    # Odoo refuses to run as `postgres`: use a dedicated superuser role, with a password so
    # that both trust and scram-sha-256 host rules accept it.
    if ! PGPASSWORD="$DB_PASSWORD" psql -h "$PGHOST" -p "$PGPORT" -U "$DB_USER" -d postgres -tAc 'select 1' >/dev/null 2>&1; then
        log "creating the PostgreSQL role $DB_USER"
        _psql_admin -c "DO \$\$BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
                CREATE ROLE \"$DB_USER\" LOGIN SUPERUSER PASSWORD '$DB_PASSWORD';
            ELSE
                ALTER ROLE \"$DB_USER\" LOGIN SUPERUSER PASSWORD '$DB_PASSWORD';
            END IF; END\$\$;" >/dev/null
    fi
    export PGPASSWORD="$DB_PASSWORD"
}

psql_odoo() { PGOPTIONS="-c client_min_messages=warning" psql -h "$PGHOST" -p "$PGPORT" -U "$DB_USER" -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
# Attachments (compiled assets among them) live in the filestore, beside the database.
filestore() { echo "$CACHE_DIR/data/filestore/$1"; }
clone_db() {
    # PostgreSQL refuses to copy a template while another session is connected to it (a
    # benchmark or test run starting at the same moment): try again for a little while.
    local try error
    for try in 1 2 3 4 5 6 7 8 9 10; do
        error=$(psql_odoo -c "CREATE DATABASE \"$2\" TEMPLATE \"$1\"" 2>&1 >/dev/null) && break
        [ "$try" = 10 ] && { printf '%s\n' "$error" >&2; return 1; }
        sleep 3
    done
    rm -rf "$(filestore "$2")"
    if [ -d "$(filestore "$1")" ]; then cp -a "$(filestore "$1")" "$(filestore "$2")"; fi
}
drop_db() {
    psql_odoo -c "DROP DATABASE IF EXISTS \"$1\"" >/dev/null 2>&1 || true
    rm -rf "$(filestore "$1")"
}
db_exists() { [ "$(psql_odoo -c "SELECT 1 FROM pg_database WHERE datname = '$1'")" = 1 ]; }

# --- Odoo invocation ---------------------------------------------------------------------------

# The addons path needs a folder that holds this repository under its technical name.
# One folder per checkout, so that two clones (or git worktrees) can run their tests side by side.
# The demo module (demo mode, demo_addons/) sits beside it: on the path, installed only by
# scripts/demo.sh, scripts/screenshots.sh and, for its test, scripts/test.sh.
DEMO_MODULE=xero_integration_demo
ensure_addons_dir() {
    ADDONS_DIR="$CACHE_DIR/addons-$(printf '%s' "$REPO_DIR" | sha256sum | cut -c1-10)"
    mkdir -p "$ADDONS_DIR"
    ln -sfn "$REPO_DIR" "$ADDONS_DIR/xero_integration"
    ln -sfn "$REPO_DIR/demo_addons/$DEMO_MODULE" "$ADDONS_DIR/$DEMO_MODULE"
}

# `odoo [SUBCOMMAND] OPTIONS...`: the subcommand (shell, ...) must come before the options.
odoo() {
    local sub=()
    case "${1:-}" in -*|"") ;; *) sub=("$1"); shift ;; esac
    PYTHONPATH="$ODOO_PYTHONPATH${PYTHONPATH:+:$PYTHONPATH}" "$VENV_PY" -m odoo "${sub[@]}" \
        --addons-path="$ADDONS_DIR" --db_host="$PGHOST" --db_port="$PGPORT" \
        --db_user="$DB_USER" --db_password="$DB_PASSWORD" --data-dir="$CACHE_DIR/data" "$@"
}

# A database with `account` installed, built once; test and demo databases are cloned from it.
ensure_template_db() {
    local key
    key=$( (cat "$ODOO_PYTHONPATH/odoo/release.py"; echo "$VENV_PY $CACHE_DIR/data") | sha256sum | cut -c1-10)
    TEMPLATE_DB="xero_tmpl_$key"
    if db_exists "$TEMPLATE_DB"; then
        return
    fi
    log "building the template database $TEMPLATE_DB (account installed, about 40 s, once)"
    drop_db "${TEMPLATE_DB}_wip"
    if ! odoo -d "${TEMPLATE_DB}_wip" -i account --stop-after-init --log-level=warn \
        > "$CACHE_DIR/template.log" 2>&1; then
        tail -n 40 "$CACHE_DIR/template.log" >&2
        die "installing account into the template database failed (log: $CACHE_DIR/template.log)"
    fi
    psql_odoo -c "ALTER DATABASE \"${TEMPLATE_DB}_wip\" RENAME TO \"$TEMPLATE_DB\"" >/dev/null
    rm -rf "$(filestore "$TEMPLATE_DB")"
    if [ -d "$(filestore "${TEMPLATE_DB}_wip")" ]; then mv "$(filestore "${TEMPLATE_DB}_wip")" "$(filestore "$TEMPLATE_DB")"; fi
}

# --- Chromium (browser tours, screenshots) ------------------------------------------------------

# Odoo's HttpCase looks for google-chrome, then chromium, on the PATH. Debian's `chromium` package
# puts it at /usr/bin/chromium. Without it the tour tests skip with "Chrome executable not found".
ensure_chromium() {
    if command -v chromium >/dev/null || command -v google-chrome >/dev/null; then
        return
    fi
    if [ -n "${XERO_SKIP_CHROMIUM:-}" ]; then
        log "XERO_SKIP_CHROMIUM is set: Chromium not installed, the browser tours will be skipped"
        return
    fi
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        log "Chromium is missing and I am not root with apt-get: the browser tours will be skipped" \
            "(install Debian's chromium package to run them)"
        return
    fi
    log "installing Chromium from Debian (once, for the browser tours)"
    if ! { apt-get update -q >/dev/null 2>&1 || true; DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends chromium > "$CACHE_DIR/chromium-install.log" 2>&1; }; then
        tail -n 20 "$CACHE_DIR/chromium-install.log" >&2
        log "installing Chromium failed (log: $CACHE_DIR/chromium-install.log): the browser tours will be skipped"
    fi
}

setup_all() {
    ensure_chromium
    ensure_venv
    ensure_odoo
    ensure_postgres
    ensure_addons_dir
    ensure_template_db
}
