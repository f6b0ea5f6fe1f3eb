"""``python -m ml.evaluation.core_location``: see :mod:`ml.evaluation.core_location.run`."""

from ml.evaluation.core_location.run import main

main()
