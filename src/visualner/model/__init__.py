"""The in-app pre-labelling model: boosted trees on layout, trained on a project's annotations.

Entry points: ``tagger.train`` / ``TrainedModel.predict`` / ``TrainedModel.predict_document`` /
``tagger.evaluate``, and ``artifact.dump_model`` / ``artifact.load_model`` to store a model as
bytes. ``docs/model.md`` describes the design and its FUNSD figures.
"""
