# The two commands of the README, plus their parts. Each target does its own set-up.
.PHONY: setup demo demo-down test unit integration lint sanity build molecule

setup:
	scripts/setup.sh

# Main job: a lab fleet with a SoftHSM-backed CA, certificates issued and served.
demo: setup
	scripts/demo.sh

demo-down:
	python3 tools/lab/lab.py down --name demo

# Everything CI runs: unit + integration pytest, ansible-test sanity, molecule scenarios.
test: setup
	scripts/test.sh

unit: setup
	scripts/test.sh unit

integration: setup
	scripts/test.sh integration

lint: setup
	scripts/test.sh lint

sanity: setup
	scripts/test.sh sanity

build: setup
	scripts/test.sh build

molecule: setup
	scripts/test.sh molecule
