"""Where the lab keeps its data: ``LAB_HOME``, ``LAB_DATABASE_URL`` and ``LAB_FERNET_KEY``.

- ``LAB_HOME``: the data directory (default: the per-user data dir, e.g.
  ``~/.local/share/airflow-connections-lab``). Created on first use.
- ``LAB_DATABASE_URL``: any SQLAlchemy URL (default: a SQLite file ``lab.db`` in ``LAB_HOME``).
- ``LAB_FERNET_KEY``: one or more comma-separated Fernet keys (default: a key generated on
  first start and kept in ``LAB_HOME/fernet.key``, readable only by its owner).
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "airflow-connections-lab"


def lab_home(environ=os.environ) -> Path:
    home = Path(environ.get("LAB_HOME") or user_data_dir(APP_NAME, appauthor=False))
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    return home


def database_url(environ=os.environ) -> str:
    url = environ.get("LAB_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{lab_home(environ) / 'lab.db'}"
