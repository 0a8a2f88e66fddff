"""kms_certificate against a moto server on 127.0.0.1: a root and leaves signed by KMS keys
verify with openssl -x509_strict, a re-run with nothing due calls KMS not at all, and a key
that cannot sign is refused before any Sign call. Calls are counted by the server's own
request recorder. moto signs MessageType=RAW correctly (every TBSCertificate here is under
KMS's 4096-byte RAW limit); the DIGEST shape is pinned by the Stubber unit tests."""

import subprocess

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.certfleet.pki.plugins.modules import kms_certificate

KMS = "TrentService"


def kms_client(moto):
    return boto3.client("kms", region_name="eu-west-1", endpoint_url=moto.url,
                        aws_access_key_id="test", aws_secret_access_key="test")


def new_key(moto, spec, alias=None):
    key = kms_client(moto).create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    if alias:
        kms_client(moto).create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    return key


def make_csr(name):
    key = ec.generate_private_key(ec.SECP256R1())
    return (x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode())


def aws(moto, key_id, **args):
    return dict(key_id=key_id, region="eu-west-1", endpoint_url=moto.url, access_key="test", secret_key="test", **args)


def strictly_verified(tmp_path, root_pem, leaf_pem):
    (tmp_path / "root.pem").write_text(root_pem)
    (tmp_path / "leaf.pem").write_text(leaf_pem)
    verified = subprocess.run(["openssl", "verify", "-x509_strict", "-CAfile", str(tmp_path / "root.pem"),
                               str(tmp_path / "leaf.pem")], capture_output=True, text=True, check=False)
    return verified.returncode == 0 and "leaf.pem: OK" in verified.stdout, verified.stdout + verified.stderr


def calls(moto):
    return dict((operation, moto.calls(operation, KMS)) for operation in ("DescribeKey", "GetPublicKey", "Sign"))


def spent(moto, before):
    return dict((operation, count - before[operation]) for operation, count in calls(moto).items())


@pytest.mark.parametrize("spec, hash_name", [("ECC_NIST_P256", "sha256"), ("ECC_NIST_P384", "sha384"),
                                             ("RSA_2048", "sha256"), ("RSA_4096", "sha256")])
def test_root_and_leaf_signed_in_kms_verify_strictly_and_a_rerun_calls_no_kms(
        moto, module_runner, tmp_path, spec, hash_name):
    alias = "alias/root-" + spec.lower().replace("_", "-")
    new_key(moto, spec, alias)
    before = calls(moto)
    root = module_runner(kms_certificate, aws(moto, alias, certificate_profile="root_ca", subject={"CN": "KMS Root " + spec}))
    assert root.get("changed") and not root.get("failed"), root
    csr = make_csr("web.example.internal")
    leaf = module_runner(kms_certificate, aws(moto, alias, csr=csr, ca_certificate=root["certificate"],
                                              common_name="web.example.internal",
                                              subject_alt_names=["DNS:web.example.internal"], validity_days=30))
    assert leaf["changed"] and not leaf.get("failed"), leaf
    assert spent(moto, before)["Sign"] == 2, "one Sign call per certificate"
    ok, output = strictly_verified(tmp_path, root["certificate"], leaf["fullchain"])
    assert ok, output
    assert x509.load_pem_x509_certificate(leaf["certificate"].encode()).signature_hash_algorithm.name == hash_name

    before = calls(moto)
    again = module_runner(kms_certificate, aws(moto, alias, csr=csr, ca_certificate=root["certificate"],
                                               common_name="web.example.internal",
                                               subject_alt_names=["DNS:web.example.internal"], validity_days=30,
                                               current_certificate=leaf["certificate"]))
    assert again["changed"] is False and again["serial"] == leaf["serial"], again
    assert spent(moto, before) == {"DescribeKey": 0, "GetPublicKey": 0, "Sign": 0}, "nothing due calls no KMS API"


