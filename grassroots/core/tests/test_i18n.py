"""Chinese is the source language; the English catalog (grassroots/locale/en) is complete, compiled, and chosen
by Accept-Language. See docs/i18n.md."""

import ast
import datetime as dt
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from grassroots.api.tests.support import session_client
from grassroots.core.identity import IdentityError, parse_id_number
from grassroots.core.testing.factories import id_number_for

EN_DIR = Path(settings.BASE_DIR) / "grassroots" / "locale" / "en" / "LC_MESSAGES"
PO_PATH = EN_DIR / "django.po"  # the project catalog; each module with messages of its own has one beside it
CATALOGS = sorted((Path(settings.BASE_DIR) / "grassroots").glob("**/locale/en/LC_MESSAGES/django.po"))
SOURCE_DIRS = [Path(settings.BASE_DIR) / "grassroots", Path(settings.BASE_DIR) / "config"]
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}
PLACEHOLDER_RE = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
BAD_CHECK_DIGIT = "110105194912310021"  # the check character should be X
MEMBERS = "/api/members/"


@pytest.fixture(autouse=True)
def _no_language_left_behind():
    """LocaleMiddleware activates the request's language for the thread and leaves it active; reset it so that
    an English request here cannot turn later tests English."""
    yield
    translation.deactivate()


# --- a small PO reader (no dependency on polib or gettext tools) ----------------------------------------------


def read_po(path: Path) -> list[dict]:
    """Entries as {"msgctxt", "msgid", "msgid_plural", "msgstr": {index: text}, "flags", "line"}, the header
    (msgid "") included, obsolete (#~) entries left out."""
    entries: list[dict] = []
    current: dict | None = None
    key: str | int | None = None
    for line_no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        opens_entry = line.startswith(("#", "msgctxt ", "msgid "))
        if current is None or (opens_entry and current["msgid"] is not None):
            current = {"msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": {}, "flags": set(),
                       "line": line_no}
            entries.append(current)
        if line.startswith("#"):
            if line.startswith("#,"):
                current["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith('"'):
            text = line
        else:
            keyword, _space, text = line.partition(" ")
            plural_form = re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword)
            if plural_form:
                key = int(plural_form.group(1) or 0)
                current["msgstr"][key] = ""
            elif keyword in ("msgctxt", "msgid", "msgid_plural"):
                key = keyword
                current[key] = ""
            else:
                raise AssertionError(f"{path}:{line_no}: cannot read {raw!r}")
        value = ast.literal_eval(text)  # PO strings use C escapes, which Python literals share
        if isinstance(key, int):
            current["msgstr"][key] += value
        else:
            current[key] += value
    return entries


def catalog_entries(paths=CATALOGS) -> list[dict]:
    return [e for path in paths for e in read_po(path) if e["msgid"] != ""]


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER_RE.findall(text))


# --- the catalog ----------------------------------------------------------------------------------------------


def test_the_project_catalog_is_there():
    assert PO_PATH in CATALOGS
    assert len(read_po(PO_PATH)) > 100


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: str(p.parent.parent.parent.parent.name))
def test_the_catalog_has_no_untranslated_or_fuzzy_entries(po_path):
    entries = read_po(po_path)
    header = next(e for e in entries if e["msgid"] == "")
    problems = [f"line {e['line']}: fuzzy {e['msgid']!r}" for e in entries if "fuzzy" in e["flags"]]
    problems += [
        f"line {e['line']}: untranslated {e['msgid']!r}"
        for e in entries
        if e["msgid"] and (not e["msgstr"] or not all(s.strip() for s in e["msgstr"].values()))
    ]

    assert "Language: en\n" in header["msgstr"][0]
    assert not problems, f"run scripts/messages.sh and translate {po_path}:\n" + "\n".join(problems)


def test_translations_keep_every_placeholder():
    wrong = [
        (e["msgid"], e["msgstr"][0])
        for e in catalog_entries()
        if placeholders(e["msgid"]) != placeholders(e["msgstr"][0])
    ]

    assert not wrong


