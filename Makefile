# Shortcuts; the scripts do the work so they also run where make is missing.
.PHONY: run test lint
run:
	bash scripts/run.sh
test:
	bash scripts/test.sh
lint:
	.venv/bin/ruff check .
