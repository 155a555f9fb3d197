"""Every visible string has a Chinese translation, in the catalogue of its area.

An area is a blueprint package ``web/<area>/`` with templates in ``web/templates/<area>/``
and its catalogue in ``web/<area>/translations/zh_Hans/LC_MESSAGES/messages.po``. Strings
elsewhere (the base layout, error pages, ``scheduler/`` services) may live in any
catalogue. ``make i18n-update AREA=<area>`` extracts an area's strings (see README).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

from scheduler.config import PROJECT_ROOT

KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
LOCALE = "zh_Hans"


def areas() -> list[str]:
    """Blueprint packages of web/."""
    return sorted(path.parent.name for path in PROJECT_ROOT.glob("web/*/__init__.py"))


def catalogue_path(area: str) -> Path:
    return PROJECT_ROOT / "web" / area / "translations" / LOCALE / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=None)
def catalogue(area: str) -> Catalog:
    with catalogue_path(area).open("rb") as handle:
        return read_po(handle, locale=LOCALE)


def translated(catalog: Catalog, msgid) -> bool:
    message = catalog.get(msgid)
    if message is None or message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings)


def messages_in(paths) -> list[tuple[str, int, object]]:
    """(file, line, msgid) of every translatable string in `paths`.

    A plural message's msgid is its (singular, plural) pair, as catalogues key it.
    """
    found = []
    for path in paths:
        method = "python" if path.suffix == ".py" else "jinja2"
        for lineno, message, _comments, _context in extract_from_file(method, str(path), keywords=KEYWORDS):
            msgid = message if isinstance(message, str) else message[0]
            found.append((str(path.relative_to(PROJECT_ROOT)), lineno, msgid))
    return found


def area_sources(area: str) -> list[Path]:
    python = sorted((PROJECT_ROOT / "web" / area).rglob("*.py"))
    templates = sorted((PROJECT_ROOT / "web" / "templates" / area).rglob("*.html"))
    return python + templates


def shared_sources() -> list[Path]:
    """Sources outside every area: web/*.py, top-level templates, errors/, scheduler/."""
    area_template_dirs = {PROJECT_ROOT / "web" / "templates" / area for area in areas()}
    templates = [
        path for path in sorted((PROJECT_ROOT / "web" / "templates").rglob("*.html"))
        if not any(directory in path.parents for directory in area_template_dirs)
    ]
    return sorted((PROJECT_ROOT / "web").glob("*.py")) + templates + sorted((PROJECT_ROOT / "scheduler").rglob("*.py"))


@pytest.mark.parametrize("area", areas())
def test_area_strings_are_translated_in_the_areas_catalogue(area):
    messages = messages_in(area_sources(area))
    if not messages:
        return
    assert catalogue_path(area).exists(), f"web/{area} has strings but no zh_Hans catalogue"
    missing = [f"{file}:{line}: {msgid!r}" for file, line, msgid in messages
               if not translated(catalogue(area), msgid)]
    assert not missing, "untranslated (run make i18n-update AREA=%s):\n" % area + "\n".join(missing)


def test_shared_strings_are_translated_in_some_catalogue():
    catalogues = [catalogue(area) for area in areas() if catalogue_path(area).exists()]
    missing = [f"{file}:{line}: {msgid!r}" for file, line, msgid in messages_in(shared_sources())
               if not any(translated(catalog, msgid) for catalog in catalogues)]
    assert not missing, "untranslated:\n" + "\n".join(missing)


@pytest.mark.parametrize("area", [area for area in areas() if catalogue_path(area).exists()])
def test_translations_keep_the_placeholders(area):
    problems = [
        f"{message.id!r}: {errors}"
        for message, errors in catalogue(area).check()
    ]
    assert not problems, "\n".join(problems)


def test_the_check_catches_a_missing_translation(tmp_path):
    """The checker itself: a template string with no catalogue entry is reported."""
    template = tmp_path / "page.html"
    template.write_text('<p>{{ _("A sentence nobody translated") }}</p>', encoding="utf-8")
    [(_line, msgid, _comments, _context)] = extract_from_file("jinja2", str(template), keywords=KEYWORDS)
    assert msgid == "A sentence nobody translated"
    assert not translated(catalogue("main"), msgid)
    assert translated(catalogue("main"), "Log out")


def test_a_msgid_in_several_catalogues_has_one_translation():
    """Catalogues are merged, so one msgid translated two ways would show either at random."""
    seen: dict[object, tuple[str, object]] = {}
    clashes = []
    for area in areas():
        if not catalogue_path(area).exists():
            continue
        for message in catalogue(area):
            if not message.id or not message.string:
                continue
            if message.id in seen and seen[message.id][1] != message.string:
                first_area, first_string = seen[message.id]
                clashes.append(f"{message.id!r}: {first_area} {first_string!r} / {area} {message.string!r}")
            seen.setdefault(message.id, (area, message.string))
    assert not clashes, "translate alike in every catalogue:\n" + "\n".join(clashes)
