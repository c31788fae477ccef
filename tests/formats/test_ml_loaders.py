"""The training formats load in the libraries people train with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.formats.conftest import FixtureProject


def test_the_layoutlm_export_loads_with_hugging_face_datasets(
    fixture_project: FixtureProject, tmp_path: Path
) -> None:
    datasets = pytest.importorskip("datasets", reason="pip install datasets (a test dependency)")
    path = tmp_path / "train.jsonl"
    path.write_bytes(fixture_project.export("layoutlm", predictions="true"))
    loaded = datasets.load_dataset(
        "json", data_files=str(path), split="train", cache_dir=str(tmp_path / "cache")
    )
    assert loaded.num_rows == 3
    first = loaded[0]
    assert first["words"][:3] == ["word0", "word1", "word2"]
    assert first["ner_tags"][:3] == ["B-question", "I-question", "B-answer"]
    assert all(0 <= v <= 1000 for box in first["bboxes"] for v in box)
    assert len(first["bboxes"]) == len(first["words"]) == len(first["ner_tags"])


def test_the_coco_export_loads_with_pycocotools(
    fixture_project: FixtureProject, tmp_path: Path
) -> None:
    coco_module = pytest.importorskip(
        "pycocotools.coco", reason="pycocotools is not installed here"
    )
    path = tmp_path / "coco.json"
    path.write_bytes(fixture_project.export("coco", predictions="true"))
    coco = coco_module.COCO(str(path))
    assert len(coco.getImgIds()) == 3
    names = {c["name"] for c in coco.loadCats(coco.getCatIds())}
    assert names == {"question", "answer", "header", "LOGO"}
    logo = coco.loadAnns(coco.getAnnIds(catIds=coco.getCatIds(catNms=["LOGO"])))
    assert [a["bbox"] for a in logo] == [[20.0, 20.0, 200.0, 70.0]]
    assert json.loads(path.read_text())["annotations"][0]["text"] == "word0 word1"
