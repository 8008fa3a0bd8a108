#!/usr/bin/env bash
# The linters alone: ruff (ruff.toml) and pylint with OCA's Odoo checks (.pylintrc), in the
# virtualenv the other scripts build (no database, no Odoo needed). scripts/test.sh runs the same
# before the tests. Exit code non-zero on any finding.
#
#   scripts/lint.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_venv
ensure_addons_dir
if run_lint; then
    log "lint: no finding"
else
    log "lint: findings above"
    exit 1
fi
