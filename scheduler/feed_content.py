"""What a calendar event says, as a snapshot taken from the live tables.

`EventContent` is everything a feed shows about one shift, in plain data: a public event
(community, activity, venue and team feeds) or a volunteer's own assignment. It is stored
as canonical JSON in the ledger (`scheduler.feed_models.FeedEvent`), so a change of any
word is a change of its hash, and a cancelled or deleted shift can still be shown.

Privacy is decided here, once:

* public content never holds a phone number (`redact_phone_numbers` runs over every text),
  the coordinator's contact, or anything from a volunteer's profile but their name;
* names in public content follow `Community.public_name_mode`: the full name, the surname
  only (shown with a neutral title, ``王老师``), or no names at all;
* private content adds the volunteer's role, the co-volunteers and whom to call.

`event_texts` turns content into the words of an event (summary, description, location,
categories) in the current Babel locale.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Iterable, Optional, Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from scheduler.feed_models import CancelReason
from scheduler.models import ActivityKind, PublicNameMode, Shift, SignUp, SignUpStatus

#: Chinese two-character surnames (复姓); other Chinese names take the first character.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 轩辕 端木 独孤 南宫 "
    "西门 百里 呼延 澹台 公冶 太史 申屠 闻人 赫连 万俟 钟离 单于 司空 濮阳 淳于 仲孙 东郭 拓跋".split()
)

_PHONE = re.compile(
    r"""(?<![0-9])(?:
        (?:\+?86[\s-]?)?1[3-9][0-9](?:[\s-]?[0-9]){8}   # mobile, optionally +86
      | 0[0-9]{2,3}[\s-]?[0-9]{7,8}                       # landline with area code
      | [48]00[\s-]?[0-9]{3}[\s-]?[0-9]{4}                # 400 / 800 service numbers
      | [0-9]{7,8}                                        # a bare local number
    )(?![0-9])""",
    re.X,
)
PHONE_PLACEHOLDER = "***"

KIND_LABELS = {
    ActivityKind.CLASS: _l("Class"),
    ActivityKind.LECTURE: _l("Lecture"),
    ActivityKind.DUTY: _l("Duty"),
}


def redact_phone_numbers(text: str) -> str:
    """`text` with everything that looks like a phone number replaced by ``***``."""
    return _PHONE.sub(PHONE_PLACEHOLDER, text)


def surname_of(name: str) -> str:
    """The surname in `name`: a Chinese name's first character (two for 复姓), or the first
    word of a romanised one (Chinese order, as in ``Wang Xiuying``)."""
    name = name.strip()
    if not name:
        return ""
    if _is_cjk(name[0]):
        return name[:2] if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else name[0]
    return name.split()[0]


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or "\U00020000" <= char <= "\U0002ffff"


@dataclass(frozen=True)
class EventContent:
    """Everything one feed event shows, in plain data (no language, no host).

    ``people`` lists ``(role, names)`` in the shift's role order: in public content the
    names as `names_mode` allows (surnames for ``surname_title``, none for ``none``); in
    private content the co-volunteers' full names, the volunteer themself left out.
    """

    public: bool
    title: str
    start: str
    end: str
    timezone: str
    venue: str
    address: str
    activity_kind: str
    activity_title: str
    about: str
    path: str
    names_mode: str
    people: tuple[tuple[str, tuple[str, ...]], ...] = ()
    role: str = ""
    contact: str = ""

    @property
    def starts_at(self) -> datetime:
        """Local wall-clock start (naive)."""
        return datetime.fromisoformat(self.start)

    @property
    def ends_at(self) -> datetime:
        """Local wall-clock end (naive)."""
        return datetime.fromisoformat(self.end)

    def to_json(self) -> str:
        """Canonical JSON: the same content always gives the same text."""
        data = {name: getattr(self, name) for name in _FIELD_NAMES}
        data["people"] = [[role, list(names)] for role, names in self.people]
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> EventContent:
        """The content stored by `to_json`."""
        data = json.loads(text)
        data["people"] = tuple((role, tuple(names)) for role, names in data.get("people", ()))
        return cls(**data)

    def digest(self) -> str:
        """SHA-256 of the canonical JSON."""
        return json_digest(self.to_json())


def json_digest(text: str) -> str:
    """SHA-256 of a content's canonical JSON (`EventContent.to_json`)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_FIELD_NAMES = tuple(item.name for item in fields(EventContent))


def confirmed_sign_ups(shift: Shift) -> list[SignUp]:
    """The shift's confirmed sign-ups in role order, then first come first."""
    positions = {role.id: (role.position, role.id) for role in shift.roles}
    rows = [row for row in shift.sign_ups if row.status == SignUpStatus.CONFIRMED]
    return sorted(rows, key=lambda row: (positions.get(row.shift_role_id, (0, 0)), row.created_at, row.id))


