"""Real-data evaluation of the optical GALAXY/QSO/STAR classifier
(``python -m ml.evaluation.classifier``; driver in :mod:`.run`)."""
