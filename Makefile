# Two commands for a fresh machine:  make lab  (set up, open the course)  ·  make test  (set up, run every test)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
TORCH  ?= torch==2.13.0
EXTRAS ?= dev

.PHONY: lab instructor test setup render students results benchmarks clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install "$(TORCH)"
	$(PY) -m pip install -e ".[$(EXTRAS)]"
	touch $@

setup: $(VENV)/.installed

lab: students
	$(VENV)/bin/jupyter lab student/

instructor: setup
	$(VENV)/bin/jupyter lab notebooks/

test: setup
	$(PY) -m pytest

render: setup
	$(PY) -m advdis_lessons.tools.nbtools render

results: setup
	$(PY) benchmarks/results_pages.py

students: setup
	$(PY) -m advdis_lessons.tools.nbtools students --out student

benchmarks: setup
	$(PY) benchmarks/render_speed.py
	$(PY) benchmarks/train_speed.py

clean:
	rm -rf $(VENV) student .pytest_cache
