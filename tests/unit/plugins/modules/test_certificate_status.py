"""certificate_status over certificates installed by certificate_deploy in a temporary directory."""

import datetime
import os
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_builder import build_certificate
from ansible_collections.certfleet.pki.plugins.module_utils._delivery import encrypted_key
from ansible_collections.certfleet.pki.plugins.module_utils._renewal import renewal_jitter
from ansible_collections.certfleet.pki.plugins.module_utils._signers import SoftwareSigner
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import to_pem
from ansible_collections.certfleet.pki.plugins.modules import certificate_deploy, certificate_status

from helpers.keys import write_key

CA_KEY = ec.generate_private_key(ec.SECP256R1())
CA = build_certificate(SoftwareSigner(CA_KEY), "root_ca", x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CA")]),
                       CA_KEY.public_key())[0]
SANS = ["DNS:web-1", "IP:127.0.1.1"]


def make(key, days=90, sans=("web-1",), signer_key=CA_KEY, issuer=CA, now=None, profile="server"):
    names = [x509.DNSName(s) for s in sans] + [x509.IPAddress(__import__("ipaddress").ip_address("127.0.1.1"))]
    return to_pem(build_certificate(SoftwareSigner(signer_key), profile,
                                    x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "web-1")]),
                                    key.public_key(), issuer, names, validity_days=days, now=now)[0])


@pytest.fixture
def host(tmp_path, module_runner):
    def install(name, certificate, key):
        result = module_runner(certificate_deploy, dict(path=str(tmp_path / name), certificate=certificate,
                                                        key_src=write_key(tmp_path, name + ".key", key)))
        assert result["changed"], result

    def status(*declared, jitter=0.2, host_name="web-1"):
        return module_runner(certificate_status, dict(base_path=str(tmp_path), host=host_name, jitter=jitter,
                                                      certificates=list(declared)))
    return dict(install=install, status=status)


def declared(name="web", **change):
    return dict(dict(name=name, common_name="web-1", subject_alt_names=SANS, key={"type": "ec", "curve": "secp256r1"},
                     renew_before="30d", ca_certificate=to_pem(CA)), **change)


def test_fitting_certificate_is_not_due(host):
    key = ec.generate_private_key(ec.SECP256R1())
    host["install"]("web", make(key), key)
    result = host["status"](declared())
    entry = result["certificates"][0]
    assert result["changed"] is False and result["due"] == []
    assert entry["present"] and entry["needs_renewal"] is False and entry["reasons"] == []
    assert 0.99 < entry["lifetime_left"] <= 1
    assert entry["issuer"] == "CN=CA"  # as the installed certificate names it


