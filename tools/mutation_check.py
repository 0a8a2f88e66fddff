"""Mutation check: break each promise the test suite must guard, run the tests that guard it,
and report whether they turned red (docs/testing.md has the last report).

    source scripts/env.sh && python tools/mutation_check.py             # every mutation
    source scripts/env.sh && python tools/mutation_check.py csr-names   # some of them

Each mutation replaces one piece of code in this checkout, runs its guards (pytest paths or
molecule), and puts the file back, also when interrupted. A mutation that no guard notices
is a hole in the suite: the script exits 1 and names it. It refuses to start when a file it
would mutate has uncommitted changes, and when the text to replace is gone (the mutation
is stale: update it with the code)."""

import argparse
import os
import re
import subprocess
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def pytest(*paths):
    return ["pytest", "-p", "no:cacheprovider", "-q", "-x", *paths]


UNIT = pytest("tests/unit")
MOLECULE = ["molecule", "test"]

# name: (promise, file, code as it is, code broken, guards: commands, cheapest first)
MUTATIONS = {
    "csr-names": (
        "a CSR naming another name than the declaration is refused, for every issuer",
        "plugins/module_utils/_issuance_policy.py",
        "    if common_name is not None and _common_names(csr.subject) != [common_name]:",
        "    if False:",
        [UNIT, pytest("tests/integration/contract")]),
    "csr-extra-san": (
        "a CSR asking for a SAN the declaration does not name is refused",
        "plugins/module_utils/_issuance_policy.py",
        "    extra = sorted(asked[key] for key in asked if key not in declared)",
        "    extra = []",
        [UNIT, pytest("tests/integration/contract")]),
    "served-check": (
        "after a reload, the served certificate must be the deployed one",
        "plugins/modules/served_certificate.py",
        '    if not probe["serving"] and params["fail_on_mismatch"]:',
        "    if False:",
        [UNIT, MOLECULE]),
    "rollback": (
        "a failed reload or served check rolls the certificate back",
        "roles/safe_reload/tasks/main.yml",
        "      loop: \"{{ __certfleet_reload_pending_certificate_dirs }}\"\n      register: __certfleet_reload_rollback",
        "      loop: []\n      register: __certfleet_reload_rollback",
        [MOLECULE]),
    "mozilla-groups": (
        "TLS sites offer the Mozilla key-exchange groups only (X25519, P-256, P-384)",
        "plugins/filter/tls_profile.py",
        '_CURVES = ["X25519", "prime256v1", "secp384r1"]',
        '_CURVES = ["X25519", "prime256v1", "secp384r1", "secp521r1", "X448"]',
        [UNIT, pytest("tests/integration/lab/test_tls_scanner.py")]),
    "key-mode": (
        "a private key is written 0600",
        "plugins/module_utils/_store.py",
        "            write_file(temporary, content, 0o600)",
        "            write_file(temporary, content, 0o644)",
        [UNIT, MOLECULE]),
    "key-returned": (
        "a private key never leaves its host (never in a module result)",
        "plugins/modules/certificate_requests.py",
        '            entry["csr"] = signing_request(request, key_for(request))',
        '            key = key_for(request)\n            entry["csr"] = signing_request(request, key)\n'
        '            entry["key"] = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,\n'
        '                                             serialization.NoEncryption()).decode()',
        [UNIT, pytest("tests/integration/lab/test_secrets_in_output.py")]),
    "always-due": (
        "a second run changes nothing: a certificate that is not due is not renewed",
        "plugins/module_utils/_renewal.py",
        "    if due <= now:",
        "    if True:",
        [UNIT, MOLECULE]),
    "config-rewritten": (
        "a second run changes nothing: an unchanged server configuration is not rewritten",
        "plugins/module_utils/_tls_server_config.py",
        '    entry = dict(path=path, changed=before != content, backup_file=None)',
        '    entry = dict(path=path, changed=True, backup_file=None)',
        [UNIT, pytest("tests/integration/lab/test_web_tls.py"), MOLECULE]),
    "observation-ignored": (
        "a run with nothing due runs one module per host: the roles act on the host's observation",
        "roles/web_tls/tasks/main.yml",
        "  when: __certfleet_server.server not in __certfleet_web_observed | rejectattr('reload_needed') | map(attribute='server') | list",
        "  when: true",
        [UNIT, pytest("tests/integration/lab/test_web_tls.py")]),
    "observation-outlives-its-play": (
        "a later play that does not observe never reads an earlier play's observation",
        "playbooks/tasks/observation_end.yml",
        "    __certfleet_observation: {}",
        "    __certfleet_observation_ended: true",
        [UNIT, pytest("tests/integration/roles/test_observation.py")]),
}


def uncommitted(path):
    status = subprocess.run(["git", "status", "--porcelain", "--", path], cwd=REPO, capture_output=True, text=True,
                            check=True).stdout
    return bool(status.strip())


def what_failed(command, output):
    """The first failing test (pytest) or step and task (molecule) in ``output``, else the command."""
    failed = re.search(r"^FAILED ([^\s\[]+)", output, re.M)  # file::test, without its parameters
    if failed:
        return failed.group(1)
    step = re.search(r"\[default > (\w+)\] Executed: Failed", output)
    task = re.findall(r"^TASK \[(.+?)\] \*+\n(?:(?!TASK \[).*\n)*?(?:fatal|failed): ", output, re.M)
    if task:
        return "%s: %s" % ("molecule " + step.group(1) if step else " ".join(command), task[0])
    return " ".join(command)


def first_red_guard(guards):
    """(what turned red, seconds it ran) of the first guard that fails, else (None, seconds)."""
    started = time.monotonic()
    for command in guards:
        run = subprocess.run(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
        if run.returncode != 0:
            return what_failed(command, run.stdout), time.monotonic() - started
    return None, time.monotonic() - started


def check(name):
    promise, relative, original, broken, guards = MUTATIONS[name]
    path = os.path.join(REPO, relative)
    with open(path) as handle:
        code = handle.read()
    try:
        with open(path, "w") as handle:
            handle.write(code.replace(original, broken, 1))
        return first_red_guard(guards)
    finally:
        with open(path, "w") as handle:
            handle.write(code)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="mutations to run (default: all): %s" % ", ".join(MUTATIONS))
    names = parser.parse_args(argv).names or list(MUTATIONS)
    for name in names:
        if name not in MUTATIONS:
            parser.error("unknown mutation %r (choose from %s)" % (name, ", ".join(MUTATIONS)))
        relative, original = MUTATIONS[name][1], MUTATIONS[name][2]
        if uncommitted(relative):
            parser.error("%s has uncommitted changes: commit or stash them first" % relative)
        with open(os.path.join(REPO, relative)) as handle:
            if handle.read().count(original) != 1:
                parser.error("%s: the code it breaks is no longer in %s exactly once: update the mutation" % (name, relative))
    survivors = []
    print("| mutation | promise | turned red | seconds |\n| --- | --- | --- | --- |")
    for name in names:
        red, seconds = check(name)
        print("| %s | %s | %s | %.0f |" % (name, MUTATIONS[name][0], "`%s`" % red if red else "**nothing: survived**", seconds))
        sys.stdout.flush()
        if red is None:
            survivors.append(name)
    if survivors:
        print("survived (holes in the suite): %s" % ", ".join(survivors))
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
