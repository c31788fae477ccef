"""Train on a few FUNSD forms, predict whole entities, and round-trip the saved model."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.datasets import FUNSD_DIR
from visualner.errors import InvalidInput
from visualner.model.artifact import dump_model, load_model, read_manifest, training_data_hash
from visualner.model.funsd import FUNSD_LABELS, load_funsd, parse_funsd
from visualner.model.tagger import (
    Entity,
    LabeledPage,
    TrainedModel,
    TrainSettings,
    bio_tags_for,
    evaluate,
    train,
)
from visualner.words import PageWords, Word

FUNSD = FUNSD_DIR
TRAINING = FUNSD / "training_data"

needs_funsd = pytest.mark.skipif(
    not (TRAINING / "annotations").is_dir(), reason=f"FUNSD not found at {FUNSD}"
)


@pytest.fixture(scope="module")
def funsd_pages() -> list[LabeledPage]:
    if not (TRAINING / "annotations").is_dir():
        pytest.skip(f"FUNSD not found at {FUNSD}")
    return load_funsd(TRAINING)[:12]


@pytest.fixture(scope="module")
def small_model(funsd_pages: list[LabeledPage]) -> TrainedModel:
    return train(funsd_pages[:10], labels=FUNSD_LABELS, settings=TrainSettings(rounds=40))


def test_parse_funsd_drops_empty_words_and_other_entities() -> None:
    raw = {
        "form": [
            {
                "id": 0,
                "label": "question",
                "words": [{"text": "Date:", "box": [10, 10, 50, 20]}],
                "linking": [[0, 1]],
            },
            {
                "id": 1,
                "label": "answer",
                "words": [
                    {"text": "6/25", "box": [60, 10, 90, 20]},
                    {"text": "", "box": [91, 10, 95, 20]},
                ],
                "linking": [[0, 1]],
            },
            {
                "id": 2,
                "label": "other",
                "words": [{"text": "DC", "box": [10, 0, 20, 8]}],
                "linking": [],
            },
        ]
    }
    page = parse_funsd(raw, width=100, height=100)
    assert [w.text for w in page.page.words] == ["DC", "Date:", "6/25"]
    assert page.entities == [Entity("question", (1,)), Entity("answer", (2,))]
    assert page.links == [(0, 1)]
    in_file_order = parse_funsd(raw, width=100, height=100, file_order=True)
    assert [w.text for w in in_file_order.page.words] == ["Date:", "6/25", "DC"]
    assert in_file_order.entities == [Entity("question", (0,)), Entity("answer", (1,))]
    assert in_file_order.links == [(0, 1)]


def test_bio_tags_follow_reading_order() -> None:
    words = [Word("b", (0, 0, 1, 1)), Word("a", (0, 0, 1, 1)), Word("c", (0, 0, 1, 1))]
    page = LabeledPage(PageWords(10, 10, words), [Entity("answer", (0, 1))])
    assert bio_tags_for(page, [1, 0, 2]) == ["B-answer", "I-answer", "O"]


def test_train_refuses_unknown_labels() -> None:
    page = LabeledPage(PageWords(10, 10, [Word("x", (0, 0, 1, 1))]), [Entity("date", (0,))])
    with pytest.raises(InvalidInput, match="date"):
        train([page], labels=FUNSD_LABELS)


@needs_funsd
def test_predicts_whole_entities_with_known_labels(
    small_model: TrainedModel, funsd_pages: list[LabeledPage]
) -> None:
    page = funsd_pages[11].page
    entities = small_model.predict(page)
    assert entities
    for entity in entities:
        assert entity.label in FUNSD_LABELS
        assert entity.word_indices == tuple(sorted(set(entity.word_indices)))
        assert all(0 <= i < len(page.words) for i in entity.word_indices)
        assert 0.0 <= entity.score <= 1.0
    covered = [i for e in entities for i in e.word_indices]
    assert len(covered) == len(set(covered))


@needs_funsd
def test_word_marginals_sum_to_one_and_give_an_uncertainty(
    small_model: TrainedModel, funsd_pages: list[LabeledPage]
) -> None:
    page = funsd_pages[10].page
    marginals = small_model.word_marginals(page)
    assert len(marginals) == len(page.words)
    assert all(sum(m.values()) == pytest.approx(1.0, abs=1e-6) for m in marginals)
    uncertainty = small_model.uncertainty(page)
    assert 0.0 <= uncertainty < 1.0
    assert uncertainty == pytest.approx(
        1.0 - sum(max(m.values()) for m in marginals) / len(marginals), abs=1e-12
    )
    assert small_model.predict_document(page).uncertainty == uncertainty  # one pass gives both


@needs_funsd
def test_evaluate_scores_held_out_pages(
    small_model: TrainedModel, funsd_pages: list[LabeledPage]
) -> None:
    report = evaluate(small_model, funsd_pages[10:12])
    assert report.pages == 2
    assert 0.0 < report.entities.micro.f1 <= 1.0
    assert set(report.entities.per_label) <= set(FUNSD_LABELS)


@needs_funsd
def test_artifact_round_trip_predicts_the_same(
    small_model: TrainedModel, funsd_pages: list[LabeledPage]
) -> None:
    blob = dump_model(
        small_model, training_hash=training_data_hash(funsd_pages[:10]), scores={"f1": 0.5}
    )
    manifest = read_manifest(blob)
    assert manifest["labels"] == list(FUNSD_LABELS)
    assert len(manifest["training_data_hash"]) == 64
    assert manifest["scores"] == {"f1": 0.5}
    assert "created" in manifest
    assert read_manifest(io.BytesIO(blob)) == manifest  # from an open file, as jobs read it
    loaded = load_model(blob)
    page = funsd_pages[11].page
    assert loaded.predict(page) == small_model.predict(page)


@needs_funsd
def test_loading_a_model_from_other_features_is_refused(small_model: TrainedModel) -> None:
    blob = dump_model(small_model)
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        weights = archive.read("weights.json")
    manifest["features_version"] = -1
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr("weights.json", weights)
    with pytest.raises(InvalidInput, match="features version -1"):
        load_model(buffer.getvalue())


def test_garbage_is_not_a_model() -> None:
    with pytest.raises(InvalidInput, match="Not a visualner model"):
        load_model(b"not a zip")


@needs_funsd
def test_the_page_image_is_optional_at_prediction(
    small_model: TrainedModel, funsd_pages: list[LabeledPage]
) -> None:
    example = funsd_pages[11]
    assert example.image is not None  # load_funsd attaches the grey page image
    for image in (example.image, None):
        entities = small_model.predict(example.page, image)
        assert entities
        assert all(e.label in FUNSD_LABELS for e in entities)
    marginals = small_model.word_marginals(example.page, example.image)
    assert len(marginals) == len(example.page.words)


@needs_funsd
def test_predict_document_links_questions_to_answers(
    small_model: TrainedModel, funsd_pages: list[LabeledPage]
) -> None:
    example = funsd_pages[11]
    result = small_model.predict_document(example.page, example.image)
    assert result.entities == small_model.predict(example.page, example.image)
    assert result.links
    targets = [link.target for link in result.links]
    assert len(targets) == len(set(targets))  # an answer answers one question
    for link in result.links:
        assert result.entities[link.source].label == "question"
        assert result.entities[link.target].label == "answer"
        assert 0.5 < link.score <= 1.0
