"""``python -m optbench.cli``: the same as the ``optbench`` command."""

import sys

from optbench.cli import main

sys.exit(main())
