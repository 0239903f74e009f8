"""A JupyterLab server and a headless Chromium for the browser tests (``tests/test_browser_lessons.py``).

The server runs on copies of the lessons in a temporary folder (autosave must never write into ``notebooks/``),
with its own settings (every cell attached to the page, no news pop-up) and workspace (nothing restored from an
earlier session). Screenshots and launch times go to ``build/browser/`` (git-ignored) for a person to look at.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS = ROOT / "build" / "browser"
CHROMIUM = os.environ.get("ADVDIS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
SERVER_WAIT_S = 240
"""How long the first launch may take: on a fresh environment the server's first start is the slow one."""

SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}


def missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set ADVDIS_CHROMIUM)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[browser]')"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def record_time(key: str, seconds: float) -> None:
    """Add one measured time to ``build/browser/times.json`` (kept across the tests of one run)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / "times.json"
    times = json.loads(path.read_text()) if path.exists() else {}
    times[key] = round(seconds, 1)
    path.write_text(json.dumps(times, indent=1, sort_keys=True) + "\n")


class Lab:
    """``with Lab(folder) as lab``: JupyterLab serving copies of the lessons; ``lab.url(name)`` opens one."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.token = "advdis-browser-test"
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log = folder / "jupyterlab.log"

    def __enter__(self) -> "Lab":
        for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
            shutil.copy(nb, self.folder / nb.name)
        settings = self.folder / ".settings"
        for rel, value in SETTINGS.items():
            (settings / rel).parent.mkdir(parents=True, exist_ok=True)
            (settings / rel).write_text(json.dumps(value))
        env = {**os.environ, "ADVDIS_THREADS": "1", "ADVDIS_BUDGET": "smoke", "JUPYTERLAB_SETTINGS_DIR": str(settings),
               "JUPYTERLAB_WORKSPACES_DIR": str(self.folder / ".workspaces")}
        (ARTEFACTS / "times.json").unlink(missing_ok=True)
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={self.port}",
             "--ip=127.0.0.1", f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.folder}"],
            stdout=self.log.open("w"), stderr=subprocess.STDOUT, env=env)
        deadline = t0 + SERVER_WAIT_S
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.proc.returncode}: {self.log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{self.base}/api/status?token={self.token}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            self.__exit__()
            raise RuntimeError(f"JupyterLab did not answer within {SERVER_WAIT_S} s; its log: {self.log}")
        record_time("server_ready_s", time.perf_counter() - t0)
        return self

    def __exit__(self, *_) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, notebook: str) -> str:
        """The lesson alone in a fresh layout (``reset``: no tab restored from an earlier page of the same server)."""
        return f"{self.base}/lab/tree/{notebook}?reset&token={self.token}"
