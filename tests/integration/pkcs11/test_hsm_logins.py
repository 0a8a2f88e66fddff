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


def test_a_batch_of_requests_is_signed_with_one_login_and_a_refused_one_fails_alone(spied, tmp_path):
    ca_path = bench.make_ca(spied, "batch-ca", dict(key_type="ec", curve="secp256r1"))
    csr_path = str(tmp_path / "batch.csr")
    bench.write_csr(csr_path)  # asks for bench.example.internal
    names = dict(common_name="bench.example.internal", subject_alt_names=["DNS:bench.example.internal"])
    with open(csr_path) as handle:
        csr = handle.read()  # a batch's CSRs are PEM content, never paths
    requests = [dict(names, csr=csr, requester="host-%d/web" % index) for index in range(5)]
    requests.append(dict(csr=csr, requester="tampered/web", common_name="other.example.internal",
                         subject_alt_names=["DNS:other.example.internal"]))
    result, _seconds, logins = spied.run("certfleet.pki.pkcs11_certificate", key_label="batch-ca",
                                         ca_certificate=ca_path, requests=requests)
    assert logins == 1, "one login for the whole batch"
    signed, refused = result["certificates"][:5], result["certificates"][5]
    assert [entry["requester"] for entry in signed] == ["host-%d/web" % index for index in range(5)]
    assert all(entry["changed"] and entry["certificate"] and not entry.get("failed") for entry in signed)
    assert len(set(entry["serial"] for entry in signed)) == 5
    assert refused["failed"] and refused["msg"].startswith("tampered/web: ") and "certificate" not in refused
    assert result["changed"] is True and not result.get("failed")
    # Nothing due in the batch: no session at all.
    kept = [dict(request, current_certificate=entry["certificate"]) for request, entry in zip(requests, signed)]
    again, _seconds, logins = spied.run("certfleet.pki.pkcs11_certificate", key_label="batch-ca",
                                        ca_certificate=ca_path, requests=kept)
    assert logins == 0 and again["changed"] is False
    assert [entry["serial"] for entry in again["certificates"]] == [entry["serial"] for entry in signed]


def test_the_issuer_check_reads_the_public_key_without_a_login_and_still_catches_a_foreign_certificate(spied, tmp_path):
    ca_path = bench.make_ca(spied, "check-ca", dict(key_type="ec", curve="secp256r1"))
    other_path = bench.make_ca(spied, "other-ca", dict(key_type="ec", curve="secp256r1"))
    checked, _seconds, logins = spied.run("certfleet.pki.pkcs11_ca_info", key_label="check-ca", ca_certificate=ca_path,
                                          login="when_needed")
    assert logins == 0 and checked["found"] and checked["ca_certificate_matches"] and not checked["logged_in"]
    foreign, _seconds, logins = spied.run("certfleet.pki.pkcs11_ca_info", key_label="check-ca",
                                          ca_certificate=other_path, login="when_needed")
    assert logins == 0 and foreign["found"] and foreign["ca_certificate_matches"] is False
    missing, _seconds, logins = spied.run("certfleet.pki.pkcs11_ca_info", key_label="no-such-key", login="when_needed")
    assert logins == 1 and missing["found"] is False and missing["logged_in"], "not shown without login: looked for with one"
    proven, _seconds, logins = spied.run("certfleet.pki.pkcs11_ca_info", key_label="check-ca", ca_certificate=ca_path)
    assert logins == 1 and proven["logged_in"] and proven["ca_certificate_matches"]


def test_a_crl_is_signed_with_one_login_and_kept_without_one(spied, tmp_path):
    ca_path = bench.make_ca(spied, "crl-ca", dict(key_type="ec", curve="secp384r1"))
    revoked = [dict(serial="1f2e3d", reason="KEY_COMPROMISE", host="web-1", name="client")]
    signed, _seconds, logins = spied.run("certfleet.pki.pkcs11_crl", key_label="crl-ca", ca_certificate=ca_path,
                                         revoked=revoked)
    assert signed["changed"] is True and logins == 1, signed
    kept, _seconds, logins = spied.run("certfleet.pki.pkcs11_crl", key_label="crl-ca", ca_certificate=ca_path,
                                       revoked=revoked, current_crl=signed["crl"])
    assert kept["changed"] is False and kept["crl"] == signed["crl"] and logins == 0, kept
