"""``python -m app`` is the ``selfcheckout`` command."""

import sys

from app.cli import main

sys.exit(main())
