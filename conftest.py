"""Test-wide settings: the smoke budget, strict exercise checks, caches kept out of $HOME, and under pytest-xdist
(``make test`` runs one worker per core) one share of the cores per worker, so workers do not fight over threads.

Set before any notebook kernel starts, so nbval's kernels inherit them.
"""
import os
import tempfile

_CACHE = os.path.join(tempfile.gettempdir(), "advdis-test-cache")


def pytest_configure(config):
    os.environ["ADVDIS_BUDGET"] = "smoke"
    os.environ["ADVDIS_EXERCISES"] = "strict"
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        os.environ.setdefault("ADVDIS_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))
        from advdis_lessons import config

        config.set_threads()
    for var, sub in (("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "mpl"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                     ("JUPYTER_CONFIG_DIR", "jupyter"), ("TORCHINDUCTOR_CACHE_DIR", "inductor")):
        os.environ.setdefault(var, os.path.join(_CACHE, sub))
        os.makedirs(os.environ[var], exist_ok=True)
