# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The signer interface the certificate builder signs with.

A signer holds a CA key somewhere (a PKCS#11 token, a software key for tests; an AWS KMS
key could follow) and exposes three things:

- ``public_key``: the cryptography public key object of the CA key;
- ``hash_algorithm``: the cryptography hash the signature uses (picked per key by
  :func:`default_hash_for`);
- ``sign(data)``: the X.509 signature value over ``data`` (the DER TBSCertificate), in
  the encoding the certificate's signatureAlgorithm names (DER ECDSA-Sig-Value for EC,
  PKCS#1 v1.5 for RSA).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError

try:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
except ImportError:
    pass  # the modules report the missing library with missing_required_lib


class SignerError(CertfleetError):
    """A signing key cannot be used; the message names the cause."""


def key_description(public_key):
    """'EC secp256r1' or 'RSA 3072': how errors and results name a key."""
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return "EC %s" % public_key.curve.name
    if isinstance(public_key, rsa.RSAPublicKey):
        return "RSA %d" % public_key.key_size
    return type(public_key).__name__


def default_hash_for(public_key):
    """The signature hash for a CA key: matched to the curve for EC, SHA-256 for RSA."""
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        if public_key.curve.key_size >= 384:
            return hashes.SHA384()
        return hashes.SHA256()
    if isinstance(public_key, rsa.RSAPublicKey):
        return hashes.SHA256()
    raise SignerError("unsupported CA key algorithm: %s (use EC P-256/P-384 or RSA)"
                      % key_description(public_key))


class SoftwareSigner:
    """Signs with a cryptography private key held in memory (tests, throwaway CAs)."""

    def __init__(self, private_key):
        self._private_key = private_key
        self.public_key = private_key.public_key()
        self.hash_algorithm = default_hash_for(self.public_key)

    def sign(self, data):
        if isinstance(self._private_key, ec.EllipticCurvePrivateKey):
            return self._private_key.sign(data, ec.ECDSA(self.hash_algorithm))
        return self._private_key.sign(data, padding.PKCS1v15(), self.hash_algorithm)
