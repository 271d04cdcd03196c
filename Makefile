.PHONY: run test lint requirements messages

run:  ## Start K-0 with demo data at http://127.0.0.1:8000/
	bin/run

test:  ## Run the whole test suite
	bin/test

lint:
	bin/setup dev
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

requirements:  ## Re-pin requirements/*.txt from the .in files
	cd requirements && for f in base dev prod; do \
	  ../.venv/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links $$f.in -o $$f.txt; done

messages:  ## Refresh the fi and sv catalogues from the source
	DEBUG=true .venv/bin/python manage.py makemessages -l fi -l sv --ignore=.venv --ignore=node_modules --ignore=var --no-location
