# Set-up and everyday commands. A fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench screenshot demo-db clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

## Open the window on the default database, with a demo incident if it has none.
run: $(STAMP)
	$(BIN)/warroom-cli demo --if-empty
	$(BIN)/warroom

## The whole test suite, offscreen.
test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

## Benchmarks (not part of `make test`): figures for the README.
bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tests.bench.run

## Render the README's screenshot from a fresh demo database.
screenshot: $(STAMP)
	rm -f .bench/screenshot.db*
	mkdir -p .bench docs
	WARROOM_DB=.bench/screenshot.db $(BIN)/warroom-cli demo
	# A commander in Berlin: the local column differs from UTC, as it would for most users.
	WARROOM_DB=.bench/screenshot.db $(BIN)/warroom-cli audience set customers --timezone America/New_York
	WARROOM_DB=.bench/screenshot.db $(BIN)/warroom-cli draft compose INC-1 --audience executives,employees,customers
	WARROOM_DB=.bench/screenshot.db $(BIN)/warroom-cli dispatch --once
	for view in timeline updates templates deliveries matrix; do \
		QT_QPA_PLATFORM=offscreen TZ=Europe/Berlin LANG=en_GB.UTF-8 WARROOM_DB=.bench/screenshot.db WARROOM_USER="Dana Okafor" \
			$(BIN)/warroom --screenshot docs/$$view.png --view $$view --size 1500x900 || exit 1; \
	done
	mv docs/timeline.png docs/screenshot.png

clean:
	rm -rf $(VENV) .bench .pytest_cache
