"""The Airflow connections lab: ``streamlit run app.py``.

The entry point is only the frame around each page (``lab_ui.frame``): the page list, the URL
and the step cursor, the sidebar; then the page from ``pages/``.
"""

from lab_ui import frame

frame.run()
