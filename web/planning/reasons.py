"""The engine's reasons and conflicts in the coordinator's language and words.

The engine explains unfilled roles (`solver.explain`, with the checker's phrases of
`solver.checker_rules`) and infeasible weeks (`solver.conflicts`, with the obstacles of
`solver.eligibility`) in English sentences that name document ids: ``v12 王芳: busy
2026-12-08 09:00-10:00``, ``s42/讲师``, ``calligraphy >= 2``. Those sentences are the
engine's contract and stay as they are in the solution document and the run's record; this
module only changes how the planning pages show them. Each f-string of the engine has a
template that mirrors it (`web.planning.reason_templates`); `localise` says a sentence
through gettext with names (`web.planning.glossary`) in place of ids and codes. A sentence
no template recognises, say after the engine's wording changed, is shown as it is with the
ids it names replaced by names (`tests/web/test_planning_reasons.py` collects the engine's
real sentences and fails on any that falls back).

It lives in ``web/planning`` rather than ``scheduler/`` because it is presentation only: it
reads the request's language and changes no decision; the CLI keeps the engine's English.
"""

from __future__ import annotations

import re
from typing import Callable, Optional

from scheduler.models import Community
from web.planning.glossary import Glossary, week_glossary
from web.planning.reason_templates import FRAGMENT, SENTENCE

#: What may be an id in a sentence (the engine's ids contain no spaces, commas or brackets).
_TOKEN = re.compile(r'[^\s,;:()/"]+')


def understood(sentence: str, glossary: Glossary) -> Optional[str]:
    """`sentence` said in the request's language, or None when no template recognises it."""
    return SENTENCE.say(sentence, glossary) or FRAGMENT.say(sentence, glossary)


def localise(sentence: str, glossary: Glossary) -> str:
    """`sentence` in the request's language with names; unrecognised, with its ids named."""
    said = understood(sentence, glossary)
    return said if said is not None else name_ids(sentence, glossary)


def speaker(community: Community, week: str) -> Callable[[str], str]:
    """`localise` with the names of the community's `week`, for the pages and their flashes."""
    glossary = week_glossary(community, week)
    return lambda sentence: localise(sentence, glossary)


def name_ids(sentence: str, glossary: Glossary) -> str:
    """`sentence` with every volunteer and shift id it names replaced by a name.

    A volunteer's name written after the id (``v12 王芳``, ``v12 (王芳)``) is not repeated.
    """
    out = []
    position = 0
    for match in _TOKEN.finditer(sentence):
        if match.start() < position:
            continue
        token = match[0]
        name = glossary.volunteers.get(token)
        said = glossary.shift(token) if token in glossary.shifts else name or token
        out += [sentence[position:match.start()], said]
        position = match.end()
        if name:
            for written in (f" ({name})", f" {name}"):
                if sentence.startswith(written, position):
                    position += len(written)
                    break
    out.append(sentence[position:])
    return "".join(out)