def test_the_translations_are_english():
    chinese = [(e["msgid"], e["msgstr"][0]) for e in catalog_entries() if re.search(r"[\u3400-\u9fff]", e["msgstr"][0])]

    assert not chinese


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: str(p.parent.parent.parent.parent.name))
def test_the_compiled_catalog_matches_the_po_file(po_path):
    """The .mo is committed (CI has no gettext tools): it must be recompiled whenever the .po changes."""
    with po_path.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)

    stale = [
        e["msgid"]
        for e in catalog_entries([po_path])
        if e["msgctxt"] is None and e["msgid_plural"] is None and compiled.gettext(e["msgid"]) != e["msgstr"][0]
    ]

    assert not stale, "run scripts/messages.sh (compilemessages) after editing the .po file"


def source_messages() -> dict[str, str]:
    """msgid → "file:line" for every gettext call with a literal message in the project's Python code."""
    found: dict[str, str] = {}
    for base in SOURCE_DIRS:
        for path in sorted(base.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and node.args):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                first = node.args[0]
                if name in GETTEXT_NAMES and isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.setdefault(first.value, f"{path.relative_to(settings.BASE_DIR)}:{node.lineno}")
    return found


def test_every_message_in_the_python_code_is_in_the_catalog():
    catalog = {e["msgid"] for e in catalog_entries()}

    missing = [f"{where}: {msgid!r}" for msgid, where in source_messages().items() if msgid not in catalog]

    assert not missing, "run scripts/messages.sh and translate the new messages:\n" + "\n".join(missing)


# --- messages at run time -------------------------------------------------------------------------------------


def id_error(number: str) -> str:
    with pytest.raises(IdentityError) as caught:
        parse_id_number(number, today=dt.date(2026, 1, 1))
    return str(caught.value)


def test_an_id_number_error_comes_out_in_english():
    with translation.override("en"):
        message = id_error(BAD_CHECK_DIGIT)

    assert "check digit" in message
    assert "X" in message
    assert not re.search(r"[\u4e00-\u9fff]", message)


def test_an_id_number_error_stays_chinese_by_default():
    assert translation.get_language() == settings.LANGUAGE_CODE == "zh-hans"

    assert "校验位" in id_error(BAD_CHECK_DIGIT)


def member_body(org, **overrides) -> dict:
    return {
        "org": org.pk, "name": "李四", "gender": "F", "id_number": id_number_for(dt.date(1985, 3, 9), "F"),
        "education": "college", "occupation": "farmer", "joined_on": "2010-07-01", "confirmed_on": "2011-07-01",
        "status": "full", **overrides,
    }


@pytest.mark.parametrize("accept_language", ["en", "en-US,en;q=0.9,zh-CN;q=0.5"])
def test_an_api_validation_error_is_english_when_the_client_asks_for_it(tree, org_admin, accept_language):
    body = member_body(tree.village_a1, id_number=BAD_CHECK_DIGIT)

    response = session_client(org_admin).post(
        MEMBERS, body, content_type="application/json", headers={"Accept-Language": accept_language},
    )

    answer = response.json()
    assert response.status_code == 400
    assert answer["code"] == "invalid"
    assert answer["message"] == "Some input is invalid; please check the marked fields"
    assert "check digit" in answer["errors"]["id_number"][0]
    assert response["Content-Language"] == "en"


def test_an_api_validation_error_is_chinese_without_accept_language(tree, org_admin):
    body = member_body(tree.village_a1, id_number=BAD_CHECK_DIGIT)

    response = session_client(org_admin).post(MEMBERS, body, content_type="application/json")

    answer = response.json()
    assert response.status_code == 400
    assert answer["message"] == "输入有误，请检查标出的字段"
    assert "校验位" in answer["errors"]["id_number"][0]
    assert response["Content-Language"] == "zh-hans"



@pytest.mark.django_db
def test_pages_stay_chinese_for_an_english_browser_until_english_is_chosen(client):
    from django.conf import settings

    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page["Content-Language"] == "zh-hans"
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert client.get("/accounts/login/")["Content-Language"] == "en"
