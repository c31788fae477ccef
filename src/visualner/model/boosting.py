"""LightGBM, imported when a model is first trained or loaded.

Importing ``lightgbm`` also imports pandas, scikit-learn and pyarrow whenever they are
installed (docs/bench.md has the memory figures), and every app and worker process imports the model
package through its job registry. Deferring the import keeps a server that imports, labels
and exports, but never trains or predicts, that much smaller.
"""

from __future__ import annotations

import importlib
from types import ModuleType


def lightgbm() -> ModuleType:
    """The ``lightgbm`` module (imported on the first call; later calls are a dict lookup)."""
    return importlib.import_module("lightgbm")
