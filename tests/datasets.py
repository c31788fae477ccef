"""Where the shared FUNSD dataset is, wherever this checkout was cloned.

``$VISUALNER_FUNSD_DIR`` if set; else ``shared/datasets/funsd`` beside the checkout (the
workplace layout, ``../shared``); else the workplace's fixed ``/work/shared``. Tests that need
it skip with the path they looked at when none exists.
"""

from __future__ import annotations

import os
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
CANDIDATES = [
    *([Path(os.environ["VISUALNER_FUNSD_DIR"])] if os.environ.get("VISUALNER_FUNSD_DIR") else []),
    CHECKOUT.parent / "shared" / "datasets" / "funsd",
    Path("/work/shared/datasets/funsd"),
]
FUNSD_DIR = next((path for path in CANDIDATES if path.is_dir()), CANDIDATES[0])
FUNSD_TRAINING = FUNSD_DIR / "training_data"
