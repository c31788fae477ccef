"""Page images for the model, read from the blob store only when the model looks at them.

The model's image cues (ink in word boxes, ruling lines between words) raise entity F1 on
forms (docs/model.md), so training, evaluation and prediction all pass the page image when the
page has one. A project may have thousands of pages, so an example never holds its decoded image: it
holds a ``StoredPageImage`` that decodes the blob when the model calls ``convert`` (the one
PIL method the model's ``to_gray`` uses) and lets it go afterwards. Resolution is left to the
model, which measures everything relative to word sizes and halves large images itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from visualner.documents.blobstore import BlobStore
from visualner.errors import NotFound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredPageImage:
    """A page image in the blob store, decoded on each ``convert`` call.

    A missing or unreadable blob gives an empty image, which the model treats exactly like a
    page without an image (its image features are missing), with a warning — one damaged file
    must not fail a training run or a pre-annotation job.
    """

    blobs: BlobStore
    sha256: str

    def convert(self, mode: str) -> Image.Image:
        try:
            with self.blobs.open(self.sha256) as handle, Image.open(handle) as image:
                return image.convert(mode)
        except (NotFound, OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
            log.warning("page image %s unreadable for the model: %s", self.sha256[:12], exc)
            return Image.new(mode, (0, 0))


def stored_page_image(blobs: BlobStore | None, sha256: str | None) -> StoredPageImage | None:
    """The page's image for the model, or ``None`` when there is none (or no store)."""
    if blobs is None or not sha256:
        return None
    return StoredPageImage(blobs, sha256)
