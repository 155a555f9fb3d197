# The two front-door commands are `make run` and `make test`; the rest are their parts.
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app app
PYBABEL := $(VENV)/bin/pybabel
HOST   ?= 127.0.0.1
PORT   ?= 5000
ICALJS := tests/feeds/node_modules/.installed
# Seconds the engine may spend on each of the demo's weeks scheduled by `make run`.
DEMO_TIME_LIMIT ?= 20

.PHONY: setup run test test-solver bench worker clean translations i18n-update

setup: $(VENV)/.installed translations $(ICALJS)

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

# Mozilla's ICAL.js, which the feed tests parse every feed with (pinned in package.json;
# node_modules is not committed).
$(ICALJS): tests/feeds/package.json tests/feeds/package-lock.json
	cd tests/feeds && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Create the database schema (or upgrade it), load the demo community into an empty
# database, schedule and publish the demo's current and next week (once), and serve on
# http://127.0.0.1:5000.
run: setup
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	-$(FLASK) schedule --community demo --week current --week next --publish --if-unpublished --if-exists \
		--time-limit $(DEMO_TIME_LIMIT)
	$(FLASK) run --host $(HOST) --port $(PORT)

# Execute queued schedule runs from Redis; the web process must have the same REDIS_URL
# (without it, runs execute in a thread of the web process and no worker is needed).
worker: setup
	$(FLASK) worker

test: setup
	$(PY) -m pytest

test-solver: setup
	$(PY) -m pytest tests/solver

bench: setup
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

# ---------------------------------------------------------------- translations
# One catalogue per area: web/<area>/translations/zh_Hans/LC_MESSAGES/messages.po.
# `make translations` compiles them all (.mo files are not committed);
# `make i18n-update AREA=volunteer` extracts the area's strings into its catalogue.
I18N_KEYWORDS := -k _l -k lazy_gettext
I18N_SOURCES_main := web/main web/__init__.py web/context.py web/i18n.py web/templates/main \
	web/templates/errors web/templates/base.html web/templates/_header.html \
	web/templates/_flashes.html web/templates/_form.html
I18N_SOURCES_auth := web/auth web/templates/auth scheduler/accounts.py scheduler/communities.py
I18N_SOURCES_planning := web/planning web/templates/planning scheduler/planning.py \
	scheduler/planning_state.py scheduler/draft_edits.py scheduler/publishing.py
I18N_SOURCES_volunteer := web/volunteer web/templates/volunteer scheduler/signup.py scheduler/availability.py \
	scheduler/ics_import.py scheduler/profiles.py
I18N_SOURCES_feeds := web/feeds web/templates/feeds scheduler/feeds.py scheduler/feed_content.py
I18N_CATALOGUES := $(wildcard web/*/translations/*/LC_MESSAGES/messages.po)

translations: $(I18N_CATALOGUES:.po=.mo)

%.mo: %.po $(VENV)/.installed
	$(PYBABEL) compile --statistics -i $< -o $@

i18n-update: $(VENV)/.installed
	@test -n "$(AREA)" || (echo "usage: make i18n-update AREA=<area> [SOURCES='more/paths']"; exit 2)
	$(PYBABEL) extract -F babel.cfg $(I18N_KEYWORDS) --no-location --sort-output \
		-o web/$(AREA)/translations/messages.pot \
		$(or $(I18N_SOURCES_$(AREA)),web/$(AREA) web/templates/$(AREA)) $(SOURCES)
	if [ -f web/$(AREA)/translations/zh_Hans/LC_MESSAGES/messages.po ]; then \
		$(PYBABEL) update --no-fuzzy-matching -i web/$(AREA)/translations/messages.pot \
			-d web/$(AREA)/translations -l zh_Hans; \
	else \
		$(PYBABEL) init -i web/$(AREA)/translations/messages.pot -d web/$(AREA)/translations -l zh_Hans; \
	fi
	@echo "now translate the empty msgstr entries in web/$(AREA)/translations/zh_Hans/LC_MESSAGES/messages.po"
