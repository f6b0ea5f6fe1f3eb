"""Learned radio-core / host locator (heat-map CNN), trained without any MiraBest image.

``python -m ml.core.learned.train`` trains it (:mod:`ml.core.learned.train`); the MiraBest
evaluation is the ``learned`` row of ``python -m ml.evaluation.core_location``.
"""
