"""environment.yml and pyproject.toml must list the same runtime dependencies."""
import re
from pathlib import Path

import tomllib
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONDA_NAMES = {"torch": "pytorch"}


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req.strip(), maxsplit=1)[0].lower()


def _spec(req: str) -> str:
    return req.strip()[len(_name(req)):].replace(" ", "")


def test_environment_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"][0] == "conda-forge" and "defaults" not in env["channels"]
    conda = {_name(d): _spec(d) for d in env["dependencies"] if isinstance(d, str)}
    assert conda.pop("python").startswith("=3.11")
    conda.pop("pip")
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e .[dev]" in pip_section
    want = {CONDA_NAMES.get(_name(r), _name(r)): _spec(r) for r in project["dependencies"]}
    assert conda == want, f"environment.yml {conda} != pyproject {want}"


def test_torch_range_accepts_the_local_wheel():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    torch_req = next(r for r in project["dependencies"] if _name(r) == "torch")
    lo = re.search(r">=([\d.]+)", torch_req).group(1)
    hi = re.search(r"<([\d.]+)", torch_req).group(1)
    as_tuple = lambda v: tuple(int(p) for p in v.split("."))
    assert as_tuple(lo) <= (2, 13, 0) < as_tuple(hi)


def test_ci_installs_torch_first_and_runs_readme_command():
    ci = (ROOT / ".ci" / "run").read_text()
    make = (ROOT / "Makefile").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make test" in ci and "make test" in readme
    assert make.index("torch==2.13.0") < make.index('-e ".[$(EXTRAS)]"')
