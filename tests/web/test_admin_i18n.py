"""The coordinator pages' catalogue agrees with the other areas' catalogues.

Flask-Babel merges every area's catalogue into one, so when two areas translate the same
English text differently, whichever is merged last wins on every page. A string shared with
another area must therefore have the same Chinese, or get its own English wording.
"""

from __future__ import annotations

from babel.messages.pofile import read_po

from scheduler.config import PROJECT_ROOT

CATALOGUES = "web/*/translations/zh_Hans/LC_MESSAGES/messages.po"


def _translations(path) -> dict:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="zh_Hans")
    return {message.id: message.string for message in catalog if message.id and message.string}


def test_strings_shared_with_other_areas_have_the_same_chinese():
    paths = sorted(PROJECT_ROOT.glob(CATALOGUES))
    admin = _translations(PROJECT_ROOT / "web/admin/translations/zh_Hans/LC_MESSAGES/messages.po")
    assert len(admin) > 200
    clashes = [
        f"{path.parent.parent.parent.parent.name}: {msgid!r}: ours {admin[msgid]!r}, theirs {theirs[msgid]!r}"
        for path in paths
        if "admin" not in path.parts
        for theirs in [_translations(path)]
        for msgid in admin.keys() & theirs.keys()
        if admin[msgid] != theirs[msgid]
    ]
    assert not clashes, "\n".join(clashes)
