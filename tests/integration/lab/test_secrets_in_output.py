"""Neither the private key, nor the HSM PIN, nor the PKCS#12 passphrase appears in
`ansible-playbook -vvv` output of a run that generates keys, signs on the token and
installs certificates."""

import os
import subprocess

from helpers.paths import REPO

PASSPHRASE = "p12-passphrase-0815"  # distinctive, so any leak is found by a plain search


def test_vvv_output_holds_no_key_no_pin_no_passphrase(lab_factory, hsm_ca, tmp_path):
    lab = lab_factory("pytest-secrets", ["secret-1:plain"], inventory=str(tmp_path / "inventory.yml"))
    pin = hsm_ca.hsm.pin
    variables = hsm_ca.role_vars([{"name": "web", "issuer": "hsm", "common_name": "secret-1",
                                   "formats": ["pem", "pkcs12"], "pkcs12_passphrase": PASSPHRASE}], pin=pin)

    run = subprocess.run(["ansible-playbook", "-vvv", "-i", str(tmp_path / "inventory.yml"),
                          os.path.join(REPO, "playbooks", "site.yml"), "-e", "@%s" % variables],
                         env=hsm_ca.env, capture_output=True, text=True, check=False)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    assert "changed=" in output and "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in output  # passed, and hidden

    key_pem = lab.ssh("secret-1", "cat /etc/certfleet/certs/web/current/key.pem").stdout
    key_body = "".join(line for line in key_pem.splitlines() if "-----" not in line)
    assert key_body and key_body[:40] not in output.replace("\\n", "").replace("\n", "")
    assert "PRIVATE KEY" not in output
    assert pin not in output
    assert PASSPHRASE not in output
    assert lab.ssh("secret-1", "test -s /etc/certfleet/certs/web/current/cert.p12", check=False).returncode == 0
