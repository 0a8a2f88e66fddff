# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PKCS#11 tokens: one login per module run, key pairs found or made by label, and a
signer for the certificate builder. Works with any PKCS#11 library (SoftHSM2, CloudHSM,
YubiHSM, Luna...)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible.module_utils.basic import env_fallback

try:
    import pkcs11
    from pkcs11 import Attribute, KeyType, Mechanism, MechanismFlag, ObjectClass
    from pkcs11 import exceptions as p11_errors
    from pkcs11.util.ec import encode_ec_public_key, encode_ecdsa_signature, encode_named_curve_parameters

    # What a CA key may do: sign (private half) and verify (public half), nothing else.
    CA_PRIVATE_KEY_USAGE = {Attribute.SIGN: True, Attribute.DECRYPT: False, Attribute.UNWRAP: False,
                            Attribute.DERIVE: False, Attribute.SIGN_RECOVER: False}
    CA_PUBLIC_KEY_USAGE = {Attribute.VERIFY: True, Attribute.ENCRYPT: False, Attribute.WRAP: False,
                           Attribute.DERIVE: False, Attribute.VERIFY_RECOVER: False}
except ImportError:
    pass  # the modules report the missing library with require_libraries

try:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
except ImportError:
    pass  # the modules report the missing library with missing_required_lib

from ansible_collections.certfleet.pki.plugins.module_utils._declaration_defaults import EC_CURVES, RSA_SIZES
from ansible_collections.certfleet.pki.plugins.module_utils._signers import (
    SignerError,
    default_hash_for,
    key_description,
)

# What pkcs11_key can generate: CA keys of the strengths host keys may have, but at most P-384
# (the signature encodings the CA code handles).
CA_EC_CURVES = list(EC_CURVES[:2])
CA_RSA_SIZES = list(RSA_SIZES)


class Pkcs11Token:
    """A session on one token, as a context manager: logged in, or, with ``login=False``, a
    public session that sees only public objects (public keys), for checks that need no PIN.

    The login happens once, in ``__enter__``; a wrong PIN is never retried because HSMs
    lock the user after a few wrong tries.
    """

    def __init__(self, module_path, token_label, pin, login=True):
        self.module_path = module_path
        self.token_label = token_label
        self._pin = pin
        self._login = login
        self._session = None

    def __enter__(self):
        if self._login and not self._pin:
            raise SignerError("no PIN for token %r: set pin or the CERTFLEET_PKCS11_PIN environment variable"
                              % self.token_label)
        token = self._token()
        if not self._login:
            self._session = token.open()
            return self
        try:
            self._session = token.open(user_pin=self._pin, rw=True)
        except (p11_errors.PinIncorrect, p11_errors.PinInvalid, p11_errors.PinLenRange):
            raise SignerError("wrong PIN for token %r (not retried: HSMs lock after a few wrong tries)"
                              % self.token_label)
        except p11_errors.PinLocked:
            raise SignerError("the user PIN of token %r is locked" % self.token_label)
        except p11_errors.PKCS11Error as error:
            raise SignerError("cannot log in to token %r: %s" % (self.token_label, type(error).__name__))
        return self

    def _token(self):
        if not os.path.isfile(self.module_path):
            raise SignerError("PKCS#11 library not found: %s" % self.module_path)
        try:
            library = pkcs11.lib(self.module_path)
        except Exception as error:  # python-pkcs11 raises a bare RuntimeError/OSError here
            raise SignerError("cannot load PKCS#11 library %s: %s" % (self.module_path, error))
        try:
            return library.get_token(token_label=self.token_label)
        except p11_errors.NoSuchToken:
            raise SignerError("no token labelled %r in %s" % (self.token_label, self.module_path))
        except p11_errors.MultipleTokensReturned:
            raise SignerError("more than one token labelled %r in %s" % (self.token_label, self.module_path))

    def __exit__(self, *exc_info):
        if self._session is not None:
            self._session.close()
            self._session = None

    def _find(self, object_class, label):
        try:
            return self._session.get_key(object_class=object_class, label=label)
        except p11_errors.NoSuchKey:
            return None
        except p11_errors.MultipleObjectsReturned:
            raise SignerError("more than one key labelled %r on token %r" % (label, self.token_label))

    def find_public_key(self, label):
        """The public key object labelled ``label``, or None."""
        return self._find(ObjectClass.PUBLIC_KEY, label)

    def find_key_pair(self, label):
        """(private, public) PKCS#11 objects for ``label``, or None when there is no private key."""
        private = self._find(ObjectClass.PRIVATE_KEY, label)
        if private is None:
            return None
        public = self._find(ObjectClass.PUBLIC_KEY, label)
        if public is None:
            raise SignerError("key %r on token %r has no public key object to read the public key from"
                              % (label, self.token_label))
        return private, public

    def generate_key_pair(self, label, key_type, curve=None, size=None):
        """Generate a key pair on the token: private half sensitive and never extractable,
        and both halves allowed only what a CA key does (sign / verify). The library's
        defaults would also let them decrypt, unwrap or derive."""
        key_id = os.urandom(16)
        private_template = dict(CA_PRIVATE_KEY_USAGE)
        private_template.update({Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False})
        common = dict(store=True, label=label, id=key_id, capabilities=MechanismFlag.SIGN | MechanismFlag.VERIFY,
                      private_template=private_template, public_template=dict(CA_PUBLIC_KEY_USAGE))
        if key_type == "ec":
            parameters = self._session.create_domain_parameters(
                KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters(curve)}, local=True)
            public, private = parameters.generate_keypair(**common)
        else:
            public, private = self._session.generate_keypair(KeyType.RSA, size, **common)
        return private, public

    def destroy_key_pair(self, label):
        pair = self.find_key_pair(label)
        for key in pair or ():
            key.destroy()
        return pair is not None

    def signer(self, label):
        pair = self.find_key_pair(label)
        if pair is None:
            raise SignerError("no private key labelled %r on token %r" % (label, self.token_label))
        return Pkcs11Signer(*pair)


