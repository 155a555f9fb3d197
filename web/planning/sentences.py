"""Recognising a sentence an f-string made, and saying it again in other words.

A `Template` mirrors one f-string: its literal text, with each replacement field written
``{name:kind}`` (``"{volunteer:who} is fixed to {n:int} shifts"``). It compiles to an
anchored regular expression with a named group per field. A `Kind` says what the text of a
field may look like and how to say it to a coordinator; it raises `NotUnderstood` (or the
glossary's `Unknown`) when it cannot, and the sentence is then left to the next template,
so that no sentence ever makes a page fail.
The message is a lazy gettext string formatted with the said fields by name, or a function
of them (for plurals).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import Formatter
from typing import Callable, Iterable, Mapping, Optional, Union

from flask_babel.speaklater import LazyString

from web.planning.glossary import Glossary

Say = Callable[[str, Glossary], str]
Message = Union[LazyString, Callable[[dict[str, str]], str]]


class NotUnderstood(ValueError):
    """A field's text is not what its kind says it should be."""


@dataclass(frozen=True)
class Kind:
    """What a field of a template matches (`pattern`, without capturing groups) and how it is said."""

    pattern: str
    say: Say


class Template:
    """One f-string of the engine as a regular expression, and what to say instead."""

    def __init__(self, text: str, message: Message, kinds: Mapping[str, Kind]) -> None:
        self.text = text
        self.message = message
        self.fields: dict[str, Kind] = {}
        parts = []
        for literal, name, kind, _conversion in Formatter().parse(text):
            parts.append(re.escape(literal))
            if name is not None:
                self.fields[name] = kinds[kind]
                parts.append(f"(?P<{name}>{kinds[kind].pattern})")
        self.regex = re.compile("".join(parts), re.S)

    def say(self, sentence: str, glossary: Glossary) -> Optional[str]:
        """The message for `sentence`, or None when this template did not make it."""
        match = self.regex.fullmatch(sentence)
        if match is None:
            return None
        try:
            values = {name: kind.say(match[name], glossary) for name, kind in self.fields.items()}
            if isinstance(self.message, LazyString):
                return str(self.message) % values
            return self.message(values)
        except (ValueError, LookupError):  # NotUnderstood, Unknown, and values no kind foresaw
            return None


class Templates:
    """Templates tried in order: the first one that understands a sentence says it."""

    def __init__(self, kinds: Mapping[str, Kind], entries: Iterable[tuple[str, Message]]) -> None:
        self.templates = [Template(text, message, kinds) for text, message in entries]

    def say(self, sentence: str, glossary: Glossary) -> Optional[str]:
        """The message of the first template that understands `sentence`, or None."""
        for template in self.templates:
            said = template.say(sentence, glossary)
            if said is not None:
                return said
        return None

    def say_or_raise(self, sentence: str, glossary: Glossary) -> str:
        """As `say`, raising `NotUnderstood` instead of returning None (for nested fields)."""
        said = self.say(sentence, glossary)
        if said is None:
            raise NotUnderstood(sentence)
        return said


def nested(templates: Templates, pattern: str = ".+?") -> Kind:
    """A field that is itself a sentence of `templates`."""
    return Kind(pattern, templates.say_or_raise)


def joined(templates: Templates, separator: str, join: Callable[[list[str]], str]) -> Kind:
    """A field of sentences of `templates` joined by `separator`, said joined by `join`."""
    def say(text: str, glossary: Glossary) -> str:
        return join([templates.say_or_raise(item, glossary) for item in text.split(separator)])

    return Kind(".+", say)
