"""Loading models by artifact sha256 and predicting pages, for the app and OCR servers.

A loaded model is kept in memory (a small LRU by sha256); an OCR server also keeps the
artifact files on disk, so a restart does not fetch them again. Artifacts are verified
against their sha256 whenever they are read, so a planted or truncated file is never used.

Each loaded model predicts one page at a time (a lock per model): LightGBM's predictors are
not documented as safe to call from several threads at once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from visualner.errors import InvalidInput, NotFound, Unavailable
from visualner.model.artifact import load_model
from visualner.model.image import to_gray
from visualner.model.tagger import TrainedModel
from visualner.model.types import PagePrediction, PredictedEntity, PredictedLink
from visualner.ocr.servers.protocol import page_words_from_json
from visualner.words import PageWords

log = logging.getLogger(__name__)

SHA256_HEX = frozenset("0123456789abcdef")
MEMORY_SLOTS = 8


def check_sha256(value: str) -> str:
    if len(value) != 64 or not set(value) <= SHA256_HEX:
        raise InvalidInput("model_sha256 must be 64 lowercase hex digits", field="model_sha256")
    return value


class LoadedModel:
    """A model ready to predict, safe to share between threads."""

    def __init__(self, model: TrainedModel, sha256: str) -> None:
        self.model = model
        self.sha256 = sha256
        self._lock = threading.Lock()

    @property
    def labels(self) -> tuple[str, ...]:
        return self.model.labels

    def predict(self, page: PageWords, image: Any = None) -> PagePrediction:
        """Entities and uncertainty of one page; ``image`` (PIL, numpy or anything with PIL's
        ``convert``) adds the model's ink and ruling-line cues. It is decoded once here."""
        if not page.words:
            return PagePrediction(entities=[], links=[])
        gray = to_gray(image)
        with self._lock:
            return self.model.predict_document(page, gray)

    @property
    def relation_label(self) -> str:
        """The label predicted links get (the commonest in the model's training data)."""
        return str(self.model.metadata.get("relation_label", ""))


class ModelCache:
    """Loaded models by artifact sha256, the least recently used dropped first."""

    def __init__(self, slots: int = MEMORY_SLOTS) -> None:
        self.slots = slots
        self._models: OrderedDict[str, LoadedModel] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sha256: str, read_artifact: Callable[[str], bytes]) -> LoadedModel:
        with self._lock:
            cached = self._models.get(sha256)
            if cached is not None:
                self._models.move_to_end(sha256)
                return cached
            blob = read_artifact(sha256)
            if hashlib.sha256(blob).hexdigest() != sha256:
                raise Unavailable(f"the model file {sha256[:12]}… does not match its sha256")
            loaded = LoadedModel(load_model(blob), sha256)
            self._models[sha256] = loaded
            while len(self._models) > self.slots:
                self._models.popitem(last=False)
            return loaded


def prediction_json(
    page: PageWords, prediction: PagePrediction, model: LoadedModel
) -> dict[str, Any]:
    """The ``POST /preannotate`` answer of an OCR server (docs/ocr-server.md)."""
    payload = page.to_json()
    payload["entities"] = [
        {
            "label": entity.label,
            "word_indices": list(entity.word_indices),
            "score": round(entity.score, 4),
        }
        for entity in prediction.entities
    ]
    payload["links"] = [
        {"source": link.source, "target": link.target, "score": round(link.score, 4)}
        for link in prediction.links
    ]
    payload["uncertainty"] = round(prediction.uncertainty, 6)
    payload["model"] = {
        "sha256": model.sha256,
        "labels": list(model.labels),
        "features_version": model.model.features_version,
    }
    return payload


def page_words_posted(raw: Any) -> PageWords:
    """Words posted to ``/preannotate``: ``{"width", "height", "words": [...]}``."""
    try:
        return page_words_from_json(raw)
    except ValueError as exc:
        raise InvalidInput(
            f"words must be {{'width', 'height', 'words': [{{'text', 'bbox'}}]}}: {exc}",
            field="words",
        ) from exc


