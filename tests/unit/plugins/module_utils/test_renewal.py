import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_builder import build_certificate
from ansible_collections.certfleet.pki.plugins.module_utils._renewal import (
    RenewBeforeError,
    parse_renew_before,
    renewal_point,
    renewal_reason,
)
from ansible_collections.certfleet.pki.plugins.module_utils._signers import SoftwareSigner

NOW = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=datetime.timezone.utc)
SANS = [x509.DNSName("web.example.internal")]


def name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@pytest.fixture(scope="module")
def ca():
    key = ec.generate_private_key(ec.SECP256R1())
    certificate, _clamped = build_certificate(SoftwareSigner(key), "root_ca", name("Unit Root"), key.public_key(),
                                              validity_days=3650, now=NOW)
    return SoftwareSigner(key), certificate


@pytest.fixture(scope="module")
def leaf(ca):
    signer, ca_certificate = ca
    key = ec.generate_private_key(ec.SECP256R1())
    certificate, _clamped = build_certificate(signer, "server", name("web"), key.public_key(), ca_certificate,
                                              SANS, validity_days=90, now=NOW)
    return key, certificate


def wanted(ca, leaf, **change):
    base = dict(ca_certificate=ca[1], public_key=leaf[0].public_key(), subject=name("web"),
                subject_alt_names=SANS, profile="server")
    base.update(change)
    return base


@pytest.mark.parametrize("text, parsed", [("30d", ("days", 30.0)), ("33%", ("percent", 33.0)), (" 7 d ", ("days", 7.0))])
def test_parse_renew_before(text, parsed):
    assert parse_renew_before(text) == parsed


@pytest.mark.parametrize("text", ["30", "thirty days", "0%", "100%", "-5d", "5w"])
def test_parse_renew_before_refuses_nonsense(text):
    with pytest.raises(RenewBeforeError, match="renew_before"):
        parse_renew_before(text)


def test_renewal_point_by_share_of_lifetime(leaf):
    certificate = leaf[1]
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert renewal_point(certificate, "25%") == certificate.not_valid_after_utc - lifetime / 4


def test_fitting_certificate_is_kept(ca, leaf):
    assert renewal_reason(leaf[1], wanted(ca, leaf), "30d", now=NOW) is None


@pytest.mark.parametrize("change, reason", [
    (dict(subject=name("other")), "subject changed"),
    (dict(subject_alt_names=SANS + [x509.DNSName("api.example.internal")]), "subject alternative names changed"),
    (dict(profile="server_client"), "profile changed"),
])
def test_each_difference_is_named(ca, leaf, change, reason):
    assert renewal_reason(leaf[1], wanted(ca, leaf, **change), "30d", now=NOW) == reason


def test_new_key_reissues(ca, leaf):
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    assert renewal_reason(leaf[1], wanted(ca, leaf, public_key=other), "30d", now=NOW) == "public key changed"


def test_another_ca_reissues(ca, leaf):
    key = ec.generate_private_key(ec.SECP256R1())
    # Same subject name as the real CA, other key: the name alone must not pass.
    impostor, _clamped = build_certificate(SoftwareSigner(key), "root_ca", name("Unit Root"), key.public_key(), now=NOW)
    assert renewal_reason(leaf[1], wanted(ca, leaf, ca_certificate=impostor), "30d", now=NOW) == "issued by another CA"


def test_window_and_expiry(ca, leaf):
    assert renewal_reason(leaf[1], wanted(ca, leaf), "30d", now=NOW + datetime.timedelta(days=61)).startswith(
        "due for renewal since")
    assert renewal_reason(leaf[1], wanted(ca, leaf), "30d", now=NOW + datetime.timedelta(days=91)).startswith(
        "expired on")


def test_no_current_certificate(ca, leaf):
    assert renewal_reason(None, wanted(ca, leaf), "30d") == "no current certificate"
