"""Learned radio-core / host locator (heat-map CNN), trained without any MiraBest image.

``python -m ml.core_locator.train`` trains it (:mod:`ml.core_locator.train`); the MiraBest
evaluation is the ``learned`` row of ``python -m ml.evaluation.core_location``.
"""
