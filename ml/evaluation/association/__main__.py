"""``python -m ml.evaluation.association``: see :mod:`ml.evaluation.association.run`."""

import sys

from ml.evaluation.association.run import main

sys.exit(main())
