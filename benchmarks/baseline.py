"""The baseline every browser and server figure stands beside: a bare one-button Streamlit page.

The lab's `.streamlit/config.toml` changes how Streamlit itself serves a page (no forced
garbage collection after each rerun, no file watcher), and those settings speed up any page.
So that a ratio measures what the lab adds and not what a setting gives, the bare page runs
with the same configuration as the lab (`config="lab"`); `config="defaults"` serves it as
Streamlit ships, to show the floor before those settings.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BARE_APP = ROOT / "benchmarks" / "bare_app.py"


def bare_server(home: Path, config: str = "lab", extra_env: dict | None = None):
    """`streamlit run bare_app.py` with the lab's configuration, or with Streamlit's defaults."""
    from tests.helpers import Server

    if config not in ("lab", "defaults"):
        raise ValueError(f"config is 'lab' or 'defaults', not {config!r}")
    # Streamlit reads .streamlit/config.toml from the working directory; benchmarks/ has none.
    return Server(BARE_APP, home, extra_env, cwd=ROOT if config == "lab" else BARE_APP.parent)


def lab_server(home: Path, extra_env: dict | None = None):
    """`streamlit run app.py` as the README starts it (from the project's folder)."""
    from tests.helpers import Server

    return Server(ROOT / "app.py", home, extra_env, cwd=ROOT)
