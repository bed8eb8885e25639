"""More than one server: two lab processes behind nginx, sharing one PostgreSQL, all on loopback.

    python benchmarks/two_servers.py [--learners 1 10 50] [--think 5]

Needs Debian's nginx and postgresql (`apt-get install nginx postgresql`). Starts a throwaway
PostgreSQL, two `streamlit run app.py` processes with the same LAB_DATABASE_URL and
LAB_FERNET_KEY, and nginx in front of them (a cookie pins each browser to one server, so a
session's websocket and its media files are served by the same process). Then:
1. adds a connection in a browser on server A's Connections page, and runs a DAG that names it
   on server B's Your DAG page (it must succeed there);
2. runs the classroom benchmark against nginx.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402

NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    map $cookie_lab_server $lab_sticky {{ "" $request_id; default $cookie_lab_server; }}
    map $http_upgrade $connection_upgrade {{ default upgrade; "" close; }}
    upstream lab {{
        hash $lab_sticky consistent;
        server 127.0.0.1:{a};
        server 127.0.0.1:{b};
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://lab;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_read_timeout 86400;
            add_header Set-Cookie "lab_server=$lab_sticky; Path=/; HttpOnly; SameSite=Lax";
        }}
    }}
}}
"""


def shared_connection_check(url_a: str, url_b: str) -> str:
    from playwright.sync_api import sync_playwright

    from tests.helpers import CHROMIUM, CHROMIUM_ARGS, READY

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{url_a}/connections")
        page.wait_for_selector(READY)
        page.get_by_role("textbox", name="Connection Id").first.fill("added_on_server_a")
        page.get_by_role("textbox", name="Keyfile Path").first.fill("/keys/shared.json")
        page.keyboard.press("Tab")
        page.get_by_role("button", name="Save", exact=True).click()
        page.get_by_text("Added `added_on_server_a`").or_(page.get_by_text("Added added_on_server_a")).first.wait_for()
        page.goto(f"{url_b}/your_dag")
        page.wait_for_selector(READY)
        page.wait_for_selector(".lab-heading")  # the page has run: the source box holds the lesson's DAG
        box = page.get_by_role("textbox", name="DAG source")
        box.fill(box.input_value().replace("my_gcp_conn", "added_on_server_a"))
        page.keyboard.press("Tab")
        page.get_by_role("button", name="Run this DAG").click()
        page.get_by_text("added_on_server_a").first.wait_for()
        page.wait_for_selector(READY)
        page.get_by_role("button", name="Last").click()
        page.get_by_text("DAG run successful").first.wait_for()
        browser.close()
    return "a connection added on server A ran on server B: DAG run successful"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--think", type=float, default=5.0)
    args = parser.parse_args(argv)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        print("nginx is not installed (apt-get install nginx)")
        return 1
    from benchmarks import classroom
    from benchmarks.engine_bench import postgres_url
    from tests.helpers import Server, free_port

    pg = postgres_url()
    if pg is None:
        print("PostgreSQL server binaries are not installed (apt-get install postgresql)")
        return 1
    url, stop_pg = pg
    env = {"LAB_DATABASE_URL": url, "LAB_FERNET_KEY": Fernet.generate_key().decode()}
    with tempfile.TemporaryDirectory() as tmp:
        a = Server(ROOT / "app.py", Path(tmp) / "a", env)
        b = Server(ROOT / "app.py", Path(tmp) / "b", env)
        port = free_port()
        conf = Path(tmp) / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=tmp, a=a.port, b=b.port, port=port))
        proc = subprocess.Popen([nginx, "-c", str(conf), "-g", "daemon off;"], stderr=subprocess.PIPE)
        try:
            time.sleep(1)
            print(shared_connection_check(a.url, b.url) + "\n")
            classroom.main(
                [
                    "--url",
                    f"http://127.0.0.1:{port}",
                    "--label",
                    "2 servers + nginx + PostgreSQL",
                    "--think",
                    str(args.think),
                    "--min-reports",  # a learner's 15 reports: this table has no target (100 took 9 min at 5 s)
                    "15",
                    "--learners",
                    *map(str, args.learners),
                ]
            )
        finally:
            proc.terminate()
            a.stop()
            b.stop()
            stop_pg()
    return 0


if __name__ == "__main__":
    sys.exit(main())
