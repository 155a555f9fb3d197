"""The engine's reasons and conflicts on the planning pages: every sentence the engine makes
is recognised and said in Chinese with names instead of ids (`web.planning.reasons`).

The first test collects real sentences (crafted problems of `tests.web.engine_sentences`
and the demo community's week through the service) and fails when one is not recognised,
when the Chinese names an id, or when a template no sentence used is left: a change of the
engine's wording shows up here.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, datetime
from typing import Iterator

import pytest
from flask import session
from flask_babel import refresh

from scheduler import planning
from scheduler.communities import community_by_slug
from scheduler.demo import load_demo
from scheduler.export import export_week, volunteer_doc_id
from scheduler.extensions import db
from scheduler.models import LeaveDate, Shift, ShiftRole, SignUp, SignUpSource, SignUpStatus, VolunteerProfile
from scheduler.weeks import generate_week
from solver import Assignment, check, explain_unfilled, solve
from solver.checker import AssignmentIndex, blocking_violations
from solver.eligibility import compute_eligibility
from solver.parse import role_obstacles
from web.planning import reason_templates, reasons
from web.planning.glossary import Glossary, ShiftFacts, week_glossary
from web.planning.sentences import Template
from tests.web.conftest import page_text
from tests.web.engine_sentences import SOLVE, Sample, crafted_samples
from tests.web.planning_fixtures import WEEK, run_now, small_week  # noqa: F401

BASE = f"/planning/test/{WEEK}"


@contextmanager
def language(app, locale: str) -> Iterator[None]:
    """A request context whose language is `locale` (the test's app context caches the
    locale in its `g`, which the request context shares: hence the refresh)."""
    with app.test_request_context():
        session["locale"] = locale
        refresh()
        yield


def raw_ids(text: str, sample: Sample) -> list[str]:
    """The volunteer and shift ids of `sample` that `text` still names."""
    ids = sorted(sample.volunteer_ids | sample.shift_ids, key=len, reverse=True)
    pattern = re.compile(r"(?<![A-Za-z0-9_-])(?:" + "|".join(map(re.escape, ids)) + r")(?![A-Za-z0-9_-])")
    return pattern.findall(text)


# --------------------------------------------------------------------------- the demo's week


def demo_sample() -> Sample:
    """What the engine says about the demo's week of 2026-W50 through the service: notes of
    sign-ups the export left out, reasons on a thinned draft, the checker on a draft with
    misplaced people, warnings of pins, and the conflicts of too many pins in one role."""
    load_demo(today=date(2026, 12, 1))
    community = community_by_slug("demo")
    generate_week(community, WEEK)
    _leave_out_sign_ups(export_week(community, WEEK).problem)
    export = export_week(community, WEEK)
    problem = export.problem
    said = [note.reason for note in export.notes]
    solution = solve(problem, **SOLVE)
    thinned = list(solution.assignments[::2])
    said += [reason for unfilled in explain_unfilled(problem, thinned) for reason in unfilled.reasons]
    misplaced = [Assignment(v.id, s.id, s.roles[0].name)
                 for v, s in zip(problem.volunteers[::5], problem.shifts[::-1])]
    said += check(problem, thinned + misplaced).violations
    index = AssignmentIndex(thinned)
    for shift in problem.shifts[:6]:
        for v in problem.volunteers:
            said += [x.short for x in blocking_violations(problem, index, v.id, shift.id, shift.roles[0].name)]
    said += _too_many_pins(community, problem)
    glossary = week_glossary(community, WEEK)
    return Sample(glossary, tuple(dict.fromkeys(said)), frozenset(glossary.volunteers), frozenset(glossary.shifts))


def _leave_out_sign_ups(problem) -> None:
    """A coordinator's sign-up for a role the volunteer lacks the skill of, and a volunteer's
    own sign-up on a day they then take leave: the export keeps neither as fixed."""
    skilled = next(s for s in problem.shifts if s.roles[0].skills)
    lacking = next(v for v in problem.volunteers if role_obstacles(v, skilled, skilled.roles[0]))
    shift, volunteer = next((s, v) for s in problem.shifts for v in problem.volunteers
                            if v.id != lacking.id and v.available is not None and not role_obstacles(v, s, s.roles[0]))
    for (on, who), source in (((skilled, lacking), SignUpSource.COORDINATOR), ((shift, volunteer), SignUpSource.SELF)):
        profile, role = _profile(who.id), _row_role(on.id, on.roles[0].name)
        db.session.add(SignUp(shift_role=role, volunteer=profile, status=SignUpStatus.CONFIRMED, source=source))
    profile, day = _profile(volunteer.id), shift.start.date()
    db.session.add(LeaveDate(volunteer=profile, start_date=day, end_date=day))
    db.session.flush()


def _too_many_pins(community, problem) -> list[str]:
    """Pin one more volunteer than a role may hold (with the pins' warnings) and solve; then
    pin someone at a time they are not available, which no schedule can hold either."""
    elig = compute_eligibility(problem)

    def takers(si: int) -> list[int]:
        return [vi for vi in elig.volunteers_of[si] if 0 in elig.roles[(vi, si)]]

    si, shift = next((i, s) for i, s in enumerate(problem.shifts) if len(takers(i)) > s.roles[0].max)
    pinned = takers(si)[: shift.roles[0].max + 1]
    role = _row_role(shift.id, shift.roles[0].name)
    said = []
    for vi in pinned:
        said += [w.text for w in planning.assign(community, WEEK, role, _profile(problem.volunteers[vi].id),
                                                 pinned=True)]
    said += solve(export_week(community, WEEK).problem, **SOLVE).conflicts
    other, outsider = next((s, v) for s in problem.shifts if s.id != shift.id for v in problem.volunteers
                           if v.available is not None and not role_obstacles(v, s, s.roles[0])
                           and not any(lo <= s.start_min and s.end_min <= hi for lo, hi in v.available))
    said += [w.text for w in planning.assign(community, WEEK, _row_role(other.id, other.roles[0].name),
                                             _profile(outsider.id), pinned=True)]
    said += solve(export_week(community, WEEK).problem, **SOLVE).conflicts
    return said


def _profile(doc_id: str) -> VolunteerProfile:
    return db.session.get(VolunteerProfile, int(doc_id[1:]))


def _row_role(shift_doc_id: str, name: str) -> ShiftRole:
    shift = db.session.get(Shift, int(shift_doc_id[1:]))
    return next(role for role in shift.roles if role.name == name)


# --------------------------------------------------------------------------- tests


def test_every_engine_sentence_is_recognised_and_said_with_names_in_chinese(app, monkeypatch):
    used: set[str] = set()
    say = Template.say

    def recording(template, sentence, glossary):
        said = say(template, sentence, glossary)
        if said is not None:
            used.add(template.text)
        return said

    monkeypatch.setattr(Template, "say", recording)
    samples = crafted_samples() + [demo_sample()]
    assert sum(len(sample.sentences) for sample in samples) > 500
    unrecognised, named = [], []
    with language(app, "zh_Hans"):
        for sample in samples:
            for sentence in sample.sentences:
                chinese = reasons.understood(sentence, sample.glossary)
                if chinese is None:
                    unrecognised.append(sentence)
                elif raw_ids(chinese, sample):
                    named.append(f"{sentence}\n    -> {chinese}")
    assert not unrecognised, "engine sentences no template recognises:\n" + "\n".join(unrecognised)
    assert not named, "Chinese that still names ids:\n" + "\n".join(named)
    unused = sorted({t.text for templates in reason_templates.ALL_TEMPLATES for t in templates.templates} - used)
    assert not unused, "templates no engine sentence used (wording changed, or the test misses a case):\n" + \
        "\n".join(unused)


def glossary() -> Glossary:
    """A hand-made week: 王芳 (v12), 李明 (v13), the calligraphy class s42 and a desk duty s43."""
    return Glossary(
        volunteers={"v12": "王芳", "v13": "李明"},
        shifts={"s42": ShiftFacts("书法班", datetime(2026, 12, 7, 9), datetime(2026, 12, 7, 11), frozenset({"讲师"})),
                "s43": ShiftFacts("服务站值班", datetime(2026, 12, 7, 10), datetime(2026, 12, 7, 12),
                                  frozenset({"接待"}))},
        skills={"calligraphy": "书法"}, teams={"retired_cadre": "退休干部", "student": "大学生"},
        grids={"grid-1": "第一网格"})


@pytest.mark.parametrize("sentence, chinese, english", [
    ("2 volunteers have calligraphy >= 2 and are in group retired_cadre or student for s42/讲师",
     "有 2 名志愿者符合 12月7日周一 09:00–11:00 书法班 · 讲师 的要求（书法 2 级及以上、属于退休干部或大学生）",
     "2 volunteers have what Mon, Dec 7 09:00–11:00 书法班 · 讲师 needs "
     "(书法 level 2 or above, in 退休干部 or 大学生)"),
    ("v12 王芳: taken by overlapping shift s43 (服务站值班, 2026-12-07 10:00-12:00); at max_shifts 3",
     "王芳：已排在时间重叠的班次 12月7日周一 10:00–12:00 服务站值班；已达每周最多班次（3 个）",
     "王芳: busy in the overlapping shift Mon, Dec 7 10:00–12:00 服务站值班; already has the most shifts a week (3)"),
    ("v13 (李明): serves grid-2, not area grid-1 of s42",
     "李明：服务grid-2，不服务 12月7日周一 09:00–11:00 书法班 所在的第一网格",
     "李明: serves grid-2, not 第一网格 of Mon, Dec 7 09:00–11:00 书法班"),
    ("v12 (王芳) is fixed to 2 shifts (s42, s43) but max_shifts is 1",
     "王芳已确认报名或被固定了 2 个班次（12月7日周一 09:00–11:00 书法班和12月7日周一 10:00–12:00 服务站值班），"
     "但每周最多 1 个",
     "王芳 is confirmed or pinned in 2 shifts (Mon, Dec 7 09:00–11:00 书法班 and Mon, Dec 7 10:00–12:00 服务站值班), "
     "but takes at most 1 a week"),
    ("nobody has calligraphy >= 4 for s42/讲师 (best: v12 王芳 has calligraphy 3)",
     "没有志愿者符合 12月7日周一 09:00–11:00 书法班 · 讲师 的要求（书法 4 级及以上）：最高的是王芳，书法 3 级",
     "Nobody has what Mon, Dec 7 09:00–11:00 书法班 · 讲师 needs (书法 level 4 or above): "
     "the best is 王芳, with 书法 level 3"),
])
def test_sentences_are_said_in_both_languages(app, sentence, chinese, english):
    for locale, expected in (("zh_Hans", chinese), ("en", english)):
        with language(app, locale):
            assert reasons.localise(sentence, glossary()) == expected


def test_an_unrecognised_sentence_is_shown_with_names_instead_of_ids(app):
    with language(app, "zh_Hans"):
        sentence = "v12 王芳 and v13 (李明) swapped s42 for v99 today"
        assert reasons.understood(sentence, glossary()) is None
        assert reasons.localise(sentence, glossary()) == \
            "王芳 and 李明 swapped 12月7日周一 09:00–11:00 书法班 for v99 today"
        # An id the glossary does not know is not understood, and shown as it is.
        assert reasons.understood("v99 赵: not available then", glossary()) is None
        assert reasons.localise("v99 赵: not available then", glossary()) == "v99 赵: not available then"


def test_a_chinese_coordinator_reads_why_a_role_is_unfilled_with_names(client, login, small_week):
    login(client, small_week.coordinator)
    run_now(small_week.community)
    baking = small_week.shift("baking")
    page = client.get(f"{BASE}/roles/{baking.roles[0].id}")
    text = page_text(page)
    reasons_html = page.get_data(as_text=True).split('id="unfilled-reasons"', 1)[1].split("</section>", 1)[0]
    assert "缺 1 人：原因" in text
    assert "没有志愿者符合 12月12日周六 14:00–16:00 烘焙班 · 讲师 的要求（baking 2 级及以上）：最高的是钱欣怡，baking 1 级" in text
    qian = small_week.volunteers["qian"].profile
    assert volunteer_doc_id(qian.id) not in reasons_html and f"s{baking.id}" not in reasons_html

    # The week's list says the same, and a manual edit's warning names people too.
    assert "最高的是钱欣怡" in page_text(client.get(BASE))
    desk_role = small_week.shift("desk").roles[0]
    zhao = small_week.volunteers["zhao"].profile
    response = client.post(f"{BASE}/roles/{desk_role.id}/assign", data={"volunteer_id": zhao.id},
                           follow_redirects=True)
    text = page_text(response)
    assert "赵子涵：没有reception技能，而 12月7日周一 08:30–12:00 服务站值班 · 接待 需要 1 级" in text
    assert not re.search(rf"\b{volunteer_doc_id(zhao.id)}\b", text)
