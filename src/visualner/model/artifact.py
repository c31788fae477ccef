"""Save a trained tagger as bytes (for the blob store) and load it back safely.

An artifact is a zip with ``manifest.json`` and ``weights.json`` (the two LightGBM models and
their vocabularies). The manifest records what the model needs to be trusted later: the
features version it was trained with, its labels, a hash of the training data (to tell whether
a retrain is due), its scores and when it was made. A model trained on other features would
silently predict nonsense, so loading one raises ``InvalidInput`` instead.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, BinaryIO

from visualner.errors import InvalidInput
from visualner.model.grouping import FEATURES_VERSION
from visualner.model.tagger import LabeledPage, TrainedModel

ARTIFACT_FORMAT = "visualner-tagger"
_MANIFEST = "manifest.json"
_WEIGHTS = "weights.json"


def training_data_hash(examples: Sequence[LabeledPage]) -> str:
    """A SHA-256 over the words, boxes and entities of the training pages, in order."""
    digest = hashlib.sha256()
    for example in examples:
        payload = {
            "words": [[w.text, [round(v, 1) for v in w.bbox]] for w in example.page.words],
            "entities": [[e.label, list(e.word_indices)] for e in example.entities],
        }
        digest.update(json.dumps(payload, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def dump_model(
    model: TrainedModel,
    *,
    training_hash: str = "",
    scores: dict[str, float] | None = None,
) -> bytes:
    """Serialise the model and its manifest into one byte string."""
    manifest: dict[str, Any] = {
        "format": ARTIFACT_FORMAT,
        "features_version": model.features_version,
        "labels": list(model.labels),
        "training_data_hash": training_hash,
        "scores": dict(scores or {}),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "metadata": model.metadata,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
        archive.writestr(_WEIGHTS, model.weights)
    return buffer.getvalue()


def read_manifest(blob: bytes | BinaryIO) -> dict[str, Any]:
    """The manifest of an artifact (its bytes or an open file), for listing models without
    loading their weights: from a file only the zip directory and the manifest are read."""
    try:
        with zipfile.ZipFile(io.BytesIO(blob) if isinstance(blob, bytes) else blob) as archive:
            manifest = json.loads(archive.read(_MANIFEST))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise InvalidInput(f"Not a visualner model file: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != ARTIFACT_FORMAT:
        raise InvalidInput("Not a visualner model file: the manifest has the wrong format.")
    return manifest


def load_model(blob: bytes) -> TrainedModel:
    """Rebuild a model from ``dump_model`` bytes; refuse one built for other features."""
    manifest = read_manifest(blob)
    version = manifest.get("features_version")
    if version != FEATURES_VERSION:
        raise InvalidInput(
            f"This model was trained with features version {version}, but this visualner "
            f"computes features version {FEATURES_VERSION}. Retrain the model on the project's "
            "annotations to use it."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            weights = archive.read(_WEIGHTS)
    except KeyError as error:
        raise InvalidInput(f"Not a visualner model file: {error}") from error
    return TrainedModel(
        weights=weights,
        labels=manifest["labels"],
        features_version=version,
        metadata={**manifest.get("metadata", {}), "scores": manifest.get("scores", {})},
    )
