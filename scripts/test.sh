#!/usr/bin/env bash
# The test suite: `scripts/test.sh [unit|integration|lint|sanity|build|molecule ...]` (default: all).
# Every stage must pass; pytest's "no tests collected" (exit 5) is a failure too.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "$0")/env.sh"
cd "$repo"

run_pytest() {
    # The slowest tests, every run: where the suite's time goes (docs/performance.md).
    python -m pytest -p no:cacheprovider --durations=15 "$@"
}

stage_unit() {
    run_pytest tests/unit
}

stage_integration() {
    # Two workers, a test file each at a time: a file's labs, moto servers, tokens and
    # directories are its own, and lab.py hands out addresses under a lock. On 2 cores this
    # nearly halves the stage (docs/performance.md).
    run_pytest -n 2 --dist loadfile tests/integration
}

prepare_ansible_test_offline() {
    # ansible-test downloads a pip bootstrap script from a host we cannot reach; give it
    # our stand-in under the name of its cache (see tools/ansible_test_get_pip.py).
    local pip_version
    pip_version=$(python - <<'PY'
import re, ansible_test._internal.python_requirements as requirements
print(re.search(r"pip='([0-9.]+)'", open(requirements.__file__).read()).group(1))
PY
)
    mkdir -p ~/.ansible/test/cache
    cp tools/ansible_test_get_pip.py ~/.ansible/test/cache/"get_pip_${pip_version//./_}.py"
}

stage_sanity() {
    prepare_ansible_test_offline
    # ansible-test wants the collection at ansible_collections/<ns>/<name>; copy, not link,
    # so it sees exactly the files that would be built.
    local tree
    tree=$(mktemp -d /tmp/certfleet-sanity.XXXXXX)
    trap 'rm -rf "$tree"' RETURN
    mkdir -p "$tree/ansible_collections/certfleet"
    # Collections we import from must sit in the same tree: link the ones the ansible
    # package installed.
    local bundled
    bundled=$(python -c 'import ansible, os; print(os.path.join(os.path.dirname(os.path.dirname(ansible.__file__)), "ansible_collections"))')
    ln -s "$bundled/amazon" "$tree/ansible_collections/amazon"
    rsync -a --exclude .venv --exclude .venv-scanner --exclude .build --exclude .git --exclude tests/output \
        ./ "$tree/ansible_collections/certfleet/pki/"
    (cd "$tree/ansible_collections/certfleet/pki" &&
        ansible-test sanity --python 3.11 --color no)
}

stage_lint() {
    ansible-lint
    antsibull-changelog lint
}

stage_build() {
    local out
    out=$(mktemp -d /tmp/certfleet-build.XXXXXX)
    trap 'rm -rf "$out"' RETURN
    ansible-galaxy collection build --output-path "$out" .
    # The artifact holds the modules and leaves the lab and developer tooling out.
    tar -tzf "$out"/certfleet-pki-*.tar.gz > "$out/contents"
    local wanted
    for wanted in plugins/modules/pkcs11_certificate.py plugins/modules/served_certificate.py \
        roles/safe_reload/tasks/main.yml meta/execution-environment.yml extras/ssm/certfleet-rotate.json; do
        grep -qx "$wanted" "$out/contents" || { echo "build: $wanted is missing from the artifact" >&2; return 1; }
    done
    if grep -q '^tools/' "$out/contents"; then
        echo "build: tools/ must not be in the collection artifact" >&2
        return 1
    fi
}

stage_molecule() {
    molecule test --all
}

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(unit integration lint sanity build molecule)
timings=()
for stage in "${stages[@]}"; do
    echo "=== test stage: $stage"
    started=$SECONDS
    "stage_$stage"
    timings+=("$stage $((SECONDS - started))s")
done
echo "=== all test stages passed: ${stages[*]}"
joined=$(IFS=,; echo "${timings[*]}")
echo "=== stage times: ${joined//,/, }"
