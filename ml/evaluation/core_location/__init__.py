"""Radio core location on real MiraBest FIRST images (``python -m ml.evaluation.core_location``;
driver in :mod:`.run`, the learned locator's fine-tuning in :mod:`.finetune`)."""
