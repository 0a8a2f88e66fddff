"""acmpca_certificate and acmpca_certificate_authority_info against a moto server on
127.0.0.1. IssueCertificate calls are counted by the server's own request recorder; a proxy
in front of it throttles, as ACM PCA does above its quota.

moto fakes much (BRIEF section 3): validity, idempotency tokens and revocation effects are
not asserted here; the Stubber tests pin the request contract instead. moto's CA certificate
lives 365 days whatever is asked, so leaves here ask for 30 days (the module refuses any
certificate that would outlive its CA)."""

import subprocess

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.certfleet.pki.plugins.modules import acmpca_certificate, acmpca_certificate_authority_info
from helpers.moto_server import ThrottlingProxy


def make_csr(name, key=None):
    key = key or ec.generate_private_key(ec.SECP256R1())
    return (x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode())


def aws(moto, ca_arn, **args):
    return dict(certificate_authority_arn=ca_arn, region="eu-west-1", endpoint_url=moto.url,
                access_key="test", secret_key="test", **args)


def test_info_reports_the_active_ca_and_its_trust_bundle(moto, ca_arn, module_runner):
    info = module_runner(acmpca_certificate_authority_info, aws(moto, ca_arn))
    assert info["status"] == "ACTIVE" and info["type"] == "ROOT" and info["key_algorithm"] == "EC_prime256v1"
    root = x509.load_pem_x509_certificate(info["trust_bundle"].encode())
    assert root.subject == root.issuer and "Moto Root" in root.subject.rfc4514_string()


def test_issue_verify_rerun_and_count_calls(moto, ca_arn, module_runner, tmp_path):
    csrs = [make_csr("web-%d.example.internal" % index) for index in range(2)]
    before = moto.calls("IssueCertificate")
    issued = [module_runner(acmpca_certificate, aws(moto, ca_arn, csr=csr, validity_days=30)) for csr in csrs]
    assert [result["changed"] for result in issued] == [True, True]
    assert moto.calls("IssueCertificate") - before == 2, "exactly one IssueCertificate per certificate needed"

    root = tmp_path / "root.pem"
    root.write_text(module_runner(acmpca_certificate_authority_info, aws(moto, ca_arn))["trust_bundle"])
    for index, result in enumerate(issued):
        leaf = tmp_path / ("leaf%d.pem" % index)
        leaf.write_text(result["certificate"])
        verified = subprocess.run(["openssl", "verify", "-CAfile", str(root), str(leaf)], capture_output=True, text=True,
                                  check=False)
        assert verified.returncode == 0, verified.stdout + verified.stderr

    reruns = [module_runner(acmpca_certificate, aws(moto, ca_arn, csr=csr, validity_days=30,
                                                    current_certificate=result["certificate"]))
              for csr, result in zip(csrs, issued)]
    assert [result["changed"] for result in reruns] == [False, False]
    assert [result["serial"] for result in reruns] == [result["serial"] for result in issued]
    assert moto.calls("IssueCertificate") - before == 2, "a re-run with nothing due must buy nothing"


def test_check_mode_calls_no_issuance(moto, ca_arn, module_runner):
    before = moto.calls("IssueCertificate")
    planned = module_runner(acmpca_certificate, aws(moto, ca_arn, csr=make_csr("plan.example.internal")), check_mode=True)
    assert planned["changed"] is True and planned["certificate"] is None
    assert moto.calls("IssueCertificate") == before


def test_revoke_by_current_certificate(moto, ca_arn, module_runner):
    issued = module_runner(acmpca_certificate, aws(moto, ca_arn, csr=make_csr("gone.example.internal"), validity_days=30))
    revoked = module_runner(acmpca_certificate, aws(moto, ca_arn, state="revoked", revocation_reason="SUPERSEDED",
                                                    current_certificate=issued["certificate"]))
    assert revoked["changed"] is True and revoked["serial"] == issued["serial"]
    assert moto.calls("RevokeCertificate") >= 1


def test_a_throttled_batch_buys_exactly_one_certificate_per_request_each_for_its_own_key(moto, ca_arn, module_runner):
    keys = [ec.generate_private_key(ec.SECP256R1()) for _index in range(6)]
    names = ["host-%d.example.internal" % index for index in range(6)]
    requests = [dict(csr=make_csr(name, key), requester="host-%d/web" % index, common_name=name,
                     subject_alt_names=["DNS:" + name])
                for index, (name, key) in enumerate(zip(names, keys))]
    proxy = ThrottlingProxy(moto.url, "IssueCertificate", throttle=4)
    before = moto.calls("IssueCertificate")
    try:
        result = module_runner(acmpca_certificate, dict(aws(moto, ca_arn, validity_days=30, max_concurrency=3,
                                                            requests=requests), endpoint_url=proxy.url))
    finally:
        proxy.stop()
    assert result["changed"] is True and not result.get("failed"), result
    assert proxy.throttled == 4, "the proxy throttled the first IssueCertificate calls"
    assert moto.calls("IssueCertificate") - before == 6, "exactly one purchase per certificate, throttled or not"
    for key, name, entry in zip(keys, names, result["certificates"]):
        leaf = x509.load_pem_x509_certificate(entry["certificate"].encode())
        assert leaf.public_key().public_numbers() == key.public_key().public_numbers(), entry["requester"]
        assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == name
