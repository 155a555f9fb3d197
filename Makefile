# The two front-door commands are `make run` and `make test`; the rest are their parts.
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app app
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: setup run test test-solver bench worker clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

test: setup
	$(PY) -m pytest

test-solver: setup
	$(PY) -m pytest tests/solver

bench: setup
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
