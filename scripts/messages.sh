#!/bin/sh
# Refresh the English translation catalog from the Chinese source messages, then compile it.
#
#   scripts/messages.sh          update every catalog (grassroots/locale and each module's own) and compile them
#   scripts/messages.sh dues     update and compile only grassroots/dues/locale (a module's own catalog)
#
# A module with a locale/ directory of its own (grassroots/<app>/locale/en/LC_MESSAGES) keeps its messages
# there; everything else goes to grassroots/locale.
# Needs GNU gettext (xgettext, msgmerge, msgfmt) on this machine; CI does not, because django.mo is committed.
# After running: translate every new or "#, fuzzy" entry in django.po, run this script again, and commit both
# django.po and django.mo. grassroots/core/tests/test_i18n.py fails while any entry is untranslated or fuzzy.
set -eu

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.test}"
IGNORE="--ignore=.venv --ignore=node_modules --ignore=var --ignore=staticfiles --ignore=test-results"

if [ $# -gt 0 ]; then
    app_dir="grassroots/$1"
    test -d "$app_dir/locale" || { echo "no $app_dir/locale directory" >&2; exit 2; }
    (cd "$app_dir" && PYTHONPATH=../.. "../../$PYTHON" -P -m django makemessages --locale=en --add-location=file \
        && PYTHONPATH=../.. "../../$PYTHON" -P -m django compilemessages --locale=en)
    msgfmt --check --statistics --output-file=/dev/null "$app_dir/locale/en/LC_MESSAGES/django.po"
    exit 0
fi

# --add-location=file: source references without line numbers, so unrelated edits do not churn the catalog.
# shellcheck disable=SC2086
"$PYTHON" manage.py makemessages --locale=en --add-location=file $IGNORE
# shellcheck disable=SC2086
"$PYTHON" manage.py compilemessages --locale=en $IGNORE

for po in grassroots/locale/en/LC_MESSAGES/django.po grassroots/*/locale/en/LC_MESSAGES/django.po; do
    if test -f "$po"; then msgfmt --check --statistics --output-file=/dev/null "$po"; fi
done
