"""Where the run store lives: the database URL and the folder for large arrays.

The default is an SQLite file in the user's data directory (platformdirs);
``--db URL`` or the ``FORCEPLAN_DB`` environment variable choose another
database (``postgresql://user@host/dbname`` for a shared PostgreSQL server).
Large arrays are written as files beside an SQLite database
(``runs.sqlite`` -> ``runs-files/``); for a server database they go to
``FORCEPLAN_STORE_FILES`` or the user's data directory.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from forceplan.store.errors import StoreError

DB_ENV = "FORCEPLAN_DB"
FILES_ENV = "FORCEPLAN_STORE_FILES"
DB_FILE_NAME = "runs.sqlite"


def data_dir() -> Path:
    """The user's data directory for forceplan (created on first use by the store)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("forceplan", appauthor=False))


def default_url() -> str:
    """``FORCEPLAN_DB`` if set, else an SQLite file in the user's data directory."""
    env = os.environ.get(DB_ENV, "").strip()
    if env:
        return env
    return f"sqlite:///{data_dir() / DB_FILE_NAME}"


def sqlite_path(url: str) -> Path | None:
    """The database file of an ``sqlite:///PATH`` URL; None for in-memory or other databases."""
    if not url.startswith("sqlite:"):
        return None
    rest = url.split(":", 1)[1]
    if not rest.startswith("///"):
        return None
    path = rest[3:].split("?", 1)[0]
    if path in ("", ":memory:"):
        return None
    return Path(path)


def files_dir(url: str) -> Path:
    """Where the arrays of runs stored in ``url`` are written."""
    env = os.environ.get(FILES_ENV, "").strip()
    if env:
        return Path(env)
    db_file = sqlite_path(url)
    if db_file is not None:
        return db_file.with_name(f"{db_file.stem}-files")
    # one folder per server database, named by a digest of its URL (no password on disk)
    digest = hashlib.sha256(_without_password(url).encode()).hexdigest()[:16]
    return data_dir() / "files" / digest


def _without_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL fails later, with its own message
        return url


def display_url(url: str) -> str:
    """The URL as it may be printed (password hidden)."""
    return _without_password(url)


def check_files_folder(files: Path) -> Path:
    """The folder for the store's arrays, or StoreError if a file stands in its way."""
    ancestor = files
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise StoreError(
            f"the run store keeps its arrays in {files}, but {ancestor} is not a folder "
            "(FORCEPLAN_STORE_FILES chooses another)"
        )
    return files
