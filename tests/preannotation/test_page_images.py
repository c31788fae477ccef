"""Page images reach the model: in training examples, in-process prediction and at import."""

from __future__ import annotations

import numpy as np
from PIL import Image

from tests.preannotation.conftest import (
    FUNSD_TRAINING,
    ModelProject,
    add_labeled_tasks,
    add_unlabeled_tasks,
)
from visualner.db import session_scope
from visualner.model.image import to_gray
from visualner.model.tagger import LabeledPage
from visualner.preannotation.examples import collect_examples
from visualner.preannotation.page_images import StoredPageImage, stored_page_image
from visualner.preannotation.prediction import ImportPreannotator, stored_pages
from visualner.preannotation.predictors import InProcessPredictor
from visualner.preannotation.serving import ModelCache
from visualner.projects.config import parse_label_config
from visualner.projects.models import Project


def scan(form: LabeledPage) -> np.ndarray:
    with Image.open(FUNSD_TRAINING / "images" / f"{form.name}.png") as image:
        return np.asarray(image.convert("L"))


def test_a_stored_page_image_decodes_on_demand_and_a_missing_one_means_no_image(
    model_project: ModelProject, funsd_forms: list[LabeledPage]
) -> None:
    blobs = model_project.services.blobs
    sha256 = blobs.put_file(FUNSD_TRAINING / "images" / f"{funsd_forms[0].name}.png")

    gray = to_gray(StoredPageImage(blobs, sha256))
    missing = to_gray(StoredPageImage(blobs, "0" * 64))

    assert gray is not None and np.array_equal(gray, scan(funsd_forms[0]))
    assert missing is None  # the model treats it as a page without an image
    assert stored_page_image(blobs, None) is None and stored_page_image(None, sha256) is None


def test_training_examples_carry_their_page_images(
    model_project: ModelProject, funsd_forms: list[LabeledPage]
) -> None:
    services, project_id = model_project.services, model_project.project_id
    add_labeled_tasks(services, project_id, funsd_forms[:2], images=True)
    add_labeled_tasks(services, project_id, funsd_forms[2:3], images=False)

    with session_scope(services.database.read) as session:
        project = session.get(Project, project_id)
        assert project is not None
        config = parse_label_config(project.label_config)
        examples = collect_examples(
            session, project_id=project_id, config=config, blobs=services.blobs
        )
        without_store = collect_examples(session, project_id=project_id, config=config)

    pages = sorted(examples.training_pages + examples.held_out_pages, key=lambda p: p.name)
    assert [page.image is not None for page in pages] == [True, True, False]
    assert np.array_equal(to_gray(pages[0].image), scan(funsd_forms[0]))
    assert all(
        page.image is None for page in without_store.training_pages + without_store.held_out_pages
    )


def test_in_process_and_import_predictions_use_the_stored_page_image(
    model_project: ModelProject, funsd_forms: list[LabeledPage]
) -> None:
    services, project_id = model_project.services, model_project.project_id
    add_labeled_tasks(services, project_id, funsd_forms[:6], images=True)
    (task_id,) = add_unlabeled_tasks(services, project_id, funsd_forms[10:11], images=True)
    sha256 = model_project.train()["result"]["artifact_sha256"]
    loaded = ModelCache().get(sha256, services.blobs.read_bytes)
    with session_scope(services.database.read) as session:
        (page,) = stored_pages(session, task_id=task_id)
        preannotator = ImportPreannotator.for_project(
            session, blobs=services.blobs, project_id=project_id
        )
    assert page.words is not None and page.image_sha256 is not None and preannotator is not None
    with_image = loaded.model.predict(page.words, scan(funsd_forms[10]))
    words_only = loaded.model.predict(page.words)

    predicted = InProcessPredictor(loaded, services.blobs).predict(page.words, page.image_sha256)
    imported = preannotator.predict(
        [(page.words.width, page.words.height, page.words.words)],
        image_sha256s=[page.image_sha256],
    )
    blind = InProcessPredictor(loaded).predict(page.words, page.image_sha256)

    assert predicted.entities == with_image
    assert imported is not None
    assert [(r["label"], r["tokens"]) for r in imported.regions] == [
        (e.label, sorted(e.word_indices)) for e in with_image
    ]
    assert blind.entities == words_only
