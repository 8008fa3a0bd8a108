#!/usr/bin/env bash
# The demo command: sets everything up on a fresh machine, then runs the local Xero simulator and
# Odoo (with the addon installed in a demo database holding a few customers and posted invoices)
# on localhost. Ctrl-C stops both.
#
#   XERO_DEMO_PORT (default 8069)   Odoo's port
#   XERO_SIM_PORT  (default 8070)   the simulator's port
#   XERO_DEMO_DB   (default xero_demo)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ODOO_PORT="${XERO_DEMO_PORT:-8069}"
SIM_PORT="${XERO_SIM_PORT:-8070}"
DEMO_DB="${XERO_DEMO_DB:-xero_demo}"
SIM_URL="http://127.0.0.1:$SIM_PORT"
BASE_URL="http://localhost:$ODOO_PORT"

setup_all

# The addon, and the demo module (demo_addons/xero_integration_demo: demo mode), installed here only.
if ! db_exists "$DEMO_DB"; then
    log "creating the demo database $DEMO_DB"
    clone_db "$TEMPLATE_DB" "$DEMO_DB"
    mode=(-i "xero_integration,$DEMO_MODULE")
else
    log "updating the addon in the demo database $DEMO_DB"
    # -i installs the demo module into a database made before it existed; -u updates both.
    mode=(-i "$DEMO_MODULE" -u "xero_integration,$DEMO_MODULE")
fi
odoo -d "$DEMO_DB" "${mode[@]}" --stop-after-init --log-level=warn > "$LOG_DIR/demo-install.log" 2>&1 \
    || { tail -n 40 "$LOG_DIR/demo-install.log" >&2; die "installing the addon failed"; }
XERO_SIM_URL="$SIM_URL" XERO_DEMO_BASE_URL="$BASE_URL" \
    odoo shell -d "$DEMO_DB" --no-http --log-level=warn < "$REPO_DIR/scripts/demo_data.py" \
    > "$LOG_DIR/demo-data.log" 2>&1 \
    || { tail -n 40 "$LOG_DIR/demo-data.log" >&2; die "loading the demo data failed"; }

log "starting the Xero simulator on $SIM_URL (log: $LOG_DIR/simulator.log)"
(cd "$REPO_DIR" && exec "$VENV_PY" -m xero_sim --host 127.0.0.1 --port "$SIM_PORT") \
    > "$LOG_DIR/simulator.log" 2>&1 &
SIM_PID=$!
trap 'kill "$SIM_PID" 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 50); do
    "$VENV_PY" -c "import urllib.request as u; u.urlopen('$SIM_URL/_sim/counters', timeout=1)" \
        >/dev/null 2>&1 && break
    kill -0 "$SIM_PID" 2>/dev/null || { cat "$LOG_DIR/simulator.log" >&2; die "the simulator did not start"; }
    sleep 0.2
done

cat <<EOT

  Odoo with Xero Integration:  $BASE_URL/odoo   (login: admin, password: admin)
  Connect:                     Settings > Invoicing > Xero > Connect  (Client ID/Secret are pre-filled)
  Xero simulator:              $SIM_URL/_sim/   (what arrived in "Xero")

  Ctrl-C stops Odoo and the simulator.

EOT
odoo -d "$DEMO_DB" --db-filter="^${DEMO_DB}\$" --http-interface=127.0.0.1 --http-port="$ODOO_PORT" \
    --workers=0 --log-level=info
