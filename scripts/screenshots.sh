#!/usr/bin/env bash
# Takes the README's screenshots: runs the demo (a fresh database, the simulator and Odoo, as
# scripts/demo.sh does, on ports of their own) and drives it in headless Chromium as a new user
# would: log in, Settings, Connect, Allow on the simulator's consent page, then the organisation,
# an invoice with its Xero badge, the sync log and the simulator's page.
#
#   XERO_SHOTS_PORT (default 8169)  Odoo's port      XERO_SHOTS_SIM_PORT (default 8170)
#   XERO_SHOTS_DIR  (default static/description/screenshots)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ODOO_PORT="${XERO_SHOTS_PORT:-8169}"
SIM_PORT="${XERO_SHOTS_SIM_PORT:-8170}"
OUT_DIR="${XERO_SHOTS_DIR:-$REPO_DIR/static/description/screenshots}"
SHOTS_DB="xero_shots_$$"
SIM_URL="http://127.0.0.1:$SIM_PORT"
BASE_URL="http://127.0.0.1:$ODOO_PORT"

setup_all
for port in "$ODOO_PORT" "$SIM_PORT"; do
    "$VENV_PY" -c "import socket, sys; s = socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $port)) == 0)" \
        || die "port $port is in use: set XERO_SHOTS_PORT / XERO_SHOTS_SIM_PORT"
done
command -v chromium >/dev/null || die "Chromium is missing (run as root once so that ensure_chromium installs it)"

log "creating the database $SHOTS_DB with the demo data"
clone_db "$TEMPLATE_DB" "$SHOTS_DB"
SIM_PID=""
ODOO_PID=""
cleanup() {
    # `odoo` is a shell function: the server is a child of the background subshell.
    if [ -n "$ODOO_PID" ]; then kill $(pgrep -P "$ODOO_PID") "$ODOO_PID" 2>/dev/null || true; fi
    if [ -n "$SIM_PID" ]; then kill "$SIM_PID" 2>/dev/null || true; fi
    wait 2>/dev/null || true
    drop_db "$SHOTS_DB"
}
trap cleanup EXIT INT TERM
odoo -d "$SHOTS_DB" -i "xero_integration,$DEMO_MODULE" --stop-after-init --log-level=warn > "$LOG_DIR/shots-install.log" 2>&1 \
    || { tail -n 40 "$LOG_DIR/shots-install.log" >&2; die "installing the addon failed"; }
XERO_SIM_URL="$SIM_URL" XERO_DEMO_BASE_URL="$BASE_URL" \
    odoo shell -d "$SHOTS_DB" --no-http --log-level=warn < "$REPO_DIR/scripts/demo_data.py" \
    > "$LOG_DIR/shots-data.log" 2>&1 || { tail -n 40 "$LOG_DIR/shots-data.log" >&2; die "loading the demo data failed"; }

(cd "$REPO_DIR" && exec "$VENV_PY" -m xero_sim --host 127.0.0.1 --port "$SIM_PORT") > "$LOG_DIR/shots-simulator.log" 2>&1 &
SIM_PID=$!
# Crons run in the server (as in the demo): the push after Connect is what the screenshots show.
odoo -d "$SHOTS_DB" --db-filter="^${SHOTS_DB}\$" --http-interface=127.0.0.1 --http-port="$ODOO_PORT" \
    --workers=0 --log-level=warn > "$LOG_DIR/shots-odoo.log" 2>&1 &
ODOO_PID=$!

mkdir -p "$OUT_DIR"
log "driving headless Chromium (log: $LOG_DIR/shots-odoo.log); screenshots go to $OUT_DIR"
"$VENV_PY" "$REPO_DIR/scripts/screenshots.py" "$BASE_URL" "$SIM_URL" "$SHOTS_DB" "$OUT_DIR"
log "done: $(ls "$OUT_DIR" | tr '\n' ' ')"
