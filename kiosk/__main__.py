"""``python -m kiosk --config kiosk.toml``."""

from kiosk.cli import main

raise SystemExit(main())
