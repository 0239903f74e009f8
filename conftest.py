"""Test-wide settings: the smoke budget, strict exercise checks, and caches kept out of $HOME.

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
    for var, sub in (("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "mpl"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                     ("JUPYTER_CONFIG_DIR", "jupyter"), ("TORCHINDUCTOR_CACHE_DIR", "inductor")):
        os.environ.setdefault(var, os.path.join(_CACHE, sub))
        os.makedirs(os.environ[var], exist_ok=True)
