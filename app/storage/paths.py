"""Where a learner's data lives."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def default_data_dir() -> Path:
    env = os.environ.get("CIRRUS_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("Cirrus", appauthor=False))
