"""A throwaway SoftHSM2 token: the one place tests and benchmarks make one."""

import os
import subprocess

import pytest

SOFTHSM_LIBRARY = "/usr/lib/softhsm/libsofthsm2.so"


class SoftHsm:
    """A SoftHSM2 token in ``directory`` (its own softhsm2.conf and token store)."""

    def __init__(self, directory, pin="1234", label="certfleet-test", so_pin="5678"):
        self.pin = pin  # test-only PIN of a throwaway token
        self.label = label
        tokens = os.path.join(directory, "tokens")
        os.makedirs(tokens)
        self.config = os.path.join(directory, "softhsm2.conf")
        with open(self.config, "w") as handle:
            handle.write("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n" % tokens)
        self.env = dict(os.environ, SOFTHSM2_CONF=self.config)
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", so_pin],
                       check=True, capture_output=True, env=self.env)
        self.module = SOFTHSM_LIBRARY

    def args(self, key_label, **extra):
        return dict(pkcs11_module=self.module, token_label=self.label, pin=self.pin, key_label=key_label, **extra)


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory):
    if not os.path.exists(SOFTHSM_LIBRARY):
        pytest.fail("SoftHSM2 is not installed (%s); run scripts/setup.sh" % SOFTHSM_LIBRARY)
    previous = os.environ.get("SOFTHSM2_CONF")
    token = SoftHsm(str(tmp_path_factory.mktemp("softhsm")))
    # In-process modules load the library once per process: point it at this token.
    os.environ["SOFTHSM2_CONF"] = token.config
    yield token
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous
