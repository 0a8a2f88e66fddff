"""HSM logins, counted by OpenSC's pkcs11-spy between the module and SoftHSM2:
one per issuing run, none when the current certificate still fits."""

import importlib.util
import os

import pytest

BENCH = os.path.join(os.path.dirname(__file__), "..", "..", "..", "tools", "bench", "pkcs11_issuance.py")
spec = importlib.util.spec_from_file_location("pkcs11_issuance", BENCH)
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


@pytest.fixture(scope="module")
def spied(tmp_path_factory):
    if not os.path.exists(bench.SPY):
        pytest.fail("pkcs11-spy is not installed (%s); run scripts/setup.sh" % bench.SPY)
    return bench.SpiedToken(str(tmp_path_factory.mktemp("spied")))


def test_one_login_per_issuance_and_none_when_nothing_is_due(spied):
    ca_path = bench.make_ca(spied, "login-ca", dict(key_type="ec", curve="secp256r1"))
    csr_path = os.path.join(spied.directory, "login.csr")
    bench.write_csr(csr_path)
    issue_times, issue_logins, noop_times, noop_logins = bench.measure(spied, "login-ca", ca_path, csr_path, runs=2)
    assert issue_logins == [1, 1]
    assert noop_logins == [0, 0]
    assert len(issue_times) == len(noop_times) == 2
