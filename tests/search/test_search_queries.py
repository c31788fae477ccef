"""Every form of the search language through ``GET /api/projects/{id}/tasks?q=``, on SQLite
and PostgreSQL: words, phrases, prefixes, fields, negation, quoting, ranking, snippets and
the 400s of bad queries."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import new_user
from tests.search.conftest import Searcher
from visualner.annotations.models import Prediction
from visualner.db import session_scope
from visualner.search import service as search_service
from visualner.tags.service import add_tags
from visualner.tasks.models import Task

INVOICE = "Invoice number INV-2041\nCustomer: Jane Doe\nTotal due 1,250.00 EUR"
LETTER = "Dear Jane\nthe total is due next week\nCafé Ångström, Zürich"
RECEIPT = "Receipt 17\nTOTAL 12.50\nThank you"


@pytest.fixture
def tasks(searcher: Searcher) -> dict[str, int]:
    return {
        "invoice": searcher.task("acme-invoice.pdf", INVOICE),
        "letter": searcher.task("letter.png", LETTER),
        "receipt": searcher.task("receipt.png", RECEIPT, "second page\nwith a voucher code X9"),
    }


def _region(label: str, text: str, tokens: list[int], rid: str = "r1") -> dict[str, Any]:
    return {"id": rid, "page": 0, "label": label, "tokens": tokens, "text": text}


def test_words_match_case_and_accent_insensitively(searcher: Searcher, tasks: dict) -> None:
    searcher.same("total", [tasks["invoice"], tasks["letter"], tasks["receipt"]])
    searcher.same("CAFE angstrom", [tasks["letter"]])
    searcher.same("zurich", [tasks["letter"]])
    searcher.same("Ångström", [tasks["letter"]])
    searcher.same("nowhere", [])


def test_all_words_must_match_but_anywhere_in_the_document(searcher: Searcher, tasks: dict) -> None:
    searcher.same("jane total", [tasks["invoice"], tasks["letter"]])
    searcher.same("receipt voucher", [tasks["receipt"]])  # page 1 and page 2


def test_a_phrase_matches_only_its_words_in_order(searcher: Searcher, tasks: dict) -> None:
    searcher.same('"total due"', [tasks["invoice"]])
    searcher.same('"due total"', [])
    searcher.same("INV-2041", [tasks["invoice"]])  # punctuation joins words into a phrase
    searcher.same('"1,250.00"', [tasks["invoice"]])


def test_a_trailing_star_matches_word_prefixes(searcher: Searcher, tasks: dict) -> None:
    searcher.same("vouch*", [tasks["receipt"]])
    searcher.same("ang*", [tasks["letter"]])
    searcher.same('"total d"*', [tasks["invoice"]])


def test_titles_are_searched_and_their_hits_marked(searcher: Searcher, tasks: dict) -> None:
    response = searcher.search("acme").json()
    assert [item["id"] for item in response["items"]] == [tasks["invoice"]]
    item = response["items"][0]
    assert [item["title"][s:e] for s, e in item["title_hits"]] == ["acme"]


def test_negation_excludes_words_phrases_and_fields(searcher: Searcher, tasks: dict) -> None:
    searcher.same("-jane", [tasks["receipt"]])
    searcher.same('total -"total due"', [tasks["letter"], tasks["receipt"]])
    searcher.same("-pages>1", [tasks["invoice"], tasks["letter"]])


def test_results_are_ranked_and_carry_a_marked_snippet(searcher: Searcher, tasks: dict) -> None:
    best = searcher.task("totals.png", "total total total\ntotal")
    response = searcher.search("total").json()
    assert response["sort"] == "relevance"
    assert response["items"][0]["id"] == best
    by_id = {item["id"]: item for item in response["items"]}
    shown = by_id[tasks["invoice"]]["snippet"]
    assert shown["page"] == 0
    assert [shown["text"][s:e] for s, e in shown["hits"]] == ["Total"]
    second_page = searcher.search("voucher").json()["items"][0]["snippet"]
    assert second_page["page"] == 1 and "voucher" in second_page["text"]


def test_words_with_fields_rank_only_the_tasks_matching_every_term(searcher: Searcher) -> None:
    best = searcher.task("best.png", "total total total total")
    good = searcher.task("good.png", "total total")
    fair = searcher.task("fair.png", "total")
    for task_id in (good, fair):
        searcher.annotate(task_id, [_region("invoice_number", "total", [0])])
    response = searcher.search("total label:invoice_number").json()
    assert response["sort"] == "relevance" and response["total"] == 2
    assert [item["id"] for item in response["items"]] == [good, fair]
    assert searcher.ids("total -label:invoice_number") == [best]


def test_too_many_matches_to_rank_come_in_import_order_with_their_snippets(
    searcher: Searcher, tasks: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    best = searcher.task("totals.png", "total total total\ntotal")
    monkeypatch.setattr(search_service, "RANK_LIMIT", 3)
    response = searcher.search("total").json()
    assert response["sort"] == "id" and response["total"] == 4
    assert [item["id"] for item in response["items"]] == sorted([*tasks.values(), best])
    assert all(item["snippet"]["hits"] for item in response["items"])
    assert searcher.search("total", sort="-id").json()["items"][0]["id"] == best
    ranked = searcher.search("receipt").json()
    assert ranked["sort"] == "relevance" and ranked["total"] == 1


def test_a_snippet_is_text_not_markup(searcher: Searcher) -> None:
    searcher.task("x.png", "<script>alert(1)</script> findme")
    item = searcher.search("findme").json()["items"][0]
    assert item["snippet"]["text"] == "<script>alert(1)</script> findme"


def test_other_sorts_apply_to_text_results(searcher: Searcher, tasks: dict) -> None:
    ids = searcher.ids("total", sort="title")
    assert ids == [tasks["invoice"], tasks["letter"], tasks["receipt"]]


def test_label_and_label_text_match_annotated_regions(searcher: Searcher, tasks: dict) -> None:
    searcher.annotate(tasks["invoice"], [_region("invoice_number", "INV-2041", [2])])
    searcher.annotate(tasks["letter"], [_region("customer_name", "Jane", [1])])
    searcher.same("label:invoice_number", [tasks["invoice"]])
    searcher.same("label:INVOICE_NUMBER", [tasks["invoice"]])
    searcher.same("label:invoice_number=inv-2041", [tasks["invoice"]])
    searcher.same('label:customer_name="jane"', [tasks["letter"]])
    searcher.same("label:customer_name=doe", [])
    searcher.same("-label:customer_name", [tasks["invoice"], tasks["receipt"]])


def test_corrected_region_text_is_found_by_words(searcher: Searcher, tasks: dict) -> None:
    saved = searcher.annotate(tasks["receipt"], [_region("total", "Hamann", [2])])
    searcher.same("hamann", [tasks["receipt"]])
    update = searcher.admin.put(
        f"/api/annotations/{saved['id']}",
        json={
            "regions": [_region("total", "M. Hamann", [2])],
            "relations": [],
            "status": "submitted",
            "version": saved["version"],
        },
    )
    assert update.status_code == 200, update.text
    searcher.same('"m hamann"', [tasks["receipt"]])
    item = searcher.search("hamann").json()["items"][0]
    assert item["snippet"]["label"] == "total"


def test_choices_status_tags_predictions_and_pages(searcher: Searcher, tasks: dict) -> None:
    searcher.annotate(
        tasks["invoice"],
        [_region("total", "1,250.00", [9])],
        choices={"document_type": ["invoice"]},
    )
    with session_scope(searcher.services.database.write) as session:
        session.add(Prediction(task_id=tasks["letter"], model_version="crf@3", score=0.4))
        session.get(Task, tasks["letter"]).prediction_count = 1  # type: ignore[union-attr]
        chosen = select(Task.id).where(Task.id.in_([tasks["letter"], tasks["receipt"]]))
        add_tags(session, project_id=searcher.project_id, task_ids=chosen, names=["To check"])
    searcher.same("choice:invoice", [tasks["invoice"]])
    searcher.same("status:submitted", [tasks["invoice"]])
    searcher.same("status:new", [tasks["letter"], tasks["receipt"]])
    searcher.same("tag:to_check", [])
    searcher.same('tag:"to check"', [tasks["letter"], tasks["receipt"]])
    searcher.same("-tag:'x' has:predictions".replace("'", '"'), [tasks["letter"]])
    searcher.same("model:crf@3", [tasks["letter"]])
    searcher.same("model:crf", [tasks["letter"]])
    searcher.same("model:crf@4", [])
    searcher.same("pages>1", [tasks["receipt"]])
    searcher.same("pages=1", [tasks["invoice"], tasks["letter"]])
    searcher.same("pages<=2 total -jane", [tasks["receipt"]])
    assert searcher.search("has:predictions", sort="score").json()["items"][0][
        "prediction_score"
    ] == pytest.approx(0.4)


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("label:nope", "'label:nope': the project has no label 'nope'"),
        ('"open', "the quote is not closed"),
        ("colour:red", "'colour:red': unknown field 'colour'"),
        ("pages>many", "'pages>many': pages compares with a whole number"),
        ("status:finished", "'status:finished': unknown status"),
        ("&&", "'&&': has no letters or digits"),
    ],
)
def test_bad_queries_are_a_400_naming_the_term(searcher: Searcher, query: str, named: str) -> None:
    response = searcher.search(query)
    assert response.status_code == 400
    assert named in response.json()["detail"]
    assert response.json()["field"] == "q"


def test_the_total_counts_every_match_across_pages(searcher: Searcher, tasks: dict) -> None:
    response = searcher.search("total", page_size=1, page=2).json()
    assert response["total"] == 3 and len(response["items"]) == 1


def test_annotators_are_listed_sorted_and_searched(searcher: Searcher, tasks: dict) -> None:
    zoe = new_user(searcher.admin, prefix="zoe")
    searcher.admin.post(
        f"/api/projects/{searcher.project_id}/members",
        json={"username": zoe.username, "role": "annotator"},
    )
    region = [_region("total", "Total", [0])]
    body = {"regions": region, "relations": [], "status": "draft"}
    assert zoe.post(f"/api/tasks/{tasks['invoice']}/annotations", json=body).status_code == 201
    assert zoe.post(f"/api/tasks/{tasks['letter']}/annotations", json=body).status_code == 201
    searcher.annotate(tasks["letter"], region)
    listed = {
        i["id"]: i["annotators"] for i in searcher.search("", sort="annotator").json()["items"]
    }
    assert listed == {
        tasks["receipt"]: "",
        tasks["letter"]: f"admin, {zoe.username}",
        tasks["invoice"]: zoe.username,
    }
    assert searcher.ids("", sort="annotator") == [
        tasks["receipt"],
        tasks["letter"],
        tasks["invoice"],
    ]
    assert searcher.ids("", sort="-annotator")[0] == tasks["invoice"]
    searcher.same(f"annotator:{zoe.username}", [tasks["invoice"], tasks["letter"]])
    searcher.same("annotator:admin", [tasks["letter"]])
