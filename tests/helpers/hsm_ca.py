"""An HSM-backed CA for role tests: a SoftHSM2 token with a CA key and root certificate, and
the certificate role's variables pointing at it."""

import json
import os
import subprocess

import pytest

from helpers.softhsm import SoftHsm


class HsmCa:
    def __init__(self, directory, pin):
        os.makedirs(os.path.join(directory, "hsm"))
        self.directory = directory
        self.hsm = SoftHsm(os.path.join(directory, "hsm"), pin=pin)
        self.env = dict(os.environ, SOFTHSM2_CONF=self.hsm.config, CERTFLEET_PKCS11_PIN=pin, ANSIBLE_NOCOLOR="1")
        self.module("certfleet.pki.pkcs11_key", key_type="ec", curve="secp256r1")
        self.root_pem = self.module("certfleet.pki.pkcs11_certificate", profile="root_ca",
                                    subject={"CN": "Role Test Root"})["certificate"]

    def module(self, name, **args):
        env = dict(self.env, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="json")
        run = subprocess.run(["ansible", "localhost", "-m", name, "-a", json.dumps(self.hsm.args("ca", **args))],
                             env=env, capture_output=True, text=True, check=False)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
        return json.loads(run.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]

    def role_vars(self, certificates, **issuer_overrides):
        """A vars file for the certificate role; issuer options may be Jinja (per host)."""
        issuer = dict(provider="pkcs11", pkcs11_module=self.hsm.module, token_label=self.hsm.label, key_label="ca",
                      ca_certificate=self.root_pem)
        issuer.update(issuer_overrides)
        path = os.path.join(self.directory, "vars-%d.json" % len(os.listdir(self.directory)))
        with open(path, "w") as handle:
            json.dump({"certfleet_issuers": {"hsm": issuer}, "certfleet_certificates": certificates}, handle)
        return path


@pytest.fixture(scope="module")
def hsm_ca(tmp_path_factory):
    return HsmCa(str(tmp_path_factory.mktemp("hsm-ca")), pin="role-test-pin")
