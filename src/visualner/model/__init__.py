"""The in-app pre-labelling model: a layout-aware CRF trained on a project's own annotations.

Entry points: ``tagger.train`` / ``TrainedModel.predict`` / ``tagger.evaluate``, and
``artifact.dump_model`` / ``artifact.load_model`` to store a model as bytes.
"""
