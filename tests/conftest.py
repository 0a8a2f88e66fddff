"""Make this checkout importable as ansible_collections.certfleet.pki and register the shared
fixtures of tests/helpers (tests/ is on pythonpath, see pytest.ini)."""

from helpers.paths import use_checkout

use_checkout()

pytest_plugins = ["helpers.modules", "helpers.softhsm", "helpers.acmpca", "helpers.lab_fleet", "helpers.moto_server",
                  "helpers.hsm_ca", "helpers.tls_server"]
