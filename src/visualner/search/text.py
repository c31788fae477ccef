"""How text becomes search tokens, and where a query's words are in a text.

The rule is the engines' (SQLite FTS5 ``unicode61 remove_diacritics 2``, PostgreSQL
``search_fold`` + the ``simple`` parser, see migration 0005_search_index): a token is a run of
letters and digits, compared lower-case with accents (U+0300–U+036F after NFD) removed. Python
applies the same rule to a query's words and to the snippets and page highlights of the
results, so what is marked is what was matched.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

_TOKEN = re.compile(r"[^\W_]+")
_COMBINING_ACCENTS = re.compile("[\u0300-\u036f]+")
_LINE_BREAKS = re.compile(r"\s")


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    return _COMBINING_ACCENTS.sub("", unicodedata.normalize("NFD", char)).lower()


class _FoldTable(dict[int, str]):
    """``str.translate`` table folding one character at a time, filled as characters come."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def _fold_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """The folded text and, unless each character folded to exactly one (the usual case),
    where each of its characters came from (one more entry for the end)."""
    if text.isascii():
        return text.lower(), None
    folded = text.translate(_FOLD_TABLE)
    if len(folded) == len(text) and not _COMBINING_ACCENTS.search(text):
        return folded, None
    offsets: list[int] = []
    for index, char in enumerate(text):
        offsets.extend([index] * len(_FOLD_TABLE[ord(char)]))
    offsets.append(len(text))
    return folded, offsets


def fold(text: str) -> str:
    """Lower case without accents: ``Ångström`` → ``angstrom`` (character by character,
    as the engines do)."""
    return _fold_with_offsets(text)[0]


def search_tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


@dataclass(frozen=True)
class Token:
    """A token of a text: its folded form and its place in the original text."""

    folded: str
    start: int
    end: int


def tokens_with_spans(text: str) -> Iterator[Token]:
    folded, offsets = _fold_with_offsets(text)
    for match in _TOKEN.finditer(folded):
        if offsets is None:
            yield Token(match.group(), match.start(), match.end())
        else:
            # The end is just past the original character of the token's last one.
            yield Token(match.group(), offsets[match.start()], offsets[match.end() - 1] + 1)


@dataclass(frozen=True)
class Pattern:
    """A text term as tokens to find in sequence; ``prefix``: the last one may be longer."""

    tokens: tuple[str, ...]
    prefix: bool = False

    def matches_at(self, folded: Sequence[str], position: int) -> bool:
        if position + len(self.tokens) > len(folded):
            return False
        last = len(self.tokens) - 1
        for offset, wanted in enumerate(self.tokens):
            token = folded[position + offset]
            if offset == last and self.prefix:
                if not token.startswith(wanted):
                    return False
            elif token != wanted:
                return False
        return True


def hit_spans(tokens: Sequence[Token], patterns: Sequence[Pattern]) -> list[tuple[int, int]]:
    """``(first, last)`` token indices of every place a pattern matches, in text order."""
    folded = [t.folded for t in tokens]
    spans = []
    for position in range(len(folded)):
        for pattern in patterns:
            if pattern.matches_at(folded, position):
                spans.append((position, position + len(pattern.tokens) - 1))
    return spans


@lru_cache(maxsize=256)
def _pattern_regex(pattern: Pattern) -> re.Pattern[str]:
    """A regex over folded text finding every place ``pattern`` starts, overlapping ones
    included (``a a`` twice in ``a a a``): its tokens in order, separated by anything that is
    not a token character, starting and ending on a token boundary. The match is a
    lookahead, so the search goes on at the next character; the hit is group 1."""
    body = r"[\W_]+".join(re.escape(token) for token in pattern.tokens)
    if pattern.prefix:
        body += r"[^\W_]*"
    return re.compile(r"(?<![^\W_])(?=(" + body + r")(?![^\W_]))")


def find_hits(text: str, patterns: Sequence[Pattern]) -> list[tuple[int, int]]:
    """``[start, end)`` ranges of ``text`` where a pattern matches, in text order (the same
    matches as ``hit_spans`` over ``tokens_with_spans``, found by a regex per pattern over
    the folded text)."""
    if not patterns:
        return []
    folded, offsets = _fold_with_offsets(text)
    hits = []
    for pattern in patterns:
        for match in _pattern_regex(pattern).finditer(folded):
            start, end = match.span(1)
            if offsets is None:
                hits.append((start, end))
            else:
                hits.append((offsets[start], offsets[end - 1] + 1))
    return sorted(hits)


@dataclass(frozen=True)
class Snippet:
    """A window of a text around its first hit; ``hits`` are ``[start, end)`` character
    ranges of ``text`` to mark (the client escapes and marks them)."""

    text: str
    hits: list[tuple[int, int]]


SNIPPET_BEFORE = 60
SNIPPET_AFTER = 120


def snippet(text: str, patterns: Sequence[Pattern]) -> Snippet | None:
    """The text around the first hit, whole words, with every hit inside the window;
    ``None`` when no pattern matches."""
    hits = find_hits(text, patterns)
    if not hits:
        return None
    first_start, first_end = hits[0]
    # Whole words: a window starting inside "<b>total" would show "b>total".
    start = min(_word_start(text, max(0, first_start - SNIPPET_BEFORE)), first_start)
    end = max(_word_end(text, min(len(text), first_end + SNIPPET_AFTER)), first_end)
    prefix = "… " if start > 0 else ""
    # Line breaks become spaces one for one, so the hits keep their offsets.
    shown = prefix + _LINE_BREAKS.sub(" ", text[start:end]) + (" …" if end < len(text) else "")
    shift = len(prefix) - start
    inside = [(s + shift, e + shift) for s, e in hits if s >= start and e <= end]
    return Snippet(shown, merge_ranges(inside))


def _word_start(text: str, position: int) -> int:
    while position > 0 and not text[position - 1].isspace():
        position -= 1
    return position


def _word_end(text: str, position: int) -> int:
    while position < len(text) and not text[position].isspace():
        position += 1
    return position


def merge_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def word_hits(word_texts: Sequence[str], patterns: Sequence[Pattern]) -> list[int]:
    """Indices of the page words that take part in a hit (a phrase may span words)."""
    tokens: list[Token] = []
    owner: list[int] = []
    for index, word in enumerate(word_texts):
        for token in tokens_with_spans(word):
            tokens.append(token)
            owner.append(index)
    words: set[int] = set()
    for first, last in hit_spans(tokens, patterns):
        words.update(owner[first : last + 1])
    return sorted(words)
