#!/usr/bin/env bash
# Compiles the translations when gettext is there; the compiled .mo files are committed too, so a
# machine without gettext still serves German.
set -euo pipefail
py=${1:-.venv/bin/python}
command -v msgfmt >/dev/null || exit 0
cd "$(dirname "$0")/../buergerbuero"
[ -d locale ] || exit 0
"../$py" ../manage.py compilemessages -v0 --ignore '*/node_modules/*' >/dev/null
