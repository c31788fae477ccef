"""Pre-annotation: train the project's tagger on its submitted annotations, keep every model
version, pre-label tasks with the active one (in process or on an OCR server), and rank tasks
for active learning by the model's confidence.

The tagger itself lives in ``visualner.model``; this package is the product around it.
"""
