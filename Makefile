# The two commands of the README, plus their parts. Each target does its own set-up.
.PHONY: setup demo demo-rebuild demo-down test check unit integration lint sanity build molecule ee ssm-json

setup:
	scripts/setup.sh

# Main job: a lab fleet with a SoftHSM-backed CA, certificates issued and served. A second
# `make demo` converges the running fleet (changed=0); demo-rebuild starts from a fresh lab.
# Each checkout has its own demo lab.
demo: setup
	scripts/demo.sh up

demo-rebuild: setup
	scripts/demo.sh rebuild

demo-down:
	scripts/demo.sh down

# Everything CI runs: unit + integration pytest, ansible-test sanity, molecule scenarios.
test: setup
	scripts/test.sh

# The edit loop: every stage without hosts (unit, lint, sanity, build), a few minutes.
check: setup
	scripts/test.sh unit lint sanity build

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

# Build context of the execution environment in .build/ee (`ansible-builder build` needs podman).
ee: setup
	scripts/ee.sh

# The JSON form of the SSM document, from its YAML source.
ssm-json: setup
	.venv/bin/python -c 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout, indent=2); print()' \
		< extras/ssm/certfleet-rotate.yaml > extras/ssm/certfleet-rotate.json