def _people(shift: Shift, rows: Sequence[SignUp], name_of) -> tuple[tuple[str, tuple[str, ...]], ...]:
    by_role: dict[int, list[str]] = {}
    for row in rows:
        name = name_of(row)
        if name:
            by_role.setdefault(row.shift_role_id, []).append(name)
    return tuple((role.name, tuple(by_role[role.id])) for role in shift.roles if by_role.get(role.id))


def _public_name(mode: PublicNameMode):
    def name_of(row: SignUp) -> str:
        if mode == PublicNameMode.FULL:
            return redact_phone_numbers(row.volunteer.user.display_name)
        if mode == PublicNameMode.SURNAME_TITLE:
            return redact_phone_numbers(surname_of(row.volunteer.user.display_name))
        return ""

    return name_of


def _common(shift: Shift, *, public: bool, path: str, names_mode: str) -> dict:
    clean = redact_phone_numbers if public else (lambda text: text)
    venue = shift.venue
    activity = shift.activity
    return {
        "public": public,
        "title": clean(shift.title),
        "start": shift.starts_at.isoformat(timespec="minutes"),
        "end": shift.ends_at.isoformat(timespec="minutes"),
        "timezone": shift.community.timezone,
        "venue": clean(venue.name) if venue else "",
        "address": clean(venue.address) if venue else "",
        "activity_kind": activity.kind.value,
        "activity_title": clean(activity.title),
        "about": clean(activity.description or ""),
        "path": path,
        "names_mode": names_mode,
    }


def public_content(shift: Shift, confirmed: Sequence[SignUp], *, path: str) -> EventContent:
    """The public event of `shift` (its confirmed people named as the community allows)."""
    mode = shift.community.public_name_mode
    return EventContent(
        **_common(shift, public=True, path=path, names_mode=mode.value),
        people=_people(shift, confirmed, _public_name(mode)),
    )


def private_content(
    sign_up: SignUp, confirmed: Sequence[SignUp], *, path: str, contact: str
) -> EventContent:
    """The volunteer's own event for a confirmed `sign_up`: role, co-volunteers, contact."""
    shift = sign_up.shift
    others = [row for row in confirmed if row.id != sign_up.id]
    return EventContent(
        **_common(shift, public=False, path=path, names_mode=PublicNameMode.FULL.value),
        people=_people(shift, others, lambda row: row.volunteer.user.display_name),
        role=sign_up.shift_role.name,
        contact=contact,
    )


# --------------------------------------------------------------------------- words


@dataclass(frozen=True)
class EventTexts:
    """The words of one event in one language."""

    summary: str
    description: str
    location: str
    categories: tuple[str, ...] = field(default_factory=tuple)


def display_name(name: str, names_mode: str) -> str:
    """How a name in `EventContent.people` is shown: surnames get a neutral title."""
    if names_mode == PublicNameMode.SURNAME_TITLE.value:
        return _("%(surname)s (volunteer)", surname=name)
    return name


def _join(names: Iterable[str]) -> str:
    return _(", ").join(names)


def cancellation_note(reason: Optional[CancelReason]) -> str:
    """The first line of a cancelled event's description."""
    if reason == CancelReason.REMOVED:
        return _("You are no longer on this shift: the schedule was changed.")
    if reason == CancelReason.LEFT_FEED:
        return _("This event is no longer part of this calendar.")
    return _("This event was cancelled.")


def event_texts(
    content: EventContent, *, cancelled: bool, reason: Optional[CancelReason], url: str
) -> EventTexts:
    """Summary, description, location and categories of `content` in the current locale."""
    title = content.title
    if not content.public and content.role:
        title = _("%(title)s (%(role)s)", title=title, role=content.role)
    if cancelled:
        title = _("[Cancelled] %(title)s", title=title)
    lines: list[str] = []
    if cancelled:
        lines.append(cancellation_note(reason))
    if not content.public:
        lines.append(_("Your role: %(role)s", role=content.role))
        if content.people:
            others = [
                _("%(name)s (%(role)s)", name=name, role=role)
                for role, names in content.people
                for name in names
            ]
            lines.append(_("With: %(names)s", names=_join(others)))
        else:
            lines.append(_("With: nobody else yet"))
        if content.contact:
            lines.append(_("Coordinator: %(contact)s", contact=content.contact))
    else:
        for role, names in content.people:
            shown = [display_name(name, content.names_mode) for name in names]
            lines.append(_("%(role)s: %(names)s", role=role, names=_join(shown)))
    if content.about:
        lines.append(content.about)
    lines.append(_("Details: %(url)s", url=url))
    location = content.venue
    if content.venue and content.address:
        location = _("%(venue)s, %(address)s", venue=content.venue, address=content.address)
    kind = KIND_LABELS.get(ActivityKind(content.activity_kind))
    categories = tuple(dict.fromkeys(text for text in (str(kind) if kind else "", content.activity_title) if text))
    return EventTexts(summary=title, description="\n".join(lines), location=location, categories=categories)
