"""acmpca_crl_info against moto in process: the CRL ACM Private CA would publish in S3
(signed here with the moto CA's own key, since moto does not publish CRLs) is found through
the CA's CRL configuration and verified; a foreign or missing CRL is refused by name."""

import datetime

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from moto import mock_aws
from moto.acmpca.models import acmpca_backends

from ansible_collections.certfleet.pki.plugins.modules import acmpca_crl_info
from helpers.moto_server import active_root_ca

REGION = "eu-west-1"
NOW = datetime.datetime.now(datetime.timezone.utc)
CRL_CONFIGURATION = {"CrlConfiguration": {"Enabled": True, "S3BucketName": "pca-crl", "ExpirationInDays": 7}}


@pytest.fixture
def pca(monkeypatch):
    for name, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"), ("AWS_DEFAULT_REGION", REGION)):
        monkeypatch.setenv(name, value)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="pca-crl", CreateBucketConfiguration={"LocationConstraint": REGION})
        arn = active_root_ca(boto3.client("acm-pca", region_name=REGION), "RSA_2048", "SHA256WITHRSA", "Moto PCA",
                             revocation=CRL_CONFIGURATION)
        authority = acmpca_backends["123456789012"][REGION].certificate_authorities[arn]
        yield dict(arn=arn, s3=s3, authority=authority,
                   key="crl/%s.crl" % arn.rsplit("/", 1)[-1])


def crl_der(issuer, key, next_update=NOW + datetime.timedelta(days=7), serial=0xabc):
    revoked = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(NOW).build()
    crl = (x509.CertificateRevocationListBuilder().issuer_name(issuer).last_update(NOW - datetime.timedelta(hours=1))
           .next_update(next_update).add_revoked_certificate(revoked)
           .add_extension(x509.CRLNumber(3), critical=False).sign(key, hashes.SHA256()))
    return crl.public_bytes(serialization.Encoding.DER)


def ca_subject(pca):
    return x509.load_pem_x509_certificate(pca["authority"].certificate_bytes).subject


def test_the_published_crl_is_returned_in_pem(pca, module_runner):
    pca["s3"].put_object(Bucket="pca-crl", Key=pca["key"], Body=crl_der(ca_subject(pca), pca["authority"].key))
    result = module_runner(acmpca_crl_info, dict(certificate_authority_arn=pca["arn"], region=REGION))
    assert result["changed"] is False and not result.get("failed"), result
    assert result["s3_uri"] == "s3://pca-crl/" + pca["key"]
    assert result["crl_number"] == 3 and result["revoked_count"] == 1
    assert x509.load_pem_x509_crl(result["crl"].encode()).get_revoked_certificate_by_serial_number(0xabc)


def test_a_crl_signed_by_another_key_is_refused(pca, module_runner):
    pca["s3"].put_object(Bucket="pca-crl", Key=pca["key"],
                         Body=crl_der(ca_subject(pca), ec.generate_private_key(ec.SECP256R1())))
    result = module_runner(acmpca_crl_info, dict(certificate_authority_arn=pca["arn"], region=REGION))
    assert result["failed"] is True and "is not signed by CA %s" % pca["arn"] in result["msg"]


def test_a_stale_crl_is_refused(pca, module_runner):
    stale = crl_der(ca_subject(pca), pca["authority"].key, next_update=NOW - datetime.timedelta(minutes=5))
    pca["s3"].put_object(Bucket="pca-crl", Key=pca["key"], Body=stale)
    result = module_runner(acmpca_crl_info, dict(certificate_authority_arn=pca["arn"], region=REGION))
    assert result["failed"] is True and "passed its nextUpdate" in result["msg"]


def test_no_crl_yet_is_named(pca, module_runner):
    result = module_runner(acmpca_crl_info, dict(certificate_authority_arn=pca["arn"], region=REGION))
    assert result["failed"] is True and "has no CRL at s3://pca-crl/%s yet" % pca["key"] in result["msg"]


def test_crl_location_follows_custom_path():
    authority = {"RevocationConfiguration": {"CrlConfiguration": {"Enabled": True, "S3BucketName": "b",
                                                                  "CustomPath": "/pki/crls/"}}}
    arn = "arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/0a1b"
    assert acmpca_crl_info.crl_location(arn, authority) == ("b", "pki/crls/0a1b.crl")
    with pytest.raises(Exception, match="publishes no CRL"):
        acmpca_crl_info.crl_location(arn, {"RevocationConfiguration": {"CrlConfiguration": {"Enabled": False}}})
