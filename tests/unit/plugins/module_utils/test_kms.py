"""The KMS signer's request contract, pinned with botocore's Stubber (real KMS takes a RAW
message up to 4096 bytes and a DIGEST above; moto only signs RAW correctly), and the key
checks that refuse a key before any Sign call."""

import hashlib

import boto3
import pytest
from botocore.stub import Stubber
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
from ansible_collections.certfleet.pki.plugins.module_utils import _kms as kms
from ansible_collections.certfleet.pki.plugins.module_utils._signers import SignerError

KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def metadata(spec="ECC_NIST_P256", usage="SIGN_VERIFY", state="Enabled", algorithms=None):
    return {"KeyId": KEY_ARN.rsplit("/", 1)[1], "Arn": KEY_ARN, "KeyUsage": usage, "KeyState": state, "KeySpec": spec,
            "SigningAlgorithms": algorithms or [kms.SIGNING_ALGORITHMS.get(spec, "ECDSA_SHA_256")]}


@pytest.fixture
def client():
    raw = boto3.client("kms", region_name="eu-west-1", aws_access_key_id="test", aws_secret_access_key="test")
    wrapped = RetryingBotoClientWrapper(raw, AWSRetry.jittered_backoff(retries=1, delay=0))
    stubber = Stubber(raw)
    with stubber:
        yield wrapped, stubber
    stubber.assert_no_pending_responses()


def public_der(private_key):
    return private_key.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)


def expect_key(stubber, private_key, spec, key_id="alias/example-root"):
    stubber.add_response("describe_key", {"KeyMetadata": metadata(spec)}, {"KeyId": key_id})
    stubber.add_response("get_public_key", {"KeyId": KEY_ARN, "PublicKey": public_der(private_key), "KeySpec": spec},
                         {"KeyId": KEY_ARN})


def test_a_short_message_is_signed_raw_with_the_key_arn_not_the_alias(client):
    wrapped, stubber = client
    private_key = ec.generate_private_key(ec.SECP384R1())
    expect_key(stubber, private_key, "ECC_NIST_P384")
    message = b"t" * kms.RAW_MESSAGE_LIMIT
    signature = private_key.sign(message, ec.ECDSA(hashes.SHA384()))
    stubber.add_response("sign", {"KeyId": KEY_ARN, "Signature": signature, "SigningAlgorithm": "ECDSA_SHA_384"},
                         {"KeyId": KEY_ARN, "Message": message, "MessageType": "RAW", "SigningAlgorithm": "ECDSA_SHA_384"})
    signer = kms.KmsSigner(wrapped, "alias/example-root")
    assert isinstance(signer.hash_algorithm, hashes.SHA384)
    assert signer.sign(message) == signature


def test_a_message_over_4096_bytes_is_hashed_here_and_signed_as_a_digest(client):
    wrapped, stubber = client
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    expect_key(stubber, private_key, "RSA_2048")
    message = b"t" * (kms.RAW_MESSAGE_LIMIT + 1)
    signature = private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    stubber.add_response("sign", {"KeyId": KEY_ARN, "Signature": signature, "SigningAlgorithm": "RSASSA_PKCS1_V1_5_SHA_256"},
                         {"KeyId": KEY_ARN, "Message": hashlib.sha256(message).digest(), "MessageType": "DIGEST",
                          "SigningAlgorithm": "RSASSA_PKCS1_V1_5_SHA_256"})
    assert kms.KmsSigner(wrapped, "alias/example-root").sign(message) == signature


@pytest.mark.parametrize("key, problem", [
    (metadata(usage="ENCRYPT_DECRYPT", spec="SYMMETRIC_DEFAULT"), "has key usage ENCRYPT_DECRYPT"),
    (metadata(state="Disabled"), "is Disabled, not Enabled"),
    (metadata(state="PendingDeletion"), "is PendingDeletion, not Enabled"),
    (metadata(spec="ECC_SECG_P256K1"), "is a ECC_SECG_P256K1 key; a CA key must be one of ECC_NIST_P256"),
    (metadata(spec="RSA_2048", algorithms=["RSASSA_PSS_SHA_256"]), "does not offer the signing algorithm RSASSA_PKCS1_V1_5"),
])
def test_a_key_that_cannot_sign_certificates_is_refused_before_any_other_call(client, key, problem):
    wrapped, stubber = client
    stubber.add_response("describe_key", {"KeyMetadata": key}, {"KeyId": "alias/x"})
    with pytest.raises(SignerError) as raised:
        kms.KmsSigner(wrapped, "alias/x")
    assert problem in str(raised.value) and "KMS key alias/x" in str(raised.value)


@pytest.mark.parametrize("spec, algorithm", sorted(kms.SIGNING_ALGORITHMS.items()))
def test_each_key_spec_signs_with_the_hash_its_certificates_are_laid_out_with(spec, algorithm):
    digest = {"ECDSA_SHA_256": "sha256", "ECDSA_SHA_384": "sha384", "RSASSA_PKCS1_V1_5_SHA_256": "sha256"}[algorithm]
    private_key = (ec.generate_private_key(ec.SECP384R1() if spec.endswith("384") else ec.SECP256R1())
                   if spec.startswith("ECC") else rsa.generate_private_key(65537, int(spec.split("_")[1])))
    assert kms.default_hash_for(private_key.public_key()).name == digest
    assert kms.check_key(metadata(spec), "k") == algorithm
