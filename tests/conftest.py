"""Make this checkout importable as ansible_collections.certfleet.pki, and run modules in-process."""

import contextlib
import io
import json
import os
import subprocess
import sys

import pytest

# Fixtures of the integration helpers (tests/integration is on pythonpath, see pytest.ini).
pytest_plugins = ["lab_fleet", "moto_server", "hsm_ca"]

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
COLLECTIONS = os.path.join(REPO, ".build", "collections")
if not os.path.isdir(os.path.join(COLLECTIONS, "ansible_collections", "certfleet", "pki")):
    raise RuntimeError("run scripts/setup.sh first: it links this checkout into %s" % COLLECTIONS)
sys.path.insert(0, COLLECTIONS)

# pylint: disable=wrong-import-position
from ansible.module_utils import basic  # noqa: E402
from ansible.module_utils.common.text.converters import to_bytes  # noqa: E402


def run_module(module, args, check_mode=False):
    """Run an Ansible module's main() in this process; returns its JSON result."""
    args = dict(args, _ansible_check_mode=check_mode, _ansible_remote_tmp="/tmp", _ansible_keep_remote_files=False)
    basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))  # pylint: disable=protected-access
    basic._ANSIBLE_PROFILE = "legacy"  # pylint: disable=protected-access
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        try:
            module.main()
        except SystemExit:
            pass
    return json.loads(output.getvalue().strip().splitlines()[-1])


@pytest.fixture(scope="session")
def module_runner():
    return run_module


SOFTHSM_LIBRARY = "/usr/lib/softhsm/libsofthsm2.so"


class SoftHsm:
    """A SoftHSM2 token in a temporary directory, for the whole test session."""

    label = "certfleet-test"
    so_pin = "5678"

    def __init__(self, directory, pin="1234"):
        self.pin = pin  # test-only PIN of a throwaway token
        tokens = os.path.join(directory, "tokens")
        os.makedirs(tokens)
        self.config = os.path.join(directory, "softhsm2.conf")
        with open(self.config, "w") as handle:
            handle.write("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n" % tokens)
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", self.label,
                        "--pin", self.pin, "--so-pin", self.so_pin], check=True, capture_output=True,
                       env=dict(os.environ, SOFTHSM2_CONF=self.config))
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
