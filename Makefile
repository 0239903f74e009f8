# Two commands for a fresh machine:  make lab  (set up, open the course)  ·  make test  (set up, run every test)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
TORCH  ?= torch==2.13.0
EXTRAS ?= dev
# One test worker per core; --dist loadscope keeps each notebook (and each test file) whole in one worker.
PYTEST_ARGS ?= -n auto --dist loadscope --durations=25

.PHONY: lab instructor test setup render students results benchmarks site slides clean

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
	$(PY) -m pytest $(PYTEST_ARGS)

render: setup
	$(PY) -m advdis_lessons.tools.nbtools render

results: setup
	$(PY) benchmarks/results_pages.py

students: setup
	$(PY) -m advdis_lessons.tools.nbtools students --out student

benchmarks: setup
	$(PY) benchmarks/render_speed.py
	$(PY) benchmarks/train_speed.py

# The static site (build/site): every lesson with its stored outputs, nothing executed, nothing loaded from the
# network. Installs the docs extra (Sphinx, myst-nb, MathJax 2 files) into the venv the first time.
site: setup
	@$(PY) -c "import importlib.util as u, sys; sys.exit(not all(map(u.find_spec, ['sphinx', 'myst_nb', \
	  'jupyter_server_mathjax'])))" || $(PY) -m pip install -q -e ".[docs]"
	$(PY) -m advdis_lessons.publish.site build --out build/site

# Lecture decks (build/slides): one reveal.js deck per lesson from its stored outputs and slide metadata, plus
# reveal.js and MathJax in build/slides/vendor, so the folder works offline from file://. Needs MathJax 2 from the
# docs extra, installed into the venv the first time.
slides: setup
	@$(PY) -c "import jupyter_server_mathjax" 2>/dev/null || $(PY) -m pip install -q -e ".[docs]"
	$(PY) -m advdis_lessons.publish.slides build --out build/slides

clean:
	rm -rf $(VENV) student build .pytest_cache
