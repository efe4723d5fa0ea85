"""``python -m firmware_bridge --config bridge.toml``: the same as ``talon bridge``."""

from __future__ import annotations

import sys

from firmware_bridge.cli import main

sys.exit(main())
