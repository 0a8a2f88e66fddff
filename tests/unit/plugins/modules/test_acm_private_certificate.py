"""acm_private_certificate against moto in process: a private certificate is requested from a
moto PCA and exported once; while the host has ACM's current serial nothing is exported;
after a renewal (simulated in moto's backend, see helpers/acm.py) the next run exports the
renewed one. Exports are counted at moto's backend."""

import datetime

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from moto import mock_aws
from moto.acm.models import AWSCertificateManagerBackend, acm_backends

from ansible_collections.certfleet.pki.plugins.modules import acm_private_certificate
from helpers.acm import ACCOUNT, renew_in_moto
from helpers.moto_server import active_root_ca

REGION = "eu-west-1"
PASSPHRASE = "a-run-passphrase-0123456789"


@pytest.fixture
def pca(monkeypatch):
    for name, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"), ("AWS_DEFAULT_REGION", REGION)):
        monkeypatch.setenv(name, value)
    exports = []
    original = AWSCertificateManagerBackend.export_certificate

    def counted(self, certificate_arn, passphrase):
        exports.append(certificate_arn)
        return original(self, certificate_arn, passphrase)
    monkeypatch.setattr(AWSCertificateManagerBackend, "export_certificate", counted)
    with mock_aws():
        yield dict(arn=active_root_ca(boto3.client("acm-pca", region_name=REGION)), exports=exports,
                   acm=boto3.client("acm", region_name=REGION))


def args(pca, **extra):
    return dict(dict(certificate_authority_arn=pca["arn"], region=REGION, domain_name="web.example.internal",
                     subject_alternative_names=["DNS:www.example.internal"], key_algorithm="RSA_2048",
                     tags={"service": "web"}, passphrase=PASSPHRASE), **extra)


def test_requested_exported_once_then_nothing_until_acm_renews(pca, module_runner):
    first = module_runner(acm_private_certificate, args(pca))
    assert first["changed"] and first["requested"] and not first.get("failed"), first
    assert first["private_key"].startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    key = serialization.load_pem_private_key(first["private_key"].encode(), password=PASSPHRASE.encode())
    certificate = x509.load_pem_x509_certificate(first["certificate"].encode())
    assert key.public_key().public_numbers() == certificate.public_key().public_numbers()
    assert PASSPHRASE not in str(first)
    assert len(pca["exports"]) == 1

    again = module_runner(acm_private_certificate, args(pca, current_serial=first["serial"]))
    assert again["changed"] is False and again["private_key"] is None and again["requested"] is False, again
    assert again["certificate_arn"] == first["certificate_arn"] and again["serial"] == first["serial"]
    assert len(pca["exports"]) == 1, "a host with ACM's current certificate costs no export"
    assert len(pca["acm"].list_certificates()["CertificateSummaryList"]) == 1, "found again, not requested again"

    renewed_serial = renew_in_moto(first["certificate_arn"])
    checked = module_runner(acm_private_certificate, args(pca, current_serial=first["serial"]), check_mode=True)
    assert checked["changed"] and checked["private_key"] is None and renewed_serial in checked["delivery_reason"]
    assert len(pca["exports"]) == 1, "check mode exports nothing"
    after = module_runner(acm_private_certificate, args(pca, current_serial=first["serial"]))
    assert after["changed"] and after["serial"] == renewed_serial and after["private_key"], after
    assert after["certificate_arn"] == first["certificate_arn"] and len(pca["exports"]) == 2


def test_other_tags_or_names_are_another_certificate(pca, module_runner):
    web = module_runner(acm_private_certificate, args(pca))
    other = module_runner(acm_private_certificate, args(pca, tags={"service": "api"}))
    fewer = module_runner(acm_private_certificate, args(pca, subject_alternative_names=[]))
    assert len({web["certificate_arn"], other["certificate_arn"], fewer["certificate_arn"]}) == 3


def test_check_mode_requests_nothing(pca, module_runner):
    result = module_runner(acm_private_certificate, args(pca, passphrase=None), check_mode=True)
    assert result["changed"] and result["requested"] and result["certificate_arn"] is None, result
    assert pca["acm"].list_certificates()["CertificateSummaryList"] == [] and pca["exports"] == []


def test_a_batch_reports_each_request_and_a_bad_one_alone(pca, module_runner):
    result = module_runner(acm_private_certificate, dict(
        certificate_authority_arn=pca["arn"], region=REGION, key_algorithm="RSA_2048", passphrase=PASSPHRASE,
        requests=[dict(requester="web-1/www", domain_name="w1.example.internal"),
                  dict(requester="web-2/www", domain_name="w2.example.internal", subject_alternative_names=["IP:10.0.0.1"])]))
    assert result["changed"] and [r["requester"] for r in result["certificates"]] == ["web-1/www", "web-2/www"]
    assert result["certificates"][0]["private_key"] and not result["certificates"][0].get("failed")
    assert result["certificates"][1]["failed"] and result["certificates"][1]["msg"].startswith("web-2/www: ")
    assert "DNS names only" in result["certificates"][1]["msg"] and len(pca["exports"]) == 1


def test_a_short_passphrase_is_refused_before_any_call(pca, module_runner):
    result = module_runner(acm_private_certificate, args(pca, passphrase="short"))
    assert result["failed"] and "passphrase must have at least 16 characters" in result["msg"]
    assert pca["acm"].list_certificates()["CertificateSummaryList"] == []


def test_of_two_matching_certificates_the_one_the_host_has_is_kept(pca, module_runner):
    first = module_runner(acm_private_certificate, args(pca))
    acm = pca["acm"]
    duplicate = acm.request_certificate(DomainName="web.example.internal",
                                        SubjectAlternativeNames=["web.example.internal", "www.example.internal"],
                                        CertificateAuthorityArn=pca["arn"], KeyAlgorithm="RSA_2048",
                                        Tags=[{"Key": "service", "Value": "web"}])["CertificateArn"]
    assert duplicate != first["certificate_arn"]
    # The duplicate is the newest: without the host's serial to go by, it would be chosen.
    acm_backends[ACCOUNT][REGION]._certificates[duplicate].created_at += datetime.timedelta(hours=1)  # pylint: disable=protected-access
    for _run in range(2):
        again = module_runner(acm_private_certificate, args(pca, current_serial=first["serial"]))
        assert again["changed"] is False and again["certificate_arn"] == first["certificate_arn"], again
    assert len(pca["exports"]) == 1, "two matching certificates never make runs alternate and export"
