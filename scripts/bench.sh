#!/usr/bin/env bash
# The benchmark command: the same set-up as scripts/test.sh, then one benchmark of bench/ run
# inside Odoo (real registry, real commits) on a fresh database that is dropped afterwards.
#
#   scripts/bench.sh NAME [options]      runs bench/NAME.py --db DB [options]
#   scripts/bench.sh push --invoices 10000 --partners 2000
#
# The benchmark bootstraps Odoo itself from the --odoo=... options given here (the same ones as
# lib.sh's `odoo` wrapper). Odoo's install log goes to $LOG_DIR/bench-install-DB.log. The last
# line of output is the benchmark's `BENCH ...` line.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

list_benches() {
    (cd "$REPO_DIR/bench" && for f in *.py; do
        case "$f" in _*|bench_client.py) ;; *) printf '  %s\n' "${f%.py}" ;; esac
    done)
}

name="${1:-}"
if [ -z "$name" ] || [ "$name" = -h ] || [ "$name" = --help ]; then
    printf 'usage: scripts/bench.sh NAME [options]\nbenchmarks (bench/NAME.py):\n%s\n' "$(list_benches)" >&2
    exit 2
fi
shift
script="$REPO_DIR/bench/$name.py"
if [[ "$name" == */* ]] || [ ! -f "$script" ]; then
    printf '[xero] ERROR: no benchmark "%s" (bench/%s.py). Known benchmarks:\n%s\n' \
        "$name" "$name" "$(list_benches)" >&2
    exit 2
fi

setup_all

db="xero_bench_$$"
install_log="$LOG_DIR/bench-install-$db.log"
{ ls -1t "$LOG_DIR"/bench-install-*.log 2>/dev/null | tail -n +10 | xargs -r rm -f; } || true
log "installing the addon into the fresh database $db (log: $install_log)"
clone_db "$TEMPLATE_DB" "$db"
trap 'drop_db "$db"' EXIT
odoo -d "$db" -i xero_integration --stop-after-init --without-demo --log-level=warn \
    --http-interface=127.0.0.1 --workers=0 --max-cron-threads=0 > "$install_log" 2>&1 \
    || { grep -E ' (ERROR|CRITICAL) |Traceback|^\S*Error' "$install_log" | head -n 40 >&2 || true
         tail -n 30 "$install_log" >&2
         die "installing the addon failed (log: $install_log)"; }

log "running bench/$name.py on $db"
set +e
(cd "$REPO_DIR" && PYTHONPATH="$ODOO_PYTHONPATH${PYTHONPATH:+:$PYTHONPATH}" "$VENV_PY" "$script" \
    --db "$db" \
    --odoo="--addons-path=$ADDONS_DIR" --odoo="--db_host=$PGHOST" --odoo="--db_port=$PGPORT" \
    --odoo="--db_user=$DB_USER" --odoo="--db_password=$DB_PASSWORD" \
    --odoo="--data-dir=$CACHE_DIR/data" --odoo="--max-cron-threads=0" \
    --odoo="--http-interface=127.0.0.1" \
    "$@")
rc=$?
set -e
exit "$rc"
