# Set-up and everyday commands. A fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench screenshot demo-db clean bundle bundle-check i18n-extract i18n-update

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

## Open the window on the default database, with a demo incident if it has none.
run: $(STAMP)
	$(BIN)/python -m ui.xcb
	$(BIN)/warroom-cli demo --if-empty
	$(BIN)/warroom

## The whole test suite, offscreen.
test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

## Benchmarks (not part of `make test`): figures for the README.
bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tests.bench.run

## Render every view of the window at 1500x900 and at 1280x720 into docs/screenshots/,
## from a fresh demo database; the timeline at 1500x900 is also the README's picture.
SHOT_VIEWS := timeline updates reviews deliveries templates stakeholders declare matrix channels retro followups \
	inquiries clocks signals
SHOT_SIZES := 1500x900 1280x720
screenshot: $(STAMP)
	rm -rf .bench/screenshot.db*
	mkdir -p .bench docs/screenshots
	WARROOM_DB=.bench/screenshot.db $(BIN)/warroom-cli demo
	# A commander in Berlin: the local column differs from UTC, as it would for most users.
	WARROOM_DB=.bench/screenshot.db WARROOM_USER="Dana Okafor" $(BIN)/warroom-cli audience set customers --timezone America/New_York
	WARROOM_DB=.bench/screenshot.db WARROOM_USER="Dana Okafor" $(BIN)/warroom-cli draft compose INC-1 --audience executives,employees,customers
	WARROOM_DB=.bench/screenshot.db WARROOM_USER="Dana Okafor" $(BIN)/warroom-cli dispatch --once
	# The customers' new draft waits for its reviews: the Reviews view is seen by the comms reviewer it waits for.
	WARROOM_DB=.bench/screenshot.db WARROOM_USER="Dana Okafor" $(BIN)/warroom-cli draft submit "$$(WARROOM_DB=.bench/screenshot.db \
		WARROOM_USER="Dana Okafor" $(BIN)/warroom-cli draft list INC-1 --json | $(BIN)/python -c \
		'import json, sys; print([d["id"] for d in json.load(sys.stdin) if d["audience"] == "customers" and d["state"] == "draft"][-1])')"
	for size in $(SHOT_SIZES); do for view in $(SHOT_VIEWS); do \
		who="Dana Okafor"; [ $$view = reviews ] && who="Mia Lindqvist"; \
		QT_QPA_PLATFORM=offscreen TZ=Europe/Berlin LANG=en_GB.UTF-8 WARROOM_DB=.bench/screenshot.db WARROOM_USER="$$who" \
			$(BIN)/warroom --screenshot docs/screenshots/$$size/$$view.png --view $$view --size $$size || exit 1; \
	done; done
	cp docs/screenshots/1500x900/timeline.png docs/screenshot.png
	for view in updates templates deliveries matrix; do cp docs/screenshots/1500x900/$$view.png docs/$$view.png; done

## A one-folder PyInstaller bundle of the window and warroom-cli in dist/warroom/,
## its size printed, then its smoke test (run from outside the venv).
bundle: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bundle]'
	rm -rf build/pyinstaller dist/warroom
	$(BIN)/pyinstaller --noconfirm --log-level WARN --workpath build/pyinstaller --distpath dist \
		packaging/pyinstaller/warroom.spec
	QT_QPA_PLATFORM=offscreen $(BIN)/python packaging/linux/icons.py dist/share/icons > /dev/null
	$(MAKE) bundle-check

bundle-check:
	env -i PATH=/usr/bin:/bin HOME="$$HOME" $(PYTHON) packaging/smoke.py dist/warroom

## Translations: collect the messages of each domain from the code into a template
## (.pot), then bring every language's catalog (.po) in step with it. Catalogs are
## read at run time; there is nothing to compile.
LOCALES_DIR := resources/locale
i18n-extract: $(STAMP)
	$(BIN)/pybabel extract --width 120 --no-location --sort-output -k _ -k N_ -k ngettext:1,2 --project "War room" \
		-o $(LOCALES_DIR)/ui.pot ui
	$(BIN)/pybabel extract --width 120 --no-location --sort-output --no-default-keywords -k N_ --project "War room" \
		-o $(LOCALES_DIR)/warroom.pot warroom

i18n-update: i18n-extract
	for domain in ui warroom; do for lang in de fr es; do \
		if [ -f $(LOCALES_DIR)/$$lang/LC_MESSAGES/$$domain.po ]; then \
			$(BIN)/pybabel update --width 120 --no-fuzzy-matching -D $$domain -l $$lang -i $(LOCALES_DIR)/$$domain.pot -d $(LOCALES_DIR); \
		else \
			$(BIN)/pybabel init --width 120 -D $$domain -l $$lang -i $(LOCALES_DIR)/$$domain.pot -d $(LOCALES_DIR); \
		fi; done; done

clean:
	rm -rf $(VENV) .bench .pytest_cache build dist