def test_a_batch_reads_the_key_once_signs_each_request_and_reruns_for_free(moto, module_runner):
    key = new_key(moto, "ECC_NIST_P256")
    root = module_runner(kms_certificate, aws(moto, key["Arn"], certificate_profile="root_ca", subject={"CN": "KMS Batch Root"}))
    names = ["app-%d.example.internal" % index for index in range(5)]
    requests = [dict(csr=make_csr(name), requester="host%d/web" % index, common_name=name,
                     subject_alt_names=["DNS:" + name]) for index, name in enumerate(names)]
    before = calls(moto)
    batch = module_runner(kms_certificate, aws(moto, key["KeyId"], ca_certificate=root["certificate"], requests=requests))
    assert batch["changed"] and [result["requester"] for result in batch["certificates"]] == \
        [request["requester"] for request in requests], batch
    assert spent(moto, before) == {"DescribeKey": 1, "GetPublicKey": 1, "Sign": 5}
    for name, result in zip(names, batch["certificates"]):
        certificate = x509.load_pem_x509_certificate(result["certificate"].encode())
        assert certificate.subject.rfc4514_string() == "CN=" + name

    before = calls(moto)
    current = [dict(request, current_certificate=result["certificate"])
               for request, result in zip(requests, batch["certificates"])]
    rerun = module_runner(kms_certificate, aws(moto, key["KeyId"], ca_certificate=root["certificate"], requests=current))
    assert rerun["changed"] is False and not any(result["changed"] for result in rerun["certificates"]), rerun
    assert spent(moto, before) == {"DescribeKey": 0, "GetPublicKey": 0, "Sign": 0}


def test_check_mode_says_what_would_be_signed_and_calls_no_kms(moto, module_runner):
    key = new_key(moto, "ECC_NIST_P256")
    root = module_runner(kms_certificate, aws(moto, key["Arn"], certificate_profile="root_ca", subject={"CN": "KMS Check Root"}))
    before = calls(moto)
    checked = module_runner(kms_certificate, aws(moto, key["Arn"], csr=make_csr("c.example.internal"),
                                                 ca_certificate=root["certificate"]), check_mode=True)
    assert checked["changed"] and checked["certificate"] is None and checked["renewal_reason"] == "no current certificate"
    assert spent(moto, before) == {"DescribeKey": 0, "GetPublicKey": 0, "Sign": 0}


def test_keys_that_cannot_sign_certificates_are_refused_before_any_sign_call(moto, module_runner):
    client = kms_client(moto)
    symmetric = client.create_key()["KeyMetadata"]["Arn"]
    disabled_key = new_key(moto, "ECC_NIST_P256")
    client.disable_key(KeyId=disabled_key["KeyId"])  # moto's server fails DisableKey by ARN
    disabled = disabled_key["Arn"]
    secp256k1 = new_key(moto, "ECC_SECG_P256K1")["Arn"]
    before = calls(moto)
    for key_id, problem in ((symmetric, "a CA key must be an asymmetric SIGN_VERIFY key"),
                            (disabled, "is Disabled, not Enabled"),
                            (secp256k1, "is a ECC_SECG_P256K1 key")):
        result = module_runner(kms_certificate, aws(moto, key_id, certificate_profile="root_ca", subject={"CN": "Refused"}))
        assert result.get("failed") and problem in result["msg"] and key_id in result["msg"], result
    assert spent(moto, before)["Sign"] == 0


def test_a_ca_certificate_of_another_key_is_refused_before_signing(moto, module_runner):
    first = new_key(moto, "ECC_NIST_P256")
    root = module_runner(kms_certificate, aws(moto, first["Arn"], certificate_profile="root_ca", subject={"CN": "First Root"}))
    other = new_key(moto, "ECC_NIST_P256")
    before = calls(moto)
    result = module_runner(kms_certificate, aws(moto, other["Arn"], csr=make_csr("x.example.internal"),
                                                ca_certificate=root["certificate"]))
    assert result.get("failed") and "does not match the CA certificate's public key" in result["msg"], result
    assert "certificate" not in result and spent(moto, before)["Sign"] == 0
