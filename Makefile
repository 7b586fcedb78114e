# The two commands of the README contract:
#   make run    set everything up (.venv) and start the kiosk (demo sources when no camera is plugged in)
#   make test   set everything up (.venv) and run the whole test suite
VENV ?= .venv

.PHONY: setup run demo test lint clean-venv

setup:
	@bash tools/setup_env.sh

run: setup
	$(VENV)/bin/selfcheckout run

demo: setup
	$(VENV)/bin/selfcheckout demo

test: setup
	$(VENV)/bin/python -m pytest

lint: setup
	$(VENV)/bin/ruff check app tests tools

clean-venv:
	rm -rf $(VENV)
