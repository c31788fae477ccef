"""The search language's parser and compiler, without a database: forms, quoting, errors,
and a property test that no input makes them fail with anything but a ``QueryError``."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from visualner.projects.config import parse_label_config
from visualner.projects.templates import get_template
from visualner.search.compile import compile_query
from visualner.search.fields import FIELDS, QueryContext
from visualner.search.fulltext import fts5_expression, fulltext_for, tsquery_expression
from visualner.search.query import FieldTerm, QueryError, TextTerm, parse_query
from visualner.search.text import (
    Pattern,
    find_hits,
    hit_spans,
    merge_ranges,
    search_tokens,
    snippet,
    tokens_with_spans,
    word_hits,
)
from visualner.tasks.models import Task


def test_words_phrases_prefixes_and_negation_are_terms() -> None:
    terms = parse_query('invoice "total due" invo* -draft -"old copy"').terms
    assert terms == (
        TextTerm("invoice", "invoice"),
        TextTerm('"total due"', "total due"),
        TextTerm("invo*", "invo", prefix=True),
        TextTerm("-draft", "draft", negated=True),
        TextTerm('-"old copy"', "old copy", negated=True),
    )


def test_fields_take_quoted_values_and_comparisons() -> None:
    label, tag, pages, negated = parse_query(
        'label:ANSWER="acme corp" tag:"to check" pages>=3 -status:new'
    ).terms
    assert isinstance(label, FieldTerm) and label.name == "label" and label.op == ":"
    assert label.split_value("=") == ("ANSWER", "acme corp")
    assert isinstance(tag, FieldTerm) and tag.value == "to check"
    assert isinstance(pages, FieldTerm) and (pages.name, pages.op, pages.value) == (
        "pages",
        ">=",
        "3",
    )
    assert isinstance(negated, FieldTerm) and negated.negated and negated.value == "new"


def test_an_equals_sign_inside_quotes_is_part_of_the_label() -> None:
    (term,) = parse_query('label:"a=b"').terms
    assert isinstance(term, FieldTerm) and term.split_value("=") == ("a=b", None)


def test_backslash_escapes_a_quote_inside_quotes() -> None:
    (term,) = parse_query(r'"say \"hi\" \\ now"').terms
    assert isinstance(term, TextTerm) and term.text == 'say "hi" \\ now'


def test_field_names_are_case_insensitive_and_times_are_text() -> None:
    label, time = parse_query("LABEL:total 10:30").terms
    assert isinstance(label, FieldTerm) and label.name == "label"
    assert isinstance(time, TextTerm) and time.text == "10:30"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"never closed', "the quote is not closed"),
        ("- word", "'-' must be followed by the term"),
        ("in*voice", "'*' is allowed only at the end"),
        ("x" * 2001, "at most 2000"),
        (" ".join(["w"] * 41), "more than 40 terms"),
        ("a\x00b", "NUL"),
    ],
)
def test_syntax_errors_name_the_term(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(query)


def _context(dialect: str = "sqlite") -> QueryContext:
    return QueryContext(
        project_id=1,
        config=parse_label_config(get_template("invoices").xml),
        fulltext=fulltext_for(dialect),
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("colour:red", "unknown field 'colour'"),
        ("label:nope", "the project has no label 'nope'"),
        ("label:total=...", "has no letters or digits"),
        ("choice:maybe", "the project has no choice 'maybe'"),
        ("status:done", "unknown status 'done'"),
        ("has:wings", "has: takes one of"),
        ("pages>three", "pages compares with a whole number"),
        ("pages>99999999999", "out of range"),
        ("label>3", "label is written label:NAME"),
        ("tag:", "tag needs a value"),
        ("--- ", "has no letters or digits"),
    ],
)
def test_meaning_errors_name_the_term(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message) as raised:
        compile_query(query, _context())
    assert raised.value.field == "q"


def test_labels_and_choices_resolve_to_the_configs_spelling() -> None:
    compiled = compile_query("label:TOTAL choice:Invoice", _context())
    sql = str(
        select(Task.id)
        .where(*compiled.conditions)
        .compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
    )
    assert "'total'" in sql and "'invoice'" in sql


def test_text_terms_become_safe_engine_expressions() -> None:
    patterns = [Pattern(("total", "due")), Pattern(("inv",), prefix=True)]
    assert fts5_expression(patterns) == '"total due" OR "inv" *'
    assert tsquery_expression(patterns) == "('total' <-> 'due') | ('inv':*)"


def test_tokens_fold_case_accents_and_punctuation() -> None:
    assert search_tokens("Café-Ångström, INV-2041!") == ["cafe", "angstrom", "inv", "2041"]


def test_a_snippet_marks_every_hit_in_its_window() -> None:
    found = snippet("one two Total due three total DUE four", [Pattern(("total", "due"))])
    assert found is not None
    marked = [found.text[start:end] for start, end in found.hits]
    assert marked == ["Total due", "total DUE"]


def test_a_phrase_across_words_marks_each_word() -> None:
    words = ["Total", "due:", "1,250.00", "total", "paid"]
    assert word_hits(words, [Pattern(("total", "due"))]) == [0, 1]
    assert word_hits(words, [Pattern(("1", "250"))]) == [2]


QUERY_PIECES = st.sampled_from(
    [*'abcAB 01-:"\\*=<>é_', "total", "invoice", "new", "predictions", *(f"{n}:" for n in FIELDS)]
)
QUERY_TEXT = st.lists(QUERY_PIECES, max_size=25).map("".join) | st.text(max_size=40)


@settings(max_examples=150, deadline=None)
@given(QUERY_TEXT)
def test_any_query_parses_and_compiles_or_fails_with_a_query_error(query: str) -> None:
    for dialect_name, dialect in (
        ("sqlite", sqlite.dialect()),
        ("postgresql", postgresql.dialect()),
    ):
        try:
            compiled = compile_query(query, _context(dialect_name))
        except QueryError as error:
            assert error.message
            continue
        select(Task.id).where(*compiled.conditions).compile(dialect=dialect)


TEXT = st.text(alphabet=st.sampled_from(list("ab AB-.Éé\n,ß0")), max_size=40)
TOKENS = st.lists(st.sampled_from(["a", "b", "ab", "e", "0", "ss"]), min_size=1, max_size=3)


PATTERNS = st.lists(
    st.builds(lambda tokens, prefix: Pattern(tuple(tokens), prefix), TOKENS, st.booleans()),
    min_size=1,
    max_size=2,
)


@settings(max_examples=300, deadline=None)
@given(TEXT, PATTERNS)
@example("A.A.A", [Pattern(("a", "a"))])  # overlapping hits of one phrase
@example("a b", [Pattern(("a",)), Pattern(("a", "b"))])  # two patterns from one place
def test_the_regex_hit_finder_marks_what_the_token_walk_matches(
    text: str, patterns: list[Pattern]
) -> None:
    """``find_hits`` (a regex over folded text, used for snippets and titles) is pinned to
    the readable token-by-token walk."""
    walked = list(tokens_with_spans(text))
    expected = [(walked[a].start, walked[b].end) for a, b in hit_spans(walked, patterns)]
    assert merge_ranges(find_hits(text, patterns)) == merge_ranges(expected)
