"""Pages spread over several OCR servers fail over when one cannot be reached."""

from __future__ import annotations

import pytest

from tests.imports.servers import free_port
from visualner.errors import Unavailable
from visualner.model.tagger import LabeledPage, train
from visualner.preannotation.predictors import InProcessPredictor, RemotePredictor, SpreadPredictor
from visualner.preannotation.serving import LoadedModel


def test_a_page_whose_server_is_down_is_predicted_on_the_next_one(
    funsd_forms: list[LabeledPage],
) -> None:
    model = LoadedModel(train(funsd_forms[:3], labels=["question", "answer", "header"]), "0" * 64)
    page = funsd_forms[10].page
    dead = RemotePredictor(
        name="down", url=f"http://127.0.0.1:{free_port()}", model_sha256="0" * 64
    )
    spread = SpreadPredictor([dead, InProcessPredictor(model)])

    answers = [spread.predict(page, None) for _ in range(3)]  # each server comes first in turn

    assert spread.name == "down, built-in"
    assert all(a.entities == model.predict(page).entities for a in answers)
    with pytest.raises(Unavailable):
        SpreadPredictor([dead]).predict(page, None)
    spread.close()
