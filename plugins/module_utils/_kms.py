# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A CA key in AWS KMS behind the signer interface (see _signers.py): the key never leaves
KMS; each certificate costs one Sign call, which IAM allows and CloudTrail records."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.certfleet.pki.plugins.module_utils._aws_api import api_call
from ansible_collections.certfleet.pki.plugins.module_utils._signers import SignerError, default_hash_for

try:
    from cryptography.hazmat.primitives import hashes, serialization
except ImportError:
    pass  # the modules report the missing library with missing_required_lib

# KMS key spec -> the signing algorithm whose hash default_hash_for picks for that key (the
# certificate's signatureAlgorithm is laid out with that hash). X.509 needs PKCS#1 v1.5 for RSA.
SIGNING_ALGORITHMS = {
    "ECC_NIST_P256": "ECDSA_SHA_256",
    "ECC_NIST_P384": "ECDSA_SHA_384",
    "RSA_2048": "RSASSA_PKCS1_V1_5_SHA_256",
    "RSA_3072": "RSASSA_PKCS1_V1_5_SHA_256",
    "RSA_4096": "RSASSA_PKCS1_V1_5_SHA_256",
}
# KMS signs a RAW message of up to 4096 bytes (it hashes it itself); a longer TBSCertificate
# is hashed here and sent as a DIGEST.
RAW_MESSAGE_LIMIT = 4096
# Throttling is retried with backoff; KMS's Sign quota is shared by the account per region.
RETRY_CODES = ["ThrottlingException", "KMSInternalException", "DependencyTimeoutException"]


def kms_client(module):
    return module.client("kms", retry_decorator=AWSRetry.jittered_backoff(
        retries=10, delay=1, max_delay=20, catch_extra_error_codes=RETRY_CODES))


def check_key(metadata, key_id):
    """The KMS key's signing algorithm; a key that cannot sign certificates is refused with
    what is wrong with it, before any Sign call."""
    what = "KMS key %s" % key_id
    if metadata.get("KeyUsage") != "SIGN_VERIFY":
        raise SignerError("%s has key usage %s; a CA key must be an asymmetric SIGN_VERIFY key"
                          % (what, metadata.get("KeyUsage") or "ENCRYPT_DECRYPT (symmetric)"))
    if metadata.get("KeyState") != "Enabled":
        raise SignerError("%s is %s, not Enabled" % (what, metadata.get("KeyState")))
    spec = metadata.get("KeySpec") or metadata.get("CustomerMasterKeySpec")
    if spec not in SIGNING_ALGORITHMS:
        raise SignerError("%s is a %s key; a CA key must be one of %s"
                          % (what, spec, ", ".join(sorted(SIGNING_ALGORITHMS))))
    algorithm = SIGNING_ALGORITHMS[spec]
    if algorithm not in metadata.get("SigningAlgorithms", [algorithm]):
        raise SignerError("%s does not offer the signing algorithm %s" % (what, algorithm))
    return algorithm


class KmsSigner:
    """Signs with a KMS key, named by key ID, key ARN, alias name or alias ARN. The key is
    checked and its public key read once, when the signer is made (DescribeKey, GetPublicKey)."""

    def __init__(self, client, key_id):
        self.client = client
        metadata = api_call(client, "describe_key", "describe KMS key %s" % key_id, KeyId=key_id)["KeyMetadata"]
        self.signing_algorithm = check_key(metadata, key_id)
        self.key_arn = metadata["Arn"]  # an alias could be moved to another key between calls
        reply = api_call(client, "get_public_key", "read the public key of KMS key %s" % key_id, KeyId=self.key_arn)
        self.public_key = serialization.load_der_public_key(reply["PublicKey"])
        self.hash_algorithm = default_hash_for(self.public_key)

    def sign(self, data):
        if len(data) <= RAW_MESSAGE_LIMIT:
            message, message_type = data, "RAW"
        else:
            digest = hashes.Hash(self.hash_algorithm)
            digest.update(data)
            message, message_type = digest.finalize(), "DIGEST"
        return api_call(self.client, "sign", "sign with KMS key %s" % self.key_arn, KeyId=self.key_arn,
                        Message=message, MessageType=message_type,
                        SigningAlgorithm=self.signing_algorithm)["Signature"]


class KmsKeySource:
    """Where kms_certificate's CA key is (see _ca_key_issuance.py): a signer made when a
    certificate is due, never on a run with nothing due."""

    def __init__(self, client, key_id):
        self.client = client
        self.key_id = key_id

    @contextlib.contextmanager
    def open(self):
        yield KmsSigner(self.client, self.key_id)

    @staticmethod
    def signer(session):
        return session