def test_all_certificates_in_one_call_with_reasons(host):
    ec_key = ec.generate_private_key(ec.SECP256R1())
    host["install"]("web", make(ec_key), ec_key)
    host["install"]("api", make(ec_key), ec_key)
    other_ca_key = ec.generate_private_key(ec.SECP256R1())
    other_ca = build_certificate(SoftwareSigner(other_ca_key), "root_ca",
                                 x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Other")]), other_ca_key.public_key())[0]
    host["install"]("old", make(ec_key, signer_key=other_ca_key, issuer=other_ca), ec_key)
    host["install"]("forced", make(ec_key), ec_key)
    result = host["status"](
        declared("web", subject_alt_names=SANS + ["DNS:www.example.internal"]),
        declared("api", key={"type": "rsa", "size": 3072}),
        declared("old"),
        declared("missing"),
        declared("forced", force=True))
    reasons = dict((entry["name"], entry["reasons"]) for entry in result["certificates"])
    assert reasons["web"] == ["subject alternative names changed"]
    assert reasons["api"] == ["key type changed (EC secp256r1 installed, RSA 3072 declared)"]
    assert reasons["old"] == ["issued by another CA"]
    assert reasons["missing"] == ["no certificate installed"]
    assert reasons["forced"] == ["forced"]
    assert result["due"] == ["web", "api", "old", "missing", "forced"]


def test_due_inside_the_window(host):
    key = ec.generate_private_key(ec.SECP256R1())
    host["install"]("web", make(key, days=20), key)
    entry = host["status"](declared(renew_before="30d"))["certificates"][0]
    assert entry["needs_renewal"] and entry["reasons"][0].startswith("due for renewal since")


def test_rsa_key_declaration_matches(host):
    key = rsa.generate_private_key(65537, 2048)
    host["install"]("web", make(key), key)
    assert host["status"](declared(key={"type": "rsa", "size": 2048}))["due"] == []


def test_jitter_is_deterministic_bounded_and_spread():
    lifetime = datetime.timedelta(days=90)
    offsets = [renewal_jitter("30d", lifetime, 0.2, "web-%d/web" % index) for index in range(50)]
    assert offsets == [renewal_jitter("30d", lifetime, 0.2, "web-%d/web" % index) for index in range(50)]
    assert all(datetime.timedelta(0) <= offset < datetime.timedelta(days=6) for offset in offsets)
    assert len(set(offsets)) == 50 and max(offsets) - min(offsets) > datetime.timedelta(days=4)
    assert renewal_jitter("30d", lifetime, 0.0, "web-1/web") == datetime.timedelta(0)


def test_jitter_moves_renewal_earlier_per_host(host):
    key = ec.generate_private_key(ec.SECP256R1())
    host["install"]("web", make(key), key)
    renew_at = set(host["status"](declared(), host_name="web-%d" % index)["certificates"][0]["renew_at"] for index in range(5))
    unjittered = host["status"](declared(), jitter=0.0)["certificates"][0]["renew_at"]
    assert len(renew_at) == 5 and all(moment < unjittered for moment in renew_at)


def test_a_certificate_at_its_own_path_and_its_stale_staged_keys(tmp_path, module_runner):
    key = ec.generate_private_key(ec.SECP256R1())
    elsewhere = tmp_path / "elsewhere" / "web"
    module_runner(certificate_deploy, dict(path=str(elsewhere), certificate=make(key), key_src=write_key(tmp_path, "k", key)))
    staging = tmp_path / "staging" / "web"
    staging.mkdir(parents=True)
    stale, running = staging / "killed.key.pem", staging / "running.key.pem"
    stale.write_text("left by a killed run")
    running.write_text("a run going on now")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    args = dict(host="web-1", staging_max_age=3600,
                certificates=[declared(path=str(elsewhere), staging_dir=str(staging))])
    checked = module_runner(certificate_status, args, check_mode=True)
    assert checked["due"] == [] and checked["removed_staged_keys"] == [str(stale)] and stale.exists()
    result = module_runner(certificate_status, args)
    assert result["changed"] and result["removed_staged_keys"] == [str(stale)]
    assert not stale.exists() and running.exists()


def test_an_rsa_key_declared_without_size_is_refused_by_name(host):
    result = host["status"](declared(key={"type": "rsa"}))
    assert result["failed"] and "an RSA key needs a size (2048, 3072, 4096)" in result["msg"]


def test_a_certificate_its_source_decides_is_reported_and_never_due(host, tmp_path, module_runner):
    key = ec.generate_private_key(ec.SECP256R1())
    nearly_expired = make(key, days=2)
    module_runner(certificate_deploy, dict(path=str(tmp_path / "api"), certificate=nearly_expired,
                                           key_encrypted=encrypted_key(key, "p" * 20), key_passphrase="p" * 20,
                                           origin="version-7"))
    result = host["status"](declared("api", source_decides=True), declared("missing", source_decides=True))
    api, missing = result["certificates"]
    assert result["due"] == [] and api["needs_renewal"] is False and missing["needs_renewal"] is False
    assert api["origin"] == "version-7" and api["present"] and api["serial"]
    assert missing["present"] is False and missing["origin"] is None
    assert host["status"](declared("api"))["due"] == ["api"], "the same certificate is due when the role decides"


# Issue 29, defect 6: the declaration's profile (key usages, extended key usages) and validity
# are judged too: a certificate issued for server_client stays clientAuth-capable for its whole
# life unless a changed declaration makes it due.
@pytest.mark.parametrize("installed, change, reason", [
    (dict(profile="server_client"), dict(profile="server"), "profile changed"),
    (dict(profile="server"), dict(profile="client"), "profile changed"),
    (dict(days=90), dict(validity_days=30), "validity changed (90 days installed, at most 30 declared)"),
    (dict(profile="server", days=30), dict(profile="server", validity_days=30), None),
    (dict(days=30), dict(validity_days=90), None),  # shorter than declared (clamped to its CA): kept
    (dict(profile="server_client"), dict(), None),  # not declared: not compared (an ACM PCA template decides)
])
def test_a_changed_profile_or_validity_makes_the_certificate_due(host, installed, change, reason):
    key = ec.generate_private_key(ec.SECP256R1())
    host["install"]("web", make(key, **installed), key)
    entry = host["status"](declared(renew_before="33%", **change))["certificates"][0]
    assert entry["reasons"] == ([reason] if reason else []), entry


def test_a_forced_certificate_returns_every_certificate_of_its_key(host):
    """Issue 29, defect 4: revoking a replaced key revokes every certificate of it that the
    store knows; a reused key renews into several versions."""
    key, other_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    first, other, current = make(key), make(other_key), make(key)
    for certificate, certificate_key in ((first, key), (other, other_key), (current, key)):
        host["install"]("web", certificate, certificate_key)
        time.sleep(0.01)  # version names sort by time
    (entry,) = host["status"](declared(force=True))["certificates"]
    assert entry["certificates_of_key"] == [current, first]
    (kept,) = host["status"](declared())["certificates"]
    assert "certificates_of_key" not in kept
