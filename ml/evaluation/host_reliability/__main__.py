"""``python -m ml.evaluation.host_reliability``: see :mod:`ml.evaluation.host_reliability.run`."""

import sys

from ml.evaluation.host_reliability.run import main

sys.exit(main())
