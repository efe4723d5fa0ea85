"""``python -m talon``: same as the ``talon`` command."""

from talon.cli import main

raise SystemExit(main())
