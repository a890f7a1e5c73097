# Two commands set everything up on a fresh machine:
#   make demo   – create .venv, install nqpf, run the demo on bundled real data, print where the report is
#   make test   – create .venv with test extras and run the whole test suite (what CI runs)
#   make test-quick – the same without the tests marked slow (> 5 s) or browser, for local edit-test loops
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
DEMO_OUT ?= nqpf-demo-output

.PHONY: demo test test-quick venv browser bench clean docs

$(VENV)/.stamp-base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip setuptools wheel
	$(PIP) install -q -e .
	$(PY) -m compileall -q src/nqpf >/dev/null  # byte-code of the editable source now, not at each first import
	touch $@

$(VENV)/.stamp-test: $(VENV)/.stamp-base
	$(PIP) install -q -e ".[test]"
	touch $@

$(VENV)/.stamp-bench: $(VENV)/.stamp-test
	$(PIP) install -q -e ".[bench]"
	touch $@

venv: $(VENV)/.stamp-base

demo: $(VENV)/.stamp-base
	$(VENV)/bin/nqpf demo --out $(DEMO_OUT)

# Browser tests (report and dashboard) use Debian's chromium, and the workbook round trip uses LibreOffice;
# install them when we can (root with apt-get), otherwise those tests are skipped with a reason.
browser:
	@need=""; [ -x /usr/bin/chromium ] || need="$$need chromium"; \
	command -v soffice >/dev/null 2>&1 || command -v libreoffice >/dev/null 2>&1 || need="$$need libreoffice-calc-nogui"; \
	if [ -n "$$need" ] && command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "Installing Debian packages for the browser and workbook tests:$$need"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$need >/dev/null) \
	    || echo "could not install$$need: those tests will be skipped"; \
	fi

test: $(VENV)/.stamp-test browser
	$(PY) -m pytest -n 2 -q

test-quick: $(VENV)/.stamp-test
	$(PY) -m pytest -n 2 -q -m "not slow and not browser"

# Runs every benchmarks/bench_*.py (one after the other) and regenerates docs/benchmarks.md from what they print;
# stops, leaving the page as it was, when a benchmark's result differs from its peer's.
bench: $(VENV)/.stamp-bench
	$(PY) benchmarks/make_docs.py

docs: $(VENV)/.stamp-base
	$(PY) -m nqpf.framework.docs

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache build *.egg-info src/*.egg-info
