#!/usr/bin/env bash
# Extract every user-facing string, merge it into the zh and en catalogues, compile them.
# After running, fill the new empty msgstr in tracker/translations/zh/LC_MESSAGES/messages.po
# (scripts/fill_translations.py fills en with identity), then run this again to compile.
set -euo pipefail
cd "$(dirname "$0")/.."
BABEL=".venv/bin/pybabel"
[ -x "$BABEL" ] || BABEL="pybabel"
POT="$(mktemp --suffix=.pot)"
trap 'rm -f "$POT"' EXIT
"$BABEL" extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -k lazy_ngettext:1,2 \
  --no-location --sort-output -o "$POT" .
# A fixed extraction date: a date that moved with every run made every branch change the
# catalogues' header, and the union merge of .gitattributes then stacked two dates in it.
sed -i 's/^"POT-Creation-Date: .*"$/"POT-Creation-Date: 2026-11-29 00:00+0000\\n"/' "$POT"
for lang in zh en; do
  if [ -f "tracker/translations/$lang/LC_MESSAGES/messages.po" ]; then
    "$BABEL" update -i "$POT" -d tracker/translations -l "$lang" --no-fuzzy-matching --ignore-obsolete
  else
    "$BABEL" init -i "$POT" -d tracker/translations -l "$lang"
  fi
done
.venv/bin/python scripts/fill_translations.py
"$BABEL" compile -d tracker/translations --statistics
