"""Names of the engine's hard rules in the coordinator's words (the checker's rule keys)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

RULE_LABELS = {
    "skills": _l("skill level"),
    "groups": _l("team of the role"),
    "areas": _l("grid served"),
    "available": _l("weekly availability"),
    "unavailable": _l("busy time"),
    "days_off": _l("leave day"),
    "forbidden": _l("withdrawn or taken out"),
    "one_role_per_shift": _l("one role per shift"),
    "role_max": _l("most people in the role"),
    "supervision": _l("supervision of students"),
    "overlap": _l("overlapping shifts"),
    "travel": _l("travel time between venues"),
    "min_rest": _l("rest between shifts"),
    "max_shifts_per_day": _l("most shifts a day"),
    "max_shifts": _l("most shifts a week"),
    "max_shifts_per_activity": _l("most shifts of an activity"),
    "max_minutes": _l("most hours a week"),
    "min_minutes": _l("fewest hours a week"),
    "max_consecutive_days": _l("most days in a row"),
    "min_consecutive_days": _l("fewest days in a row"),
    "min_consecutive_days_off": _l("fewest days off in a row"),
    "max_weekends": _l("most weekends"),
    "succession": _l("forbidden succession"),
    "fixed": _l("confirmed sign-up or pin"),
}


def rule_label(rule: str) -> str:
    """The coordinator's name of checker rule `rule` (the key itself when unknown)."""
    return str(RULE_LABELS.get(rule, rule))
