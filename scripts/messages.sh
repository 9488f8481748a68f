#!/usr/bin/env bash
# Translation catalogues of src/tournevis/locale (fr, en).
#   scripts/messages.sh extract   re-extract every marked string into the .po files (then translate fr)
#   scripts/messages.sh compile   compile the .po files into .mo (not in git; `make setup` does it too)
# Extraction runs from src/tournevis so only the project's strings are collected; demo/ is left out.
# English is the source language: the en catalogue lists every msgid with an empty msgstr.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${BIN:-$ROOT/.venv/bin}
export TOURNEVIS_DEV=${TOURNEVIS_DEV:-1}

case "${1:-}" in
extract)
    (cd src/tournevis && "$BIN/tournevis" makemessages -l fr -l en --ignore 'demo/*' --add-location file --no-obsolete)
    ;;
compile)
    for po in src/tournevis/locale/*/LC_MESSAGES/django.po; do
        msgfmt --check-format -o "${po%.po}.mo" "$po"
    done
    ;;
*)
    echo "usage: $0 extract|compile" >&2
    exit 2
    ;;
esac
