"""ACM private certificates and Secrets Manager in moto for the tests: a renewal simulated
through moto's backend (moto has no RenewCertificate: the certificate under the same ARN is
re-issued with a new key and serial, as ACM's managed renewal does), and a moto server whose
exports and secret reads are counted."""

import contextlib
import urllib.request

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.acm.models import AWSCertificateManagerBackend, CertBundle, acm_backends
from moto.acmpca.models import acmpca_backends
from moto.secretsmanager.models import SecretsManagerBackend
from moto.server import ThreadedMotoServer

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_builder import build_certificate
from ansible_collections.certfleet.pki.plugins.module_utils._signers import SoftwareSigner
from helpers.moto_server import active_root_ca, free_port
from helpers.software_ca import name

ACCOUNT = "123456789012"
REGION = "eu-west-1"


def renew_in_moto(certificate_arn, region=REGION):
    """Replace ACM's certificate at ``certificate_arn`` with a newly issued one of the same
    names, CA and tags; returns the new serial (lower-case hex)."""
    backend = acm_backends[ACCOUNT][region]
    old = backend._certificates[certificate_arn]  # pylint: disable=protected-access
    renewed = CertBundle.generate_cert(old.common_name, ACCOUNT, region, sans=list(old.sans),
                                       cert_authority_arn=old.cert_authority_arn)
    renewed.arn = certificate_arn
    renewed.tags = old.tags
    backend._certificates[certificate_arn] = renewed  # pylint: disable=protected-access
    return "%x" % renewed._cert.serial_number  # pylint: disable=protected-access


def pca_signed_bundle(domain_name, account_id, region, sans=None, cert_authority_arn=None):
    """An ACM private certificate as real ACM makes it: signed by its PCA, with the PCA's
    certificate as chain (moto signs it with the certificate's own key under a fake Amazon
    issuer, which a TLS client's chain check refuses)."""
    authority = acmpca_backends[account_id][region].certificate_authorities[cert_authority_arn]
    ca_certificate = x509.load_pem_x509_certificate(authority.certificate_bytes)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    names = [domain_name] + [san for san in sans or [] if san != domain_name]
    certificate, _clamped = build_certificate(SoftwareSigner(authority.key), "server", name(domain_name), key.public_key(),
                                              ca_certificate, [x509.DNSName(n) for n in names], validity_days=300)
    return CertBundle(account_id, certificate.public_bytes(serialization.Encoding.PEM),
                      key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                        serialization.NoEncryption()),
                      chain=authority.certificate_bytes, region=region, cert_type="PRIVATE",
                      cert_authority_arn=cert_authority_arn)


@contextlib.contextmanager
def counting_moto_server():
    """A moto server in this process, so that a test can renew in its backend, whose backend
    counts ACM exports and Secrets Manager reads (``counts``) and signs ACM private
    certificates with their PCA. Yields a dict with the
    server's ``url``, ``counts``, boto3 ``clients`` and an ACTIVE root CA's ARN (``ca_arn``)."""
    counts = {"export": 0, "read": 0}
    patch = pytest.MonkeyPatch()
    export, read = AWSCertificateManagerBackend.export_certificate, SecretsManagerBackend.get_secret_value

    def counted_export(self, *args, **kwargs):
        counts["export"] += 1
        return export(self, *args, **kwargs)

    def counted_read(self, *args, **kwargs):
        counts["read"] += 1
        return read(self, *args, **kwargs)
    patch.setattr(AWSCertificateManagerBackend, "export_certificate", counted_export)
    patch.setattr(SecretsManagerBackend, "get_secret_value", counted_read)
    patch.setattr(CertBundle, "generate_cert", staticmethod(pca_signed_bundle))
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        url = "http://127.0.0.1:%d" % port
        # moto's backends live in this process: start from none of an earlier test's resources.
        urllib.request.urlopen(urllib.request.Request(url + "/moto-api/reset", method="POST"), timeout=10).read()
        clients = dict((service, boto3.client(service, region_name=REGION, endpoint_url=url, aws_access_key_id="test",
                                              aws_secret_access_key="test"))
                       for service in ("acm-pca", "acm", "secretsmanager"))
        yield dict(url=url, counts=counts, clients=clients, ca_arn=active_root_ca(clients["acm-pca"]))
    finally:
        server.stop()
        patch.undo()
