"""A declaration of the wrong type fails with the structure shown, never a secret field's value,
at any verbosity (issue 29, defect 9): the real site.yml at -vvv against local hosts."""

import os

from helpers.lying_host import LyingFleet
from helpers.paths import REPO

SECRETS = ("pin-never-shown", "passphrase-never-shown", "credential-never-shown")


def test_a_malformed_declaration_names_its_problem_without_its_secrets(tmp_path):
    issuer = {"provider": "pkcs11", "pkcs11_module": "/usr/lib/softhsm/libsofthsm2.so", "token_label": "t",
              "key_label": "k", "ca_certificate": "PEM", "pin": SECRETS[0],
              "environment": {"AWS_SECRET_ACCESS_KEY": SECRETS[2]}}
    declarations = {
        "certfleet_issuers": [issuer],  # a list where a map of issuers belongs: a merge gone wrong
        "certfleet_certificates": [{"name": "web", "issuer": "hsm", "common_name": "{{ inventory_hostname }}",
                                    "formats": ["pem", "pkcs12"], "pkcs12_passphrase": SECRETS[1]}]}
    fleet = LyingFleet(tmp_path, declarations, honest=(), liar="web-1")  # it tells no lie here: one host
    run = fleet.playbook(os.path.join(REPO, "playbooks", "site.yml"), "-vvv")
    output = run.stdout + run.stderr
    assert run.returncode != 0 and "certfleet_issuers must be a dict of issuer name -> options" in output
    assert [secret for secret in SECRETS if secret in output] == []
