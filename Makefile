# Two commands: `make run` (a complete demo office) and `make test` (every test).
# Each bootstraps .venv from setup.cfg with the system Python 3.11.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-%: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[$*]"
	touch $@

run: $(VENV)/.installed-server $(VENV)/.installed-kiosk $(VENV)/.installed-bridge
	$(BIN)/talon demo --host $(HOST) --port $(PORT) --var var \
		--kiosk deploy/kiosk/kiosk-demo.toml --bridge firmware_bridge/demo_bridge.toml

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks

# PNGs of the desk, console and boards at 1920x1080 (and the board in portrait) in screenshots/.
screenshots: $(VENV)/.installed-test
	$(BIN)/python scripts/screenshots.py --out screenshots

clean:
	rm -rf $(VENV) build *.egg-info
