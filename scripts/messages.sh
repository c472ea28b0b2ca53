#!/bin/sh
# Refresh the English translation catalog from the Chinese source messages, then compile it.
#
#   scripts/messages.sh          update grassroots/locale/en/LC_MESSAGES/django.po and compile django.mo
#
# Needs GNU gettext (xgettext, msgmerge, msgfmt) on this machine; CI does not, because django.mo is committed.
# After running: translate every new or "#, fuzzy" entry in django.po, run this script again, and commit both
# django.po and django.mo. grassroots/core/tests/test_i18n.py fails while any entry is untranslated or fuzzy.
set -eu

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.test}"
IGNORE="--ignore=.venv --ignore=node_modules --ignore=var --ignore=staticfiles --ignore=test-results"

# --add-location=file: source references without line numbers, so unrelated edits do not churn the catalog.
# shellcheck disable=SC2086
"$PYTHON" manage.py makemessages --locale=en --add-location=file $IGNORE
# shellcheck disable=SC2086
"$PYTHON" manage.py compilemessages --locale=en $IGNORE

msgfmt --check --statistics --output-file=/dev/null grassroots/locale/en/LC_MESSAGES/django.po
