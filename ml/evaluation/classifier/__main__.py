"""``python -m ml.evaluation.classifier``: see :mod:`ml.evaluation.classifier.run`."""

import sys

from ml.evaluation.classifier.run import main

sys.exit(main())
