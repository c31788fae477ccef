"""Word-level exports (CoNLL, LayoutLM) carry the annotator's text corrections, laid onto the
region's words as ``records.word_corrections`` documents."""

from __future__ import annotations

import json

import pytest

from tests.formats.conftest import FAKE_IMAGE, LABEL_CONFIG, FixtureProject
from visualner.db import session_scope
from visualner.formats.records import corrected_tagged_words, word_corrections
from visualner.tasks.service import NewPage, create_task
from visualner.words import Word

OCR_WORDS = ["Name:", "Hampann,", "Main", "Stret", "9", "Phone", "555", "12", "34"]


def _words() -> list[Word]:
    return [
        Word(text, (10 + 60 * i, 10, 60 + 60 * i, 30), 0.9, 0, 0)
        for i, text in enumerate(OCR_WORDS)
    ]


REGIONS = [
    # one word corrected into two
    {"id": "n", "page": 0, "label": "answer", "tokens": [1], "text": "M. Hamann"},
    # as many words: one each
    {"id": "s", "page": 0, "label": "answer", "tokens": [2, 3, 4], "text": "Main Street 9"},
    # fewer words: the last ones leave
    {"id": "p", "page": 0, "label": "answer", "tokens": [6, 7, 8], "text": "5551234"},
    # unchanged text changes nothing
    {"id": "q", "page": 0, "label": "question", "tokens": [0], "text": "Name:"},
]


@pytest.fixture(scope="module")
def corrected_task(fixture_project: FixtureProject) -> int:
    services = fixture_project.services
    sha = services.blobs.put_bytes(FAKE_IMAGE)
    project = fixture_project.admin.post(
        "/api/projects", json={"title": "Corrections", "label_config": LABEL_CONFIG}
    ).json()
    with session_scope(services.database.write) as session:
        task = create_task(
            session,
            project_id=project["id"],
            title="claim.png",
            data={"image": "claim.png"},
            pages=[NewPage(width=800, height=100, image_sha256=sha, words=_words())],
        )
        task_id = task.id
    saved = fixture_project.admin.post(
        f"/api/tasks/{task_id}/annotations", json={"regions": REGIONS, "status": "submitted"}
    )
    assert saved.status_code == 201, saved.text
    return int(project["id"])


def _export(fixture_project: FixtureProject, project_id: int, format: str) -> str:
    response = fixture_project.admin.get(
        f"/api/projects/{project_id}/export", params={"format": format}
    )
    assert response.status_code == 200, response.text
    return response.text


def test_conll_writes_the_corrected_words_with_their_tags(
    fixture_project: FixtureProject, corrected_task: int
) -> None:
    lines = _export(fixture_project, corrected_task, "conll").splitlines()
    rows = [line.split(" ") for line in lines if line and not line.startswith("-DOCSTART-")]
    assert [(word, tag) for word, _, _, tag in rows] == [
        ("Name:", "B-question"),
        ("M.", "B-answer"),
        ("Hamann", "I-answer"),
        ("Main", "B-answer"),
        ("Street", "I-answer"),
        ("9", "I-answer"),
        ("Phone", "O"),
        ("5551234", "B-answer"),
    ]


def test_layoutlm_writes_the_corrected_words_on_their_words_boxes(
    fixture_project: FixtureProject, corrected_task: int
) -> None:
    (row,) = [
        json.loads(line)
        for line in _export(fixture_project, corrected_task, "layoutlm").splitlines()
    ]
    assert row["words"] == ["Name:", "M.", "Hamann", "Main", "Street", "9", "Phone", "5551234"]
    assert row["ner_tags"] == [
        "B-question",
        "B-answer",
        "I-answer",
        "B-answer",
        "I-answer",
        "I-answer",
        "O",
        "B-answer",
    ]
    boxes = row["bboxes"]
    assert boxes[1] == boxes[2]  # "M." and "Hamann" share the box of "Hampann,"
    assert boxes[1][0] == int(1000 * 70 / 800)
    assert boxes[7][0] == int(1000 * 370 / 800)  # "5551234" on the box of "555"
    assert len(boxes) == len(row["words"])


def test_uncorrected_regions_and_free_boxes_change_no_word() -> None:
    texts = ["a", "b", "c"]
    regions = [
        {"tokens": [0, 1], "text": "a  b", "label": "x"},
        {"bbox": [0, 0, 1, 1], "text": "free box", "label": "logo"},
        {"tokens": [2], "text": "", "label": "x"},
    ]
    assert word_corrections(texts, regions) == {}
    tags = ["B-x", "I-x", "B-x"]
    assert list(corrected_tagged_words(texts, tags, regions)) == [
        (0, "a", "B-x"),
        (1, "b", "I-x"),
        (2, "c", "B-x"),
    ]


def test_an_earlier_regions_correction_of_a_word_wins() -> None:
    regions = [
        {"tokens": [0], "text": "first", "label": "x"},
        {"tokens": [0, 1], "text": "second fix", "label": "y"},
    ]
    assert word_corrections(["w0", "w1"], regions) == {0: ["first"], 1: ["fix"]}
