"""CRLs signed through the signer interface: the fields verifiers and linters check, the
decision to keep or re-sign, and what openssl makes of them."""

import datetime
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_builder import build_certificate
from ansible_collections.certfleet.pki.plugins.module_utils._crl import (
    CrlError,
    build_crl,
    crl_number,
    crl_renewal_reason,
    next_crl_number,
    parse_revoked,
    revoked_of,
    to_pem,
    with_revocation_times,
)
from ansible_collections.certfleet.pki.plugins.module_utils._signers import SoftwareSigner
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import to_pem as certificate_pem
from helpers.software_ca import issue_leaf, software_root

NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
WEEK = datetime.timedelta(days=7)


@pytest.fixture(scope="module", params=["ec384", "rsa2048"])
def ca(request):
    key = ec.generate_private_key(ec.SECP384R1()) if request.param == "ec384" else rsa.generate_private_key(65537, 2048)
    return software_root("CRL Test Root", key=key, validity_days=365)


def leaf(ca, common_name):
    return issue_leaf(ca, common_name, validity_days=30)


def entry(certificate, reason, revoked_at=NOW):
    return {"serial": "%x" % certificate.serial_number, "reason": reason, "revoked_at": revoked_at.isoformat(),
            "not_after": certificate.not_valid_after_utc.isoformat(), "host": "web-1", "name": "client"}


def test_crl_fields(ca):
    signer, ca_certificate = ca
    compromised, superseded = leaf(ca, "a"), leaf(ca, "b")
    revoked = parse_revoked([entry(compromised, "KEY_COMPROMISE"), entry(superseded, "UNSPECIFIED")], NOW)
    crl = build_crl(signer, ca_certificate, revoked, 42, NOW, NOW + WEEK)
    assert crl.is_signature_valid(ca_certificate.public_key())
    assert crl.issuer == ca_certificate.subject
    assert crl_number(crl) == 42
    assert crl.next_update_utc > crl.last_update_utc
    aki = crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    assert aki == ca_certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    assert not crl.extensions.get_extension_for_class(x509.CRLNumber).critical
    by_serial = dict((item.serial_number, item) for item in crl)
    reason = by_serial[compromised.serial_number].extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason == x509.ReasonFlags.key_compromise
    # RFC 5280 5.3.1: the unspecified reason is expressed by leaving the extension out.
    with pytest.raises(x509.ExtensionNotFound):
        by_serial[superseded.serial_number].extensions.get_extension_for_class(x509.CRLReason)
    assert revoked_of(crl) == revoked


