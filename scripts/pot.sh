#!/usr/bin/env bash
# The translation template: regenerates i18n/xero_integration.pot with Odoo's own exporter (the
# terms of the addon's Python `_()` calls, views, QWeb templates, menus, fields and selections),
# from a throw-away database cloned from the template and with the addon installed. About a minute.
#
#   scripts/pot.sh
#
# Run it after adding or changing a user-facing string: tests/test_translations.py fails, listing
# the missing strings, until the .pot holds them. The dates Odoo writes in the header are blanked,
# so that a run with no string changed leaves the file as it was (no diff).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

setup_all

db="xero_pot_$$"
pot="$REPO_DIR/i18n/xero_integration.pot"
pot_log="$LOG_DIR/pot-$db.log"
trap 'drop_db "$db"' EXIT
clone_db "$TEMPLATE_DB" "$db"
log "installing the addon into $db (log: $pot_log)"
odoo -d "$db" -i xero_integration --stop-after-init --no-http --log-level=warn > "$pot_log" 2>&1 \
    || { tail -n 40 "$pot_log" >&2; die "installing the addon failed"; }
mkdir -p "$REPO_DIR/i18n"
log "exporting the terms to $pot"
XERO_POT_FILE="$pot" odoo shell -d "$db" --no-http --log-level=warn >> "$pot_log" 2>&1 <<'PYTHON' \
    || { tail -n 40 "$pot_log" >&2; die "exporting the terms failed"; }
import io
import os
import re

from odoo.tools.translate import trans_export

buffer = io.BytesIO()
assert trans_export(None, ['xero_integration'], buffer, 'po', env), 'no term to export'
text = buffer.getvalue().decode()
# No creation or revision date: an unchanged addon regenerates an identical file.
text = re.sub(r'^"(POT-Creation-Date|PO-Revision-Date): [^"]*\\n"$', r'"\1: \\n"', text, flags=re.M)
with open(os.environ['XERO_POT_FILE'], 'w', encoding='utf-8') as pot:
    pot.write(text)
PYTHON
log "wrote $pot ($(grep -c '^msgid ' "$pot") entries, the header's included)"
