"""Neither the private key, nor the HSM PIN, nor the PKCS#12 passphrase appears in `ansible-playbook -vvv` output of a
run that generates keys, signs on the token and installs certificates."""

import json
import os
import subprocess

from conftest import REPO, SoftHsm  # pylint: disable=import-error

PIN = "s3cret-PIN-4711"  # distinctive, so any leak is found by a plain search
PASSPHRASE = "p12-passphrase-0815"


def test_vvv_output_holds_no_key_and_no_pin(lab_factory, tmp_path):
    lab = lab_factory("pytest-secrets", ["secret-1:plain"], inventory=str(tmp_path / "inventory.yml"))
    hsm_dir = tmp_path / "hsm"
    hsm_dir.mkdir()
    hsm = SoftHsm(str(hsm_dir), pin=PIN)
    env = dict(os.environ, SOFTHSM2_CONF=hsm.config, CERTFLEET_PKCS11_PIN=PIN, ANSIBLE_NOCOLOR="1")
    ca = subprocess.run(["ansible", "localhost", "-m", "certfleet.pki.pkcs11_key", "-a",
                         json.dumps(hsm.args("ca", key_type="ec", curve="secp256r1"))], env=env,
                        capture_output=True, text=True, check=False)
    assert ca.returncode == 0, ca.stdout + ca.stderr
    root = subprocess.run(["ansible", "localhost", "-m", "certfleet.pki.pkcs11_certificate", "-a",
                           json.dumps(hsm.args("ca", profile="root_ca", subject={"CN": "Secrets Root"}))],
                          env=dict(env, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="json"),
                          capture_output=True, text=True, check=False)
    root_pem = json.loads(root.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]["certificate"]
    variables = tmp_path / "vars.json"
    variables.write_text(json.dumps({
        "certfleet_issuers": {"hsm": {"provider": "pkcs11", "pkcs11_module": hsm.module, "token_label": hsm.label,
                                      "key_label": "ca", "pin": PIN, "ca_certificate": root_pem}},
        "certfleet_certificates": [{"name": "web", "issuer": "hsm", "common_name": "secret-1",
                                    "formats": ["pem", "pkcs12"], "pkcs12_passphrase": PASSPHRASE}]}))

    run = subprocess.run(["ansible-playbook", "-vvv", "-i", str(tmp_path / "inventory.yml"),
                          os.path.join(REPO, "playbooks", "site.yml"), "-e", "@%s" % variables],
                         env=env, capture_output=True, text=True, check=False)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    assert "changed=" in output and "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in output  # the PIN was passed, hidden

    key_pem = lab.ssh("secret-1", "cat /etc/certfleet/certs/web/current/key.pem").stdout
    key_body = "".join(line for line in key_pem.splitlines() if "-----" not in line)
    assert key_body and key_body[:40] not in output.replace("\\n", "").replace("\n", "")
    assert "PRIVATE KEY" not in output
    assert PIN not in output
    assert PASSPHRASE not in output
    assert lab.ssh("secret-1", "test -s /etc/certfleet/certs/web/current/cert.p12").returncode == 0
