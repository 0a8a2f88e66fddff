"""A CA whose key is held in memory (the SoftwareSigner), for tests that need certificates
and CRLs signed by a real CA without a token."""

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_builder import build_certificate
from ansible_collections.certfleet.pki.plugins.module_utils._signers import SoftwareSigner
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import parse_general_name


def name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def software_root(common_name, key=None, validity_days=30):
    """(signer, root certificate) of a self-signed root (EC P-256 unless ``key`` is given)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    signer = SoftwareSigner(key)
    root, _clamped = build_certificate(signer, "root_ca", name(common_name), key.public_key(), validity_days=validity_days)
    return signer, root


def issue_leaf(ca, common_name, profile="client", validity_days=10, now=None, sans=(), public_key=None):
    """A certificate signed by ``ca`` (signer, root) for ``public_key``, or a new EC key."""
    signer, root = ca
    certificate, _clamped = build_certificate(
        signer, profile, name(common_name), public_key or ec.generate_private_key(ec.SECP256R1()).public_key(), root,
        [parse_general_name(san) for san in sans], validity_days=validity_days, now=now)
    return certificate
