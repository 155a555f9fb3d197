"""The kinds of field in the engine's sentences: ids, codes, times, numbers, and how each is
said to a coordinator (see `web.planning.sentences`).

The patterns follow how the engine writes each value: a volunteer as ``v12``, ``v12 王芳``
(`solver.explain.label`) or ``v12 (王芳)`` (`CheckContext.who`), a role of a shift as
``s42/讲师``, a time span as ``2026-12-08 09:00-11:00`` (`CheckContext.span`), lists joined
by ``", "`` or ``" or "``.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from web.planning.glossary import Glossary, day, listing, timespan
from web.planning.sentences import Kind, NotUnderstood

ID = r'[^\s,;:()/"]+'
CODE = r'[^\s,;:()"]+'
DATE = r"\d{4}-\d{2}-\d{2}"
SPAN = rf"{DATE} \d{{2}}:\d{{2}}-(?:{DATE} )?\d{{2}}:\d{{2}}"
SIGNED = r"[+-]\d+(?:\.\d+)?"

#: The objective's components (`solver.checker_objective`) in the coordinator's words.
COMPONENTS = {
    "unfilled": _l("unfilled places"),
    "overfilled": _l("places beyond the need"),
    "preference": _l("preferences"),
    "fairness": _l("fairness"),
    "continuity": _l("same people in a series"),
    "changes": _l("changes to the published plan"),
}


def _volunteer_of_who(text: str, glossary: Glossary) -> str:
    """``v12 (王芳)`` or ``v12`` -> the name (the name in brackets may be out of date)."""
    return glossary.volunteer(text.split(" (", 1)[0])


def _volunteer_of_label(text: str, glossary: Glossary) -> str:
    """``v12 王芳`` or ``v12`` -> the name."""
    return glossary.volunteer(text.split(" ", 1)[0])


def _slot(text: str, glossary: Glossary) -> str:
    shift, role = text.split("/", 1)
    return glossary.slot(shift, role)


def _any_slot(text: str, glossary: Glossary) -> str:
    if text.endswith(" (any role)"):
        return _("%(shift)s (any role)", shift=glossary.shift(text.removesuffix(" (any role)")))
    return _slot(text, glossary)


def _subject(text: str, glossary: Glossary) -> str:
    """The subject of a checker sentence: a volunteer, a role of a shift, or a shift."""
    if "/" in text:
        return _slot(text, glossary)
    if text in glossary.shifts:
        return glossary.shift(text)
    return _volunteer_of_who(text, glossary)


def _span(text: str, glossary: Glossary) -> str:
    start, end = text[:16], text[17:]
    started = datetime.fromisoformat(start)
    ended = datetime.fromisoformat(end if len(end) > 5 else f"{start[:10]} {end}")
    return timespan(started, ended)


def _days(text: str, glossary: Glossary) -> str:
    """``2026-12-08`` or ``2026-12-08 to 2026-12-10``."""
    first, _sep, last = text.partition(" to ")
    if not last:
        return day(date.fromisoformat(first))
    return _("%(first)s to %(last)s", first=day(date.fromisoformat(first)), last=day(date.fromisoformat(last)))


def _someone_or(names: str, glossary: Glossary) -> str:
    if names == "someone":
        return _("someone")
    return listing(_volunteer_of_who(who, glossary) for who in names.split(", "))


def _grids(text: str, glossary: Glossary) -> str:
    if text == "no area":
        return _("no grid")
    return listing(glossary.grid(code) for code in text.split(", "))


def _parts(text: str, glossary: Glossary) -> str:
    """``fairness +12.5, unfilled -1000`` -> the components in words, with their changes."""
    said = []
    for part in text.split(", "):
        name, change = part.rsplit(" ", 1)
        if name not in COMPONENTS:
            raise NotUnderstood(name)
        said.append(f"{COMPONENTS[name]} {change}")
    return _(", ").join(said)


def _limit_rule(text: str, glossary: Glossary) -> str:
    """A day-pattern limit of `solver.conflicts` (``max_consecutive_days 3``) in words."""
    rule, number = text.rsplit(" ", 1)
    if rule == "max_consecutive_days":
        return _("at most %(n)s days in a row", n=number)
    if rule == "min_consecutive_days":
        return _("at least %(n)s days in a row", n=number)
    if rule == "min_consecutive_days_off":
        return _("at least %(n)s days off in a row", n=number)
    return _("at most %(n)s weekends", n=number)


def _verbatim(text: str, glossary: Glossary) -> str:
    return text


def base_kinds() -> dict[str, Kind]:
    """The kinds of plain fields, by the name templates use after the colon."""
    who = rf"{ID}(?: \([^()]*\))?"
    return {
        "volunteer": Kind(ID, lambda text, g: g.volunteer(text)),
        "who": Kind(who, _volunteer_of_who),
        "label": Kind(rf"{ID}(?: [^:;]*)?", _volunteer_of_label),
        "volunteers": Kind(rf"{ID}(?:, {ID})*", lambda text, g: listing(g.volunteer(v) for v in text.split(", "))),
        "someone_or_who": Kind(rf"someone|{who}(?:, {who})*", _someone_or),
        "shift": Kind(ID, lambda text, g: g.shift(text)),
        "shifts": Kind(rf"(?:{ID}(?:, {ID})*)?",
                       lambda text, g: listing(g.shift(s) for s in text.split(", ")) if text else ""),
        "slot": Kind(rf"{ID}/.+?", _slot),
        "any_slot": Kind(rf"{ID}(?:/.+?| \(any role\))", _any_slot),
        "subject": Kind(rf"{ID}/.+?|{who}", _subject),
        "role": Kind(r".+?", _verbatim),
        "roles": Kind(r".+?", lambda text, g: listing(text.split(", "))),
        "text": Kind(r".*?", _verbatim),
        "skill": Kind(CODE, lambda text, g: g.skill(text)),
        "team": Kind(CODE, lambda text, g: g.team(text)),
        "teams_or": Kind(rf"{CODE}(?: or {CODE})*",
                         lambda text, g: listing((g.team(c) for c in text.split(" or ")), style="or")),
        "teams_listed": Kind(rf"{CODE}(?:, {CODE})*",
                             lambda text, g: listing((g.team(c) for c in text.split(", ")), style="or")),
        "grid": Kind(CODE, lambda text, g: g.grid(text)),
        "grids": Kind(rf"no area|{CODE}(?:, {CODE})*", _grids),
        "venue": Kind(CODE, lambda text, g: g.venue(text)),
        "activity": Kind(CODE, lambda text, g: g.activity(text)),
        "date": Kind(DATE, lambda text, g: day(date.fromisoformat(text))),
        "dates": Kind(rf"{DATE}(?:, {DATE})*", lambda text, g: listing(day(date.fromisoformat(d))
                                                                       for d in text.split(", "))),
        "days": Kind(rf"{DATE}(?: to {DATE})?", _days),
        "span": Kind(SPAN, _span),
        "int": Kind(r"-?\d+", _verbatim),
        "number": Kind(r"\d+(?:\.\d+)?", _verbatim),
        "cost": Kind(SIGNED, lambda text, g: text.removeprefix("+")),
        "parts": Kind(rf"\w+ {SIGNED}(?:, \w+ {SIGNED})*", _parts),
        "limit_rule": Kind(r"(?:max_consecutive_days|min_consecutive_days|min_consecutive_days_off"
                           r"|max_weekends) \d+", _limit_rule),
    }
