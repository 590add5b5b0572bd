"""The SQLite module Cirrus runs on: a current SQLite where one is installed, else
Python's own.

Python's ``sqlite3`` is linked with the SQLite of the system it was built on (3.40 on
Debian 12; the installers for Windows and macOS from python.org bring a newer one). On
Linux x86-64 (CPython 3.11-3.14, where its wheels are) the ``pysqlite3-binary`` wheel is
installed beside Cirrus: the same module built with a recent SQLite of its own (3.51).
Every part of Cirrus takes its module from here (never ``import sqlite3`` itself), so
one process never mixes the two: their connections and errors are different classes.
The database file is the same either way.
"""

from __future__ import annotations

import sqlite3 as _standard
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the types are the standard module's (the other has no stubs)
    sqlite3 = _standard
else:
    try:
        from pysqlite3 import dbapi2 as sqlite3
    except ImportError:
        sqlite3 = _standard

__all__ = ["sqlite3"]
