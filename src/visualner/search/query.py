"""The task-search language, parsed into terms (no database here).

A query is terms separated by spaces, all of which must hold (AND). A term is

- a word (``invoice``), a word prefix (``invo*``) or a quoted phrase (``"total due"``),
  searched in the document's text and title;
- a field: ``name:value`` (``label:ANSWER``, ``tag:"to check"``, ``status:submitted``) or a
  comparison ``name>3`` / ``<`` / ``=`` / ``>=`` / ``<=`` (``pages>3``);
- any of these behind ``-`` to negate it (``-tag:done``, ``-"draft copy"``).

Quotes group text with spaces anywhere in a term (``label:ANSWER="acme corp"``); ``\\"`` and
``\\\\`` put a quote or a backslash inside quotes. Which field names exist, and what their
values mean, is ``search/fields.py``'s business: the parser only splits and checks syntax, so
a new field is one entry there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from visualner.errors import InvalidInput

MAX_QUERY_CHARS = 2000
MAX_TERMS = 40
_FIELD_HEAD = re.compile(r"([A-Za-z][A-Za-z_]*)(>=|<=|:|>|<|=)")
COMPARISONS = (">=", "<=", ">", "<", "=")


class QueryError(InvalidInput):
    """A query that cannot be understood; the message names the term at fault."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="q")


@dataclass(frozen=True)
class Segment:
    """A run of a term's characters, and whether it stood inside quotes."""

    text: str
    quoted: bool


@dataclass(frozen=True)
class TextTerm:
    """Words or a phrase to find in the document's text or title."""

    raw: str
    text: str
    negated: bool = False
    prefix: bool = False


@dataclass(frozen=True)
class FieldTerm:
    """``name op value``; ``value_segments`` keep which parts of the value were quoted."""

    raw: str
    name: str
    op: str
    value_segments: tuple[Segment, ...]
    negated: bool = False

    @property
    def value(self) -> str:
        return "".join(segment.text for segment in self.value_segments)

    def split_value(self, separator: str) -> tuple[str, str | None]:
        """The value before and after the first *unquoted* ``separator`` (``None`` after
        when there is none), so ``label:"A=B"`` is one label and ``label:A="x=y"`` is A on
        the text ``x=y``."""
        before: list[str] = []
        for position, segment in enumerate(self.value_segments):
            if not segment.quoted and separator in segment.text:
                head, tail = segment.text.split(separator, 1)
                before.append(head)
                rest = [tail, *(s.text for s in self.value_segments[position + 1 :])]
                return "".join(before), "".join(rest)
            before.append(segment.text)
        return "".join(before), None


Term = TextTerm | FieldTerm


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...]

    @property
    def text_terms(self) -> tuple[TextTerm, ...]:
        return tuple(t for t in self.terms if isinstance(t, TextTerm))

    @property
    def field_terms(self) -> tuple[FieldTerm, ...]:
        return tuple(t for t in self.terms if isinstance(t, FieldTerm))


def _read_term(query: str, start: int) -> tuple[list[Segment], int]:
    """The segments of the term starting at ``start`` and the index just past it."""
    segments: list[Segment] = []
    plain: list[str] = []
    position = start
    while position < len(query) and not query[position].isspace():
        char = query[position]
        if char != '"':
            plain.append(char)
            position += 1
            continue
        if plain:
            segments.append(Segment("".join(plain), quoted=False))
            plain = []
        quoted: list[str] = []
        position += 1
        while True:
            if position >= len(query):
                raise QueryError(
                    f'{query[start:].strip()!r}: the quote is not closed (add a closing ")'
                )
            char = query[position]
            if char == "\\" and position + 1 < len(query) and query[position + 1] in '"\\':
                quoted.append(query[position + 1])
                position += 2
            elif char == '"':
                position += 1
                break
            else:
                quoted.append(char)
                position += 1
        segments.append(Segment("".join(quoted), quoted=True))
    if plain:
        segments.append(Segment("".join(plain), quoted=False))
    return segments, position


def _term(raw: str, segments: list[Segment]) -> Term:
    negated = False
    if segments and not segments[0].quoted and segments[0].text.startswith("-"):
        negated = True
        rest = segments[0].text[1:]
        segments = ([Segment(rest, quoted=False)] if rest else []) + segments[1:]
    if not segments:
        raise QueryError(f"{raw!r}: '-' must be followed by the term to exclude, without a space")
    head = segments[0]
    match = None if head.quoted else _FIELD_HEAD.match(head.text)
    if match is not None:
        value = [Segment(head.text[match.end() :], quoted=False), *segments[1:]]
        value = [s for s in value if s.text or s.quoted]
        return FieldTerm(
            raw=raw,
            name=match.group(1).lower(),
            op=match.group(2),
            value_segments=tuple(value),
            negated=negated,
        )
    last = segments[-1]
    prefix = not last.quoted and last.text.endswith("*")
    if prefix:
        segments = [*segments[:-1], Segment(last.text.rstrip("*"), quoted=False)]
    if any("*" in s.text for s in segments if not s.quoted):
        raise QueryError(f"{raw!r}: '*' is allowed only at the end of a word (invo*)")
    text = "".join(s.text for s in segments)
    return TextTerm(raw=raw, text=text, negated=negated, prefix=prefix)


def parse_query(query: str) -> Query:
    """Split ``query`` into terms; raises ``QueryError`` naming the term that is wrong.

    Only syntax is checked here; field names and values are checked where they are
    compiled."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(query)} characters long; at most {MAX_QUERY_CHARS}")
    if "\x00" in query:
        raise QueryError("the query contains a NUL character")
    terms: list[Term] = []
    position = 0
    while position < len(query):
        if query[position].isspace():
            position += 1
            continue
        segments, end = _read_term(query, position)
        terms.append(_term(query[position:end], segments))
        position = end
        if len(terms) > MAX_TERMS:
            raise QueryError(f"the query has more than {MAX_TERMS} terms")
    return Query(tuple(terms))