def test_openssl_accepts_the_crl_and_rejects_the_revoked_certificate(ca, tmp_path):
    signer, ca_certificate = ca
    revoked_leaf, good_leaf = leaf(ca, "revoked"), leaf(ca, "good")
    crl = build_crl(signer, ca_certificate, parse_revoked([entry(revoked_leaf, "KEY_COMPROMISE")], NOW), 1, NOW,
                    NOW + WEEK)
    files = {"ca.pem": certificate_pem(ca_certificate), "crl.pem": to_pem(crl),
             "revoked.pem": certificate_pem(revoked_leaf), "good.pem": certificate_pem(good_leaf)}
    for file_name, text in files.items():
        (tmp_path / file_name).write_text(text)
    checked = subprocess.run(["openssl", "crl", "-in", "crl.pem", "-CAfile", "ca.pem", "-noout"], cwd=tmp_path,
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0 and "verify OK" in checked.stderr + checked.stdout, checked

    def verify(leaf_file):
        return subprocess.run(["openssl", "verify", "-crl_check", "-CAfile", "ca.pem", "-CRLfile", "crl.pem", leaf_file],
                              cwd=tmp_path, capture_output=True, text=True, check=False)

    rejected, accepted = verify("revoked.pem"), verify("good.pem")
    assert rejected.returncode != 0 and "certificate revoked" in rejected.stdout + rejected.stderr, rejected
    assert accepted.returncode == 0, accepted


def test_tampered_crl_fails_openssl_verification(ca, tmp_path):
    signer, ca_certificate = ca
    other_signer = SoftwareSigner(ec.generate_private_key(ec.SECP256R1()))
    other_root, _clamped = build_certificate(other_signer, "root_ca", ca_certificate.subject, other_signer.public_key,
                                             validity_days=30)
    foreign = build_crl(other_signer, other_root, {}, 1, NOW, NOW + WEEK)
    (tmp_path / "ca.pem").write_text(certificate_pem(ca_certificate))
    (tmp_path / "crl.pem").write_text(to_pem(foreign))
    checked = subprocess.run(["openssl", "crl", "-in", "crl.pem", "-CAfile", "ca.pem", "-noout"], cwd=tmp_path,
                             capture_output=True, text=True, check=False)
    assert "verify OK" not in checked.stdout + checked.stderr
    assert crl_renewal_reason(foreign, ca_certificate, {}, datetime.timedelta(days=2), NOW) \
        == "the current CRL is not signed by this CA"


def test_signer_must_match_the_ca_certificate(ca):
    _signer, ca_certificate = ca
    with pytest.raises(CrlError, match="does not match the CA certificate"):
        build_crl(SoftwareSigner(ec.generate_private_key(ec.SECP256R1())), ca_certificate, {}, 1, NOW, NOW + WEEK)


def test_next_update_must_follow_this_update(ca):
    signer, ca_certificate = ca
    with pytest.raises(CrlError, match="nextUpdate must be after thisUpdate"):
        build_crl(signer, ca_certificate, {}, 1, NOW, NOW)


def test_kept_while_it_fits_and_resigned_when_not(ca):
    signer, ca_certificate = ca
    revoked = parse_revoked([entry(leaf(ca, "a"), "SUPERSEDED")], NOW)
    current = build_crl(signer, ca_certificate, revoked, 7, NOW, NOW + WEEK)
    refresh = datetime.timedelta(days=2)
    assert crl_renewal_reason(current, ca_certificate, revoked, refresh, NOW) is None
    assert crl_renewal_reason(None, ca_certificate, revoked, refresh, NOW) == "no CRL yet"
    more = dict(revoked)
    more.update(parse_revoked([entry(leaf(ca, "b"), "KEY_COMPROMISE")], NOW))
    assert crl_renewal_reason(current, ca_certificate, more, refresh, NOW) == "the revoked certificates changed"
    assert crl_renewal_reason(current, ca_certificate, revoked, refresh, NOW + datetime.timedelta(days=5, hours=1)) \
        == "nextUpdate is within the refresh window (2 days)"


def test_crl_numbers_increase(ca):
    signer, ca_certificate = ca
    ahead = build_crl(signer, ca_certificate, {}, int(NOW.timestamp()) + 1000, NOW, NOW + WEEK)
    assert next_crl_number(ahead, NOW) == int(NOW.timestamp()) + 1001  # a clock behind the last CRL
    assert next_crl_number(None, NOW) == int(NOW.timestamp())
    assert next_crl_number(build_crl(signer, ca_certificate, {}, 5, NOW, NOW + WEEK), NOW) == int(NOW.timestamp())


def test_missing_revocation_times_come_from_the_current_crl(ca):
    signer, ca_certificate = ca
    listed = parse_revoked([{"serial": "0a"}], NOW)
    assert listed == {10: ("UNSPECIFIED", None)}
    current = build_crl(signer, ca_certificate, with_revocation_times(listed, None, NOW), 1, NOW, NOW + WEEK)
    later = NOW + datetime.timedelta(hours=1)
    assert with_revocation_times(listed, current, later) == {10: ("UNSPECIFIED", NOW)}
    assert crl_renewal_reason(current, ca_certificate, with_revocation_times(listed, current, later),
                              datetime.timedelta(days=2), later) is None
    assert with_revocation_times(parse_revoked([{"serial": "0b"}], NOW), current, later) == {11: ("UNSPECIFIED", later)}


def test_expired_certificates_leave_the_crl(ca):
    expired = {"serial": "abc", "reason": "SUPERSEDED", "not_after": (NOW - datetime.timedelta(days=1)).isoformat()}
    assert parse_revoked([expired], NOW) == {}


@pytest.mark.parametrize("bad, message", [
    ({"serial": "xyz"}, r"revoked\[0\]: serial 'xyz' is not a hexadecimal"),
    ({"serial": "ab", "reason": "STOLEN"}, r"revoked\[0\]: reason 'STOLEN' is not one of"),
    ({"serial": "ab", "revoked_at": "yesterday"}, r"revoked\[0\].revoked_at 'yesterday' is not an ISO 8601 time"),
    ("ab", r"revoked\[0\] must be a dict"),
])
def test_bad_revoked_entries_are_named(bad, message):
    with pytest.raises(CrlError, match=message):
        parse_revoked([bad], NOW)


# Issue 29, defect 2: every reason the ledger accepts signs into a CRL with its RFC 5280
# reason code (CERTIFICATE_AUTHORITY_COMPROMISE and A_A_COMPROMISE used to stop CRL signing
# for good), and reads back as the ledger's name.
RFC5280_REASON_CODES = {"KEY_COMPROMISE": x509.ReasonFlags.key_compromise,
                        "CERTIFICATE_AUTHORITY_COMPROMISE": x509.ReasonFlags.ca_compromise,
                        "AFFILIATION_CHANGED": x509.ReasonFlags.affiliation_changed,
                        "SUPERSEDED": x509.ReasonFlags.superseded,
                        "CESSATION_OF_OPERATION": x509.ReasonFlags.cessation_of_operation,
                        "PRIVILEGE_WITHDRAWN": x509.ReasonFlags.privilege_withdrawn,
                        "A_A_COMPROMISE": x509.ReasonFlags.aa_compromise}


def test_every_reason_the_ledger_accepts_signs_with_its_reason_code(ca):
    from ansible_collections.certfleet.pki.plugins.module_utils._crl import REVOCATION_REASONS
    signer, ca_certificate = ca
    leaves = dict((reason, leaf(ca, reason.lower())) for reason in REVOCATION_REASONS)
    revoked = parse_revoked([entry(certificate, reason) for reason, certificate in leaves.items()], NOW)
    crl = build_crl(signer, ca_certificate, revoked, 7, NOW, NOW + WEEK)
    by_serial = dict((item.serial_number, item) for item in crl)
    for reason, certificate in leaves.items():
        extensions = by_serial[certificate.serial_number].extensions
        if reason == "UNSPECIFIED":
            assert not any(isinstance(e.value, x509.CRLReason) for e in extensions)
        else:
            assert extensions.get_extension_for_class(x509.CRLReason).value.reason == RFC5280_REASON_CODES[reason]
    assert revoked_of(crl) == revoked