def prediction_from_wire(payload: Any, *, source: str) -> tuple[PageWords, PagePrediction]:
    """Parse a ``/preannotate`` answer, refusing anything that is not the documented shape."""
    try:
        page = page_words_from_json(payload)
        entities = [
            PredictedEntity(
                label=str(raw["label"]),
                word_indices=tuple(int(i) for i in raw["word_indices"]),
                score=float(raw.get("score", 0.0)),
            )
            for raw in payload["entities"]
        ]
        links = [
            PredictedLink(int(raw["source"]), int(raw["target"]), float(raw.get("score", 0.0)))
            for raw in payload.get("links", [])
        ]
        uncertainty = float(payload.get("uncertainty", 0.0))
    except (KeyError, TypeError, ValueError) as exc:
        raise Unavailable(
            f"OCR server {source} answered /preannotate in an unknown format"
        ) from exc
    count = len(page.words)
    if any(not all(0 <= i < count for i in e.word_indices) for e in entities):
        raise Unavailable(f"OCR server {source} answered word indices outside the page")
    if any(not (0 <= k < len(entities)) for link in links for k in (link.source, link.target)):
        raise Unavailable(f"OCR server {source} answered links to entities it did not return")
    return page, PagePrediction(entities=entities, links=links, uncertainty=uncertainty)


class AppArtifactSource:
    """How an OCR server gets artifacts: from the app's API, cached on disk by sha256."""

    def __init__(self, *, app_url: str, app_token: str, cache_dir: Path | None) -> None:
        self.app_url = app_url.rstrip("/")
        self.app_token = app_token
        self.cache_dir = cache_dir
        self._lock = threading.Lock()

    @classmethod
    def from_environment(cls) -> AppArtifactSource:
        """``VISUALNER_APP_URL``, ``VISUALNER_APP_TOKEN``, ``VISUALNER_MODEL_CACHE_DIR``."""
        return cls.configured(
            app_url=os.environ.get("VISUALNER_APP_URL", ""),
            app_token=os.environ.get("VISUALNER_APP_TOKEN", ""),
            cache_dir=os.environ.get("VISUALNER_MODEL_CACHE_DIR", ""),
        )

    @classmethod
    def configured(cls, *, app_url: str, app_token: str, cache_dir: str) -> AppArtifactSource:
        folder = (
            Path(cache_dir)
            if cache_dir
            else Path(tempfile.gettempdir()) / f"visualner-models-{os.getuid()}"
        )
        return cls(app_url=app_url, app_token=app_token, cache_dir=folder)

    @property
    def can_fetch(self) -> bool:
        """Whether models can be fetched at all (an app URL and token are set): an OCR server
        without them cannot pre-annotate, and says so in ``/info``."""
        return bool(self.app_url and self.app_token)

    def _cached_path(self, sha256: str) -> Path | None:
        return self.cache_dir / f"{sha256}.vnmodel" if self.cache_dir else None

    def read(self, sha256: str) -> bytes:
        path = self._cached_path(sha256)
        if path is not None and path.exists():
            blob = path.read_bytes()
            if hashlib.sha256(blob).hexdigest() == sha256:
                return blob
            log.warning("discarding cached model %s: its content does not match", sha256[:12])
        blob = self._download(sha256)
        if path is not None:
            self._store(path, blob)
        return blob

    def _download(self, sha256: str) -> bytes:
        if not self.can_fetch:
            raise Unavailable(
                "this OCR server cannot fetch models: start it with --app-url and --app-token "
                "(or VISUALNER_APP_URL and VISUALNER_APP_TOKEN)"
            )
        url = f"{self.app_url}/api/models/{sha256}/artifact"
        try:
            response = httpx.get(
                url, headers={"Authorization": f"Token {self.app_token}"}, timeout=60
            )
        except httpx.HTTPError as exc:
            raise Unavailable(f"cannot reach the app at {self.app_url}: {exc}") from exc
        if response.status_code == 404:
            raise NotFound(f"the app at {self.app_url} has no model {sha256[:12]}… for this token")
        if response.status_code != 200:
            raise Unavailable(
                f"the app at {self.app_url} answered {response.status_code} for model "
                f"{sha256[:12]}…"
            )
        blob = response.content
        if hashlib.sha256(blob).hexdigest() != sha256:
            raise Unavailable(f"the model downloaded from {self.app_url} does not match its sha256")
        return blob

    def _store(self, path: Path, blob: bytes) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".model-")
            with os.fdopen(handle, "wb") as temp_file:
                temp_file.write(blob)
            os.replace(temp_name, path)
        except OSError as exc:  # the disk cache is an optimisation: work on without it
            log.warning("cannot cache model %s on disk: %s", path.name, exc)
