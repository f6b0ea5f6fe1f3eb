"""``python -m ml.evaluation.norris71``: see :mod:`ml.evaluation.norris71.run`."""

import sys

from ml.evaluation.norris71.run import main

sys.exit(main())
