# Lianxin — the two commands first: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed
MYPY_PATHS := lianxin
PYTEST_ARGS ?=

.PHONY: run test test-fast check bench bench-quick soak fmt lint layers typecheck migrations-check schema-check messages lock clean venv

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info >= (3, 12))' || exit 0; \
	  $(BIN)/python -m pip install -q -c constraints.txt 'jieba-fast>=0.53,<0.54' \
	  || echo '# jieba-fast did not build (no C compiler?): plain jieba is used, classification is slower'
	@touch $(STAMP)

venv: $(STAMP)

## make run: install, migrate the embedded SQLite database, load demo data when empty, serve with the worker.
run: $(STAMP)
	$(BIN)/lianxin migrate --noinput
	$(BIN)/lianxin demo --if-empty
	$(BIN)/lianxin serve --port $(PORT)

## make test: the whole suite (SQLite by default; PostgreSQL when DATABASE_URL is set).
test: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

## make test-fast: the suite without the tests marked slow (browser, ../shared data, over 2 s each).
test-fast: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadgroup -m "not slow" $(PYTEST_ARGS)

check: $(STAMP) lint layers typecheck migrations-check schema-check test

lint: $(STAMP)
	$(BIN)/ruff check lianxin tests bench
	$(BIN)/ruff format --check lianxin tests bench

## make layers: the layer contracts of .importlinter (docs/contributing.md).
layers: $(STAMP)
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy $(MYPY_PATHS)

migrations-check: $(STAMP)
	$(BIN)/lianxin makemigrations --check --dry-run

schema-check: $(STAMP)
	$(BIN)/lianxin spectacular --validate --fail-on-warn --file var/openapi.yaml

bench: $(STAMP)
	@bench/deps.sh
	$(BIN)/python -m bench $(BENCH_ARGS)

## make bench-quick: every benchmark at its small size (a smoke run; the figures need `make bench`).
bench-quick: $(STAMP)
	@bench/deps.sh
	$(BIN)/python -m bench --quick

## make soak: the production layout (N web nodes, M workers) on PostgreSQL + Redis on loopback (database
## lianxin_soak) under K concurrent submissions, a worker and a web node killed mid-load; prints
## lost / duplicated / 5xx / undelivered (0 / 0 / 0 / 0 required). SOAK_ARGS="--submissions 1000 --web 3".
SOAK_ARGS ?=
soak: $(STAMP)
	$(BIN)/python -m bench.bench_soak $(SOAK_ARGS)

fmt: $(STAMP)
	$(BIN)/ruff check --fix lianxin tests bench
	$(BIN)/ruff format lianxin tests bench

messages: $(STAMP)
	cd lianxin && ../$(BIN)/lianxin makemessages -l en --no-obsolete && ../$(BIN)/lianxin compilemessages -l en

## make lock: refresh constraints.txt from the current environment (commit it).
lock:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^lianxin' > constraints.txt

clean:
	rm -rf var/static var/cache .pytest_cache .mypy_cache .ruff_cache
