"""The engine's sentences as templates, in the order of the engine's modules.

One entry per f-string of `solver.explain`, `solver.checker_rules` (and `solver.checker`),
`solver.eligibility`, `solver.conflicts` and `solver.parse` that a planning page may show:
the engine's text with typed fields (`web.planning.sentences`, kinds of
`web.planning.sentence_kinds`) and the coordinator's message, a gettext msgid with the same
field names. Lists inside a sentence (a candidate's reasons, a role's requirements) are
fields whose kind is itself a set of templates. `web.planning.reasons` uses `SENTENCE`
and `FRAGMENT`.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from web.planning.sentence_kinds import base_kinds
from web.planning.sentences import Templates, joined, nested


def _reasons(items: list[str]) -> str:
    return _("; ").join(items)


def _requirements(items: list[str]) -> str:
    return _(", ").join(items)


KINDS = base_kinds()

# --- solver.explain: what a role needs, for one volunteer and for several (_requirements) ---

_SKILL_LEVEL = _l("%(skill)s level %(level)s or above")
_IN_TEAMS = _l("in %(teams)s")
_SERVING = _l("serving %(grid)s")
REQUIREMENT = Templates(KINDS, [
    ("has {skill:skill} >= {level:int}", _SKILL_LEVEL),
    ("have {skill:skill} >= {level:int}", _SKILL_LEVEL),
    ("is in group {teams:teams_or}", _IN_TEAMS),
    ("are in group {teams:teams_or}", _IN_TEAMS),
    ("serves {grid:grid}", _SERVING),
    ("serve {grid:grid}", _SERVING),
])
KINDS["requirement"] = nested(REQUIREMENT)
KINDS["requirements"] = joined(REQUIREMENT, " and ", _requirements)

# --- solver.explain: notes on a requirement nobody meets (qualification_summary) -----------

NOTE = Templates(KINDS, [
    ("nobody has {skill:skill} at all", _l("nobody has %(skill)s at all")),
    ("best: {volunteer:label} has {skill:skill} {level:int}",
     _l("the best is %(volunteer)s, with %(skill)s level %(level)s")),
    ("{n:int} {requirement:requirement}", _l("%(requirement)s: %(n)s")),
])
KINDS["notes"] = joined(NOTE, "; ", _reasons)

# --- solver.checker_rules: how one more assignment would break a rule ----------------------
# Violation.hint, or its detail when it has none; shared with the checker's sentences.

PAIR_DETAILS = [
    ("shifts {a:shift} and {b:shift} overlap", _l("%(a)s and %(b)s overlap")),
    ("only {gap:int} minutes between {a:shift} at {va:venue} and {b:shift} at {vb:venue}"
     " < travel_minutes {limit:int}",
     _l("only %(gap)s minutes between %(a)s at %(va)s and %(b)s at %(vb)s; going from one venue "
        "to the other takes %(limit)s")),
    ("only {gap:int} minutes of rest between {a:shift} and {b:shift} < min_rest_minutes {limit:int}",
     _l("only %(gap)s minutes of rest between %(a)s and %(b)s; at least %(limit)s wanted")),
]
WITHDREW = ("withdrew from {shift:shift} (forbidden)", _l("withdrew from %(shift)s or was taken out of it"))

PHRASE = Templates(KINDS, [
    # solver.explain._phrase
    ("taken by overlapping shift {other:shift} ({title:text}, {when:span})",
     _l("busy in the overlapping shift %(other)s")),
    ("taken by overlapping shift {other:shift} ({when:span})", _l("busy in the overlapping shift %(other)s")),
    ("forbidden succession {first:activity} -> {then:activity} with {other:shift} on {day:date}",
     _l("%(then)s may not follow %(first)s on the next day (%(other)s)")),
    ("forbidden succession {first:activity} -> {then:activity}",
     _l("%(then)s may not follow %(first)s on the next day")),
    ("already in {shift:shift} as {roles:roles}", _l("already in %(shift)s as %(roles)s")),
    # solver.checker_rules hints
    ("lacks {skill:skill} >= {level:int} (has {had:skill} {have:int})",
     _l("has %(skill)s level %(have)s, needs %(level)s")),
    ("lacks {skill:skill} >= {level:int} (has none)", _l("does not have %(skill)s (level %(level)s needed)")),
    ("not in group {teams:teams_or}", _l("not in %(teams)s")),
    ("serves {served:grids}, not {grid:grid}", _l("serves %(served)s, not %(grid)s")),
    ("not available then", _l("not available at that time")),
    ("busy {busy:span}", _l("busy %(busy)s (imported calendar)")),
    ("day off on {day:date}", _l("on leave on %(day)s")),
    WITHDREW,
    ("{slot:slot} would have {n:int} people > max {limit:int}",
     _l("%(slot)s would have %(n)s people, more than its most of %(limit)s")),
    ("{team:team} needs a supervisor from {by:teams_or} in {shift:shift}",
     _l("%(team)s need someone of %(by)s with them in %(shift)s")),
    *PAIR_DETAILS,
    ("at max_shifts_per_day {limit:int} on {day:date}", _l("already has the most shifts a day (%(limit)s) on %(day)s")),
    ("at max_shifts {limit:int}", _l("already has the most shifts a week (%(limit)s)")),
    ("at max_shifts_per_activity {limit:int} for {activity:activity}",
     _l("already has the most shifts of %(activity)s (%(limit)s)")),
    ("at max_minutes {limit:int} (would have {total:int})",
     _l("would serve %(total)s minutes, more than the most of %(limit)s a week")),
    ("would have only {total:int} minutes < min_minutes {limit:int}",
     _l("would serve only %(total)s minutes, fewer than the least of %(limit)s")),
    ("would work {n:int} days in a row > max_consecutive_days {limit:int}",
     _l("would serve %(n)s days in a row, more than the most of %(limit)s")),
    ("would work only {n:int} day(s) in a row < min_consecutive_days {limit:int}",
     _l("would serve only %(n)s day(s) in a row, fewer than the least of %(limit)s")),
    ("would leave only {n:int} day(s) off in a row < min_consecutive_days_off {limit:int}",
     _l("would leave only %(n)s day(s) off in a row, fewer than the least of %(limit)s")),
    ("at max_weekends {limit:int}", _l("already serves the most weekends (%(limit)s)")),
])
KINDS["phrases"] = joined(PHRASE, "; ", _reasons)

# --- solver.checker_rules: the checker's sentences, "{subject}: {detail}" ------------------

DETAIL = Templates(KINDS, [
    ("lacks {skill:skill} >= {level:int} for {slot:slot} (has {had:skill} {have:int})",
     _l("has %(skill)s level %(have)s, but %(slot)s needs %(level)s")),
    ("lacks {skill:skill} >= {level:int} for {slot:slot} (has none)",
     _l("does not have %(skill)s, which %(slot)s needs at level %(level)s")),
    ("not in group {teams:teams_or} required by {slot:slot}", _l("not in %(teams)s, which %(slot)s requires")),
    ("serves {served:grids}, not area {grid:grid} of {shift:shift}",
     _l("serves %(served)s, not %(grid)s of %(shift)s")),
    ("not available for {shift:shift} ({when:span})", _l("not available for %(shift)s")),
    ("unavailable {busy:span}, during {shift:shift} ({when:span})",
     _l("busy %(busy)s (imported calendar), during %(shift)s")),
    ("day off {day:date} but assigned to {shift:shift}", _l("on leave on %(day)s but in %(shift)s")),
    ("assigned to {shift:shift}, which is forbidden (withdrawn)",
     _l("in %(shift)s, which they withdrew from or were taken out of")),
    ("in {n:int} roles of {shift:shift} ({roles:roles})", _l("in %(n)s roles of %(shift)s (%(roles)s)")),
    ("listed {n:int} times in {slot:slot}", _l("listed %(n)s times in %(slot)s")),
    ("{n:int} people > max {limit:int}", _l("%(n)s people, more than its most of %(limit)s")),
    ("{team:team} {names:volunteers} without a supervisor from {by:teams_or}",
     _l("%(team)s %(names)s without anyone of %(by)s with them")),
    *PAIR_DETAILS,
    ("{n:int} shifts on {day:date} ({listed:shifts}) > max_shifts_per_day {limit:int}",
     _l("%(n)s shifts on %(day)s (%(listed)s), more than the most of %(limit)s a day")),
    ("{n:int} shifts > max_shifts {limit:int}", _l("%(n)s shifts, more than the most of %(limit)s a week")),
    ("{n:int} shifts of {activity:activity} > max_shifts_per_activity {limit:int}",
     _l("%(n)s shifts of %(activity)s, more than the most of %(limit)s")),
    ("{total:int} minutes > max_minutes {limit:int}", _l("%(total)s minutes, more than the most of %(limit)s a week")),
    ("{total:int} minutes < min_minutes {limit:int}", _l("only %(total)s minutes, fewer than the least of %(limit)s")),
    ("{total:int} minutes < min_minutes {limit:int} (min_minutes_strict)",
     _l("only %(total)s minutes, fewer than the least of %(limit)s (which holds even without shifts)")),
    ("works {n:int} days in a row ({days:days}) > max_consecutive_days {limit:int}",
     _l("serves %(n)s days in a row (%(days)s), more than the most of %(limit)s")),
    ("works only {n:int} day(s) in a row ({days:days}) < min_consecutive_days {limit:int}",
     _l("serves only %(n)s day(s) in a row (%(days)s), fewer than the least of %(limit)s")),
    ("only {n:int} day(s) off in a row ({days:days}) < min_consecutive_days_off {limit:int}",
     _l("only %(n)s day(s) off in a row (%(days)s), fewer than the least of %(limit)s")),
    ("works {n:int} weekends ({starts:dates}) > max_weekends {limit:int}",
     _l("serves %(n)s weekends (%(starts)s), more than the most of %(limit)s")),
    ("{a:shift} ({a_activity:activity}) on {day:date} is followed by {b:shift} ({b_activity:activity})"
     " the next day: forbidden succession {first:activity} -> {then:activity}",
     _l("%(a)s is followed by %(b)s on the next day, but %(then)s may not follow %(first)s")),
    # solver.checker.fixed_present
    ("fixed assignment to {shift:shift} is missing", _l("not in %(shift)s, though confirmed or pinned there")),
    ("fixed assignment to {shift:shift} as {role:role} is missing",
     _l("not in %(shift)s as %(role)s, though confirmed or pinned there")),
])
KINDS["detail"] = nested(DETAIL, ".+")
KINDS["details"] = joined(DETAIL, "; ", _reasons)

# --- solver.eligibility: why a fixed entry has no candidate (obstacle) --------------------

OBSTACLE = Templates(KINDS, [
    WITHDREW,
    ("does not serve area {grid:grid} of {shift:shift}", _l("does not serve %(grid)s of %(shift)s")),
    ("is not available for the whole of {shift:shift} ({when:span})",
     _l("is not available for the whole of %(shift)s")),
    ("is unavailable during {shift:shift} ({when:span})", _l("is busy during %(shift)s (imported calendar)")),
    ("has a day off on {day:date}, when {shift:shift} starts", _l("is on leave on %(day)s, when %(shift)s starts")),
    ("has max_shifts 0", _l("takes no shifts (most shifts a week: 0)")),
    ("has max_shifts_per_day 0", _l("takes no shifts (most shifts a day: 0)")),
    ("has max_consecutive_days 0", _l("takes no shifts (most days in a row: 0)")),
    ("has max_shifts_per_activity 0 for {activity:activity}", _l("takes no shifts of %(activity)s")),
    ("has max_minutes {limit:int} < {minutes:int} minutes of {shift:shift}",
     _l("serves at most %(limit)s minutes, fewer than the %(minutes)s minutes of %(shift)s")),
    ("is in none of the groups {teams:teams_listed} of {slot:slot}", _l("is in none of %(teams)s for %(slot)s")),
    ("lacks {skill:skill} >= {level:int} for {slot:slot}", _l("lacks %(skill)s level %(level)s for %(slot)s")),
    ("cannot take it", _l("cannot take it")),
])
KINDS["obstacles"] = joined(OBSTACLE, "; ", _reasons)

# --- solver.conflicts: why a week cannot be scheduled --------------------------------------

FIXED_ITEM = Templates(KINDS, [
    ("{volunteer:volunteer} in {slot:any_slot}", _l("%(volunteer)s in %(slot)s")),
    ("{volunteer:volunteer} in {shift:shift}", _l("%(volunteer)s in %(shift)s")),
])
KINDS["fixed_item"] = nested(FIXED_ITEM)
KINDS["fixed_items"] = joined(FIXED_ITEM, "; ", _reasons)


def _fixed_shifts(values: dict[str, str]) -> str:
    return ngettext("%(volunteer)s is confirmed or pinned in %(num)d shift (%(listed)s), but takes at most "
                    "%(limit)s a week", "%(volunteer)s is confirmed or pinned in %(num)d shifts (%(listed)s), but "
                    "takes at most %(limit)s a week", int(values["n"]), **values)


def _fixed_shifts_on_day(values: dict[str, str]) -> str:
    return ngettext("%(volunteer)s is confirmed or pinned in %(num)d shift starting on %(day)s (%(listed)s), "
                    "but takes at most %(limit)s a day", "%(volunteer)s is confirmed or pinned in %(num)d shifts "
                    "starting on %(day)s (%(listed)s), but takes at most %(limit)s a day", int(values["n"]), **values)


def _fixed_shifts_of_activity(values: dict[str, str]) -> str:
    return ngettext("%(volunteer)s is confirmed or pinned in %(num)d shift of %(activity)s (%(listed)s), but "
                    "takes at most %(limit)s", "%(volunteer)s is confirmed or pinned in %(num)d shifts of "
                    "%(activity)s (%(listed)s), but takes at most %(limit)s", int(values["n"]), **values)


_RAN_OUT = ("The hard rules cannot all hold, but the search ran out of time before it could isolate the cause.")
_LIMITS_NEXT = " Volunteers' limits (max/min minutes, shifts, consecutive days) come next."

_CONFLICTS = [
    # static_conflicts
    ("fixed: {volunteer:who} in {slot:any_slot} cannot hold: {again:volunteer} {why:obstacles}",
     _l("%(volunteer)s is confirmed or pinned in %(slot)s, which cannot hold: %(volunteer)s %(why)s")),
    # _fallback
    (_RAN_OUT + _LIMITS_NEXT, _l("The rules cannot all hold, but the engine ran out of time before it found the "
                                 "cause. Check the volunteers' limits (hours, shifts, days in a row).")),
    (_RAN_OUT + " Check the fixed assignments first: {fixed:fixed_items}." + _LIMITS_NEXT,
     _l("The rules cannot all hold, but the engine ran out of time before it found the cause. Check the "
        "confirmed sign-ups and pins first: %(fixed)s. Then the volunteers' limits (hours, shifts, days in a row).")),
    # describe
    ("These fixed assignments are part of the conflict too: {fixed:fixed_items}.",
     _l("These confirmed sign-ups and pins are part of the conflict too: %(fixed)s.")),
    ("These fixed assignments cannot all hold together: {fixed:fixed_items}.",
     _l("These confirmed sign-ups and pins cannot all hold together: %(fixed)s.")),
    # _limit_sentence
    ("{slot:slot}: {n:int} volunteers are fixed to it ({names:volunteers}) but its max is {limit:int}",
     _l("%(n)s volunteers are confirmed or pinned in %(slot)s (%(names)s), but it takes at most %(limit)s")),
    ("{slot:slot}: its max of {limit:int} cannot hold", _l("%(slot)s: its most of %(limit)s people cannot hold")),
    ("{shift:shift}: {names:someone_or_who} of group {team:team} is fixed to it and needs a supervisor from"
     " {by:teams_or}, but none can be assigned to {again:shift}",
     _l("%(names)s of %(team)s, confirmed or pinned in %(shift)s, need someone of %(by)s with them, but none "
        "can be assigned to it")),
    ("{volunteer:who} is fixed to {n:int} shifts ({listed:shifts}) but max_shifts is {limit:int}", _fixed_shifts),
    ("{volunteer:who} is fixed to {total:int} minutes ({listed:shifts}) but max_minutes is {limit:int}",
     _l("%(volunteer)s is confirmed or pinned for %(total)s minutes (%(listed)s), but serves at most "
        "%(limit)s a week")),
    ("{volunteer:who} is fixed to {n:int} shifts starting on {day:date} ({listed:shifts})"
     " but max_shifts_per_day is {limit:int}", _fixed_shifts_on_day),
    ("{volunteer:who} is fixed to {n:int} shifts of {activity:activity} ({listed:shifts})"
     " but max_shifts_per_activity for {again:activity} is {limit:int}", _fixed_shifts_of_activity),
    ("{volunteer:who} must work at least min_minutes {limit:int}, which cannot be reached under the other rules",
     _l("%(volunteer)s must serve at least %(limit)s minutes, which the other rules do not allow")),
    ("{volunteer:who} must work at least min_minutes {limit:int} (min_minutes_strict), which cannot be reached"
     " under the other rules",
     _l("%(volunteer)s must serve at least %(limit)s minutes even without shifts, which the other rules "
        "do not allow")),
    ("{volunteer:who} must work at least min_minutes {limit:int}, which cannot be reached under the other rules"
     " together with the fixed shifts {listed:shifts}",
     _l("%(volunteer)s must serve at least %(limit)s minutes, which the other rules and the confirmed or "
        "pinned shifts %(listed)s do not allow")),
    ("{volunteer:who} must work at least min_minutes {limit:int} (min_minutes_strict), which cannot be reached"
     " under the other rules together with the fixed shifts {listed:shifts}",
     _l("%(volunteer)s must serve at least %(limit)s minutes even without shifts, which the other rules and "
        "the confirmed or pinned shifts %(listed)s do not allow")),
    ("{volunteer:who}: the forbidden succession {first:activity} -> {then:activity} cannot hold",
     _l("%(volunteer)s: the rule that %(then)s may not follow %(first)s on the next day cannot hold")),
    ("{volunteer:who}: the forbidden succession {first:activity} -> {then:activity} cannot hold"
     " with the fixed shifts {listed:shifts}",
     _l("%(volunteer)s: the rule that %(then)s may not follow %(first)s on the next day cannot hold with the "
        "confirmed or pinned shifts %(listed)s")),
    ("{volunteer:who} is fixed to work on {days:dates} ({listed:shifts}) but {limit:limit_rule} forbids it",
     _l("%(volunteer)s is confirmed or pinned on %(days)s (%(listed)s), but may serve %(limit)s")),
    ("{volunteer:who}: {limit:limit_rule} cannot hold under the other rules",
     _l("%(volunteer)s: the limit of %(limit)s cannot hold under the other rules")),
    # _pair_sentences
    ("fixed: {volunteer:who} is fixed to two roles of {shift:shift}, but a volunteer takes one role per shift",
     _l("%(volunteer)s is confirmed or pinned in two roles of %(shift)s, but takes one role per shift")),
    ("fixed: {first:fixed_item} and {second:any_slot} overlap",
     _l("Confirmed or pinned: %(first)s and %(second)s overlap")),
    ("fixed: {first:fixed_item} and {second:any_slot} are {gap:int} minutes apart"
     " but min_rest_minutes of {volunteer:volunteer} is {limit:int}",
     _l("Confirmed or pinned: %(first)s and %(second)s are %(gap)s minutes apart, but %(volunteer)s wants at "
        "least %(limit)s minutes of rest")),
    ("fixed: {first:fixed_item} at {va:venue} and {second:any_slot} at {vb:venue} are {gap:int} minutes apart"
     " but travel_minutes is {limit:int}",
     _l("Confirmed or pinned: %(first)s at %(va)s and %(second)s at %(vb)s are %(gap)s minutes apart, but "
        "going from one venue to the other takes %(limit)s")),
]

# --- solver.parse: a sign-up the export could not keep as fixed (scheduler.export notes) ----

PARSE_REASON = Templates(KINDS, [
    ('does not serve area "{grid:grid}"', _l("does not serve %(grid)s")),
    ("belongs to none of the groups {teams:teams_listed}", _l("is in none of %(teams)s")),
    ("lacks skill {skill:skill} >= {level:int}", _l("lacks %(skill)s level %(level)s")),
])
KINDS["parse_reasons"] = joined(PARSE_REASON, "; ", _reasons)

# --- every sentence a planning page shows, most specific first ------------------------------

SENTENCE = Templates(KINDS, [
    # solver.explain.qualification_summary
    ("1 volunteer may take {slot:slot} (no skill, group or area needed; {inside:int} already in it)",
     _l("1 volunteer may take %(slot)s (it needs no skill, team or grid; %(inside)s already in it)")),
    ("1 volunteer may take {slot:slot} (no skill, group or area needed)",
     _l("1 volunteer may take %(slot)s (it needs no skill, team or grid)")),
    ("{n:int} volunteers may take {slot:slot} (no skill, group or area needed; {inside:int} already in it)",
     _l("%(n)s volunteers may take %(slot)s (it needs no skill, team or grid; %(inside)s already in it)")),
    ("{n:int} volunteers may take {slot:slot} (no skill, group or area needed)",
     _l("%(n)s volunteers may take %(slot)s (it needs no skill, team or grid)")),
    ("1 volunteer {needs:requirements} for {slot:slot} ({inside:int} already in it)",
     _l("1 volunteer has what %(slot)s needs (%(needs)s); %(inside)s already in it")),
    ("1 volunteer {needs:requirements} for {slot:slot}", _l("1 volunteer has what %(slot)s needs (%(needs)s)")),
    ("{n:int} volunteers {needs:requirements} for {slot:slot} ({inside:int} already in it)",
     _l("%(n)s volunteers have what %(slot)s needs (%(needs)s); %(inside)s already in it")),
    ("{n:int} volunteers {needs:requirements} for {slot:slot}",
     _l("%(n)s volunteers have what %(slot)s needs (%(needs)s)")),
    ("nobody {needs:requirements} for {slot:slot} ({notes:notes})",
     _l("Nobody has what %(slot)s needs (%(needs)s): %(notes)s")),
    ("nobody {needs:requirements} for {slot:slot}", _l("Nobody has what %(slot)s needs (%(needs)s)")),
    # solver.explain._Explainer: the candidates
    ("{volunteer:label} could take it without breaking a hard rule; adding would not change the objective",
     _l("%(volunteer)s could take it without breaking a rule; adding them would not change the score")),
    ("{volunteer:label} could take it without breaking a hard rule; the place was left open for the"
     " objective (adding would cost {cost:cost}: {parts:parts})",
     _l("%(volunteer)s could take it without breaking a rule; the place was left open because adding them "
        "would worsen the score by %(cost)s (%(parts)s)")),
    ("{volunteer:label} could take it without breaking a hard rule; adding would improve the objective by"
     " {gain:number} ({parts:parts}); the solver did not find it",
     _l("%(volunteer)s could take it without breaking a rule; adding them would improve the score by "
        "%(gain)s (%(parts)s), which the engine did not find in its time")),
    ("{volunteer:label}: {why:phrases}", _l("%(volunteer)s: %(why)s")),
    ("1 more qualified volunteer could take it too", _l("1 more qualified volunteer could take it too")),
    ("{n:int} more qualified volunteers could take it too", _l("%(n)s more qualified volunteers could take it too")),
    ("1 more qualified volunteer is blocked too", _l("1 more qualified volunteer cannot take it either")),
    ("{n:int} more qualified volunteers are blocked too", _l("%(n)s more qualified volunteers cannot take it either")),
    # solver.conflicts
    *_CONFLICTS,
    # solver.checker_rules and solver.checker.fixed_present: str(Violation)
    ("{subject:subject}: {detail:detail}", _l("%(subject)s: %(detail)s")),
    # solver.parse: sign-ups left out of a run (scheduler.export.ExportNote)
    ('volunteer "{volunteer:volunteer}" cannot take role "{role:role}" of shift "{shift:shift}":'
     ' {why:parse_reasons}', _l("%(volunteer)s cannot take %(role)s of %(shift)s: %(why)s")),
    ('volunteer "{volunteer:volunteer}" can take no role of shift "{shift:shift}": {why:parse_reasons}',
     _l("%(volunteer)s can take no role of %(shift)s: %(why)s")),
])

#: Standalone phrases and details: a candidate's blocker (`Violation.short`) and the reasons
#: of a sign-up left out of a run (`scheduler.export.ExportNote`).
FRAGMENT = Templates(KINDS, [
    ("{why:phrases}", lambda values: values["why"]),
    ("{why:details}", lambda values: values["why"]),
])

#: Every set of templates (the test of the engine's sentences checks that each one occurs).
ALL_TEMPLATES = (REQUIREMENT, NOTE, PHRASE, DETAIL, OBSTACLE, FIXED_ITEM, PARSE_REASON, SENTENCE, FRAGMENT)