def excess_usages(private_object, public_object):
    """Usage attributes set on a key pair beyond what a CA key needs, e.g. ['private:decrypt'];
    the public half only when ``private_object`` is None (a session without login)."""
    found = []
    for half, key_object, usages in (("private", private_object, CA_PRIVATE_KEY_USAGE),
                                     ("public", public_object, CA_PUBLIC_KEY_USAGE)):
        if key_object is None:
            continue
        for attribute, wanted in usages.items():
            try:
                present = bool(key_object[attribute])
            except (p11_errors.AttributeTypeInvalid, p11_errors.AttributeSensitive):
                continue  # a token that does not keep this attribute does not grant it
            if present and not wanted:
                found.append("%s:%s" % (half, attribute.name.lower()))
    return found


def public_key_of(public_object):
    """The cryptography public key of a PKCS#11 public key object."""
    key_type = public_object.key_type
    if key_type == KeyType.EC:
        return serialization.load_der_public_key(encode_ec_public_key(public_object))
    if key_type == KeyType.RSA:
        numbers = rsa.RSAPublicNumbers(
            int.from_bytes(public_object[Attribute.PUBLIC_EXPONENT], "big"),
            int.from_bytes(public_object[Attribute.MODULUS], "big"))
        return numbers.public_key()
    raise SignerError("unsupported key type on token: %s" % key_type)


def key_id_of(private_object):
    try:
        return private_object[Attribute.ID].hex()
    except p11_errors.AttributeTypeInvalid:
        return None


def key_matches(public_key, key_type, curve=None, size=None):
    if key_type == "ec":
        return isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name == curve
    return isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size == size


class Pkcs11Signer:
    """A signer (see signers.py) whose key never leaves the token."""

    def __init__(self, private_object, public_object):
        self._private = private_object
        self.public_key = public_key_of(public_object)
        self.hash_algorithm = default_hash_for(self.public_key)

    def sign(self, data):
        if isinstance(self.public_key, ec.EllipticCurvePublicKey):
            # Not every token has CKM_ECDSA_SHA256 (SoftHSM has not): hash here, sign the
            # digest with plain CKM_ECDSA, and DER-encode the raw r||s it returns.
            digest = hashes.Hash(self.hash_algorithm)
            digest.update(data)
            raw = self._private.sign(digest.finalize(), mechanism=Mechanism.ECDSA)
            return encode_ecdsa_signature(raw)
        mechanism = {"sha256": Mechanism.SHA256_RSA_PKCS, "sha384": Mechanism.SHA384_RSA_PKCS,
                     "sha512": Mechanism.SHA512_RSA_PKCS}[self.hash_algorithm.name]
        try:
            return self._private.sign(data, mechanism=mechanism)
        except p11_errors.MechanismInvalid:
            raise SignerError("the token cannot sign with %s for key %s"
                              % (mechanism.name, key_description(self.public_key)))


def pkcs11_argument_spec():
    """The options of the pkcs11 doc fragment, for every module that opens a token."""
    return dict(
        pkcs11_module=dict(type="path", required=True),
        token_label=dict(type="str", required=True, no_log=False),
        pin=dict(type="str", no_log=True, fallback=(env_fallback, ["CERTFLEET_PKCS11_PIN"])),
        key_label=dict(type="str", required=True, no_log=False),
    )


def open_token(params, login=True):
    return Pkcs11Token(params["pkcs11_module"], params["token_label"], params["pin"], login=login)


class TokenKeySource:
    """Where pkcs11_certificate's CA key is (see _ca_key_issuance.py): a session is one
    library load and one login; the key is found by its label in it."""

    def __init__(self, params):
        self.params = params

    def open(self):
        return open_token(self.params)

    def signer(self, token):
        return token.signer(self.params["key_label"])
