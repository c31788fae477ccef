"""Who predicts a page: the model in this process, or OCR servers' ``POST /preannotate``.

Pre-annotation goes where OCR goes: to the OCR servers chosen for the import or the job. The
built-in server is this process (the model runs here, reading page images from the blob
store); any other server gets the page's words and stored image and fetches the model from
the app once. With several servers, pages are spread round-robin and a page whose server is
unreachable is tried on the others before it fails, as OCR pages are.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from visualner.documents.blobstore import BlobStore
from visualner.errors import NotFound, Unavailable
from visualner.model.types import PagePrediction
from visualner.ocr.servers.client import RemoteOcrClient
from visualner.ocr.servers.targets import servers_named
from visualner.preannotation.page_images import stored_page_image
from visualner.preannotation.serving import LoadedModel, prediction_from_wire
from visualner.words import PageWords

log = logging.getLogger(__name__)

BUILTIN_NAME = "built-in"


class PagePredictor(Protocol):
    name: str

    def predict(self, page: PageWords, image_sha256: str | None) -> PagePrediction: ...

    def close(self) -> None: ...


@dataclass
class InProcessPredictor:
    """The model in this process (the built-in OCR server's way); page images come from the
    blob store (``blobs=None``: words only)."""

    model: LoadedModel
    blobs: BlobStore | None = None
    name: str = BUILTIN_NAME

    def predict(self, page: PageWords, image_sha256: str | None) -> PagePrediction:
        return self.model.predict(page, stored_page_image(self.blobs, image_sha256))

    def close(self) -> None:
        return None


class RemotePredictor:
    """An OCR server's ``POST /preannotate``; it fetches the model from the app once. The
    page's words go with its stored image, for the model's image cues."""

    def __init__(
        self, *, name: str, url: str, model_sha256: str, blobs: BlobStore | None = None
    ) -> None:
        self.name = name
        self.model_sha256 = model_sha256
        self.blobs = blobs
        self.client = RemoteOcrClient(url)

    def _image_bytes(self, image_sha256: str | None) -> bytes | None:
        if self.blobs is None or not image_sha256:
            return None
        try:
            return self.blobs.read_bytes(image_sha256)
        except (NotFound, OSError) as exc:
            log.warning("page image %s unreadable: %s", image_sha256[:12], exc)
            return None

    def predict(self, page: PageWords, image_sha256: str | None) -> PagePrediction:
        payload = self.client.preannotate(
            model_sha256=self.model_sha256,
            words=page.to_json(),
            image=self._image_bytes(image_sha256),
        )
        answered, prediction = prediction_from_wire(payload, source=self.client.url)
        if len(answered.words) != len(page.words):
            raise Unavailable(
                f"OCR server {self.client.url} answered {len(answered.words)} words for a page "
                f"of {len(page.words)}"
            )
        return prediction

    def close(self) -> None:
        self.client.close()


class SpreadPredictor:
    """Pages spread round-robin over several predictors, each page failing over to the next
    predictor when its own is unavailable (an unreachable or failing OCR server)."""

    def __init__(self, predictors: Sequence[PagePredictor]) -> None:
        if not predictors:
            raise ValueError("SpreadPredictor needs at least one predictor")
        self.predictors = list(predictors)
        self.name = ", ".join(p.name for p in self.predictors)
        self._turns = itertools.count()
        self._lock = threading.Lock()

    def predict(self, page: PageWords, image_sha256: str | None) -> PagePrediction:
        with self._lock:
            first = next(self._turns) % len(self.predictors)
        order = self.predictors[first:] + self.predictors[:first]
        for predictor in order[:-1]:
            try:
                return predictor.predict(page, image_sha256)
            except Unavailable as exc:
                log.warning(
                    "pre-annotation on %s failed (%s); trying the next server",
                    predictor.name,
                    exc.message,
                )
        return order[-1].predict(page, image_sha256)

    def close(self) -> None:
        for predictor in self.predictors:
            predictor.close()


def predictor_for_servers(
    session: Session,
    *,
    names: Sequence[str],
    model_sha256: str,
    load_model: Callable[[], LoadedModel],
    blobs: BlobStore | None,
) -> PagePredictor:
    """The predictor for the OCR servers called ``names`` (none: the default server).

    ``load_model`` is called only when the built-in server is among them: remote servers
    load the model themselves.
    """
    predictors: list[PagePredictor] = []
    for server in servers_named(session, list(names)):
        if server.is_builtin:
            predictors.append(InProcessPredictor(load_model(), blobs))
        else:
            predictors.append(
                RemotePredictor(
                    name=server.name, url=server.url, model_sha256=model_sha256, blobs=blobs
                )
            )
    if not predictors:
        return InProcessPredictor(load_model(), blobs)
    return predictors[0] if len(predictors) == 1 else SpreadPredictor(predictors)
