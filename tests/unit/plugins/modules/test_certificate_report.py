"""certificate_report over certificates installed by certificate_deploy in a temporary
directory, a TLS server in the test process, and trust bundle files."""

import datetime
import os

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from prometheus_client.parser import text_string_to_metric_families

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_builder import build_certificate
from ansible_collections.certfleet.pki.plugins.module_utils._host_report import key_weakness
from ansible_collections.certfleet.pki.plugins.module_utils._signers import SoftwareSigner
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import to_pem
from ansible_collections.certfleet.pki.plugins.modules import certificate_deploy, certificate_report

from helpers.keys import write_key
from helpers.software_ca import name
from helpers.tls_server import NAME

NOW = datetime.datetime.now(datetime.timezone.utc)
CA_KEY = ec.generate_private_key(ec.SECP256R1())
CA = build_certificate(SoftwareSigner(CA_KEY), "root_ca", name("Root"), CA_KEY.public_key(), validity_days=3650)[0]
SANS = ["DNS:web-1"]


def leaf(key, days=90, sans=("web-1",), issuer=(CA_KEY, CA)):
    return to_pem(build_certificate(SoftwareSigner(issuer[0]), "server", name("web-1"), key.public_key(),
                                    issuer[1], [x509.DNSName(s) for s in sans], validity_days=days)[0])


@pytest.fixture
def host(tmp_path, module_runner):
    def install(certificate_name, certificate, key, chain=None):
        result = module_runner(certificate_deploy, dict(path=str(tmp_path / certificate_name), certificate=certificate,
                                                        chain=chain or to_pem(CA),
                                                        key_src=write_key(tmp_path, certificate_name + ".key", key)))
        assert result["changed"], result

    def report(check_mode=False, **args):
        args = dict(dict(base_path=str(tmp_path), host="web-1", jitter=0, certificates=[]), **args)
        return module_runner(certificate_report, args, check_mode=check_mode)
    return dict(install=install, report=report, tmp=tmp_path)


def declared(certificate_name="web", **change):
    return dict(dict(name=certificate_name, issuer="hsm", common_name="web-1", subject_alt_names=SANS,
                     key={"type": "ec", "curve": "secp256r1"}, renew_before="30d", ca_certificate=to_pem(CA)), **change)


def test_a_fitting_certificate_reports_its_state_and_nothing_wrong(host):
    key = ec.generate_private_key(ec.SECP256R1())
    host["install"]("web", leaf(key), key)
    result = host["report"](certificates=[declared()])
    [entry] = result["certificates"]
    assert result["changed"] is False and result["metrics_path"] is None
    assert entry["present"] and entry["key_matches"] and entry["sans_match"] and entry["expired"] is False
    assert entry["in_renewal_window"] is False and entry["weak_key"] is None and entry["cas_expiring_first"] == []
    assert entry["key_type"] == "EC secp256r1" and entry["issuer_name"] == "hsm"
    assert [ca["subject"] for ca in entry["cas"]] == ["CN=Root"]


def test_each_problem_of_a_certificate_is_reported(host):
    key = ec.generate_private_key(ec.SECP256R1())
    host["install"]("window", leaf(key, days=20), key)
    host["install"]("names", leaf(key, sans=("web-1", "old.example.internal")), key)
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    host["install"]("weak", leaf(weak), weak)
    # The CA certificate in the chain was re-issued for the same key with 10 days left; the
    # 90-day leaf was signed under its earlier, longer one.
    intermediate_key = ec.generate_private_key(ec.SECP256R1())
    long_lived, short_lived = (build_certificate(SoftwareSigner(CA_KEY), "subordinate_ca", name("Sub"),
                                                 intermediate_key.public_key(), CA, validity_days=days)[0]
                               for days in (1000, 10))
    host["install"]("short-ca", leaf(key, issuer=(intermediate_key, long_lived)), key,
                    chain=to_pem(short_lived) + to_pem(CA))
    intermediate = short_lived
    result = host["report"](certificates=[declared("window"), declared("names"), declared("weak", key={"type": "rsa", "size": 1024}),
                                          declared("short-ca", ca_certificate=to_pem(intermediate)), declared("missing")])
    entries = dict((entry["name"], entry) for entry in result["certificates"])
    assert entries["window"]["in_renewal_window"] and entries["window"]["needs_renewal"]
    assert entries["names"]["sans_match"] is False
    assert entries["names"]["subject_alt_names"] == ["DNS:web-1", "DNS:old.example.internal"]
    assert entries["weak"]["weak_key"] == "RSA key of 1024 bits (at least 2048)"
    assert [ca["subject"] for ca in entries["short-ca"]["cas_expiring_first"]] == ["CN=Sub"]
    assert entries["missing"]["present"] is False and entries["missing"]["key_matches"] is None


def test_a_sha1_signature_is_weak():
    # cryptography no longer signs with SHA-1: the rule is checked on a certificate's stand-in.
    class Sha1Signed:
        signature_hash_algorithm = hashes.SHA1()

        @staticmethod
        def public_key():
            return CA_KEY.public_key()
    assert key_weakness(Sha1Signed()) == "signed with SHA1"


def test_sites_report_what_they_serve_and_whether_the_chain_verifies(host, pki):
    site = dict(name="www", server="nginx", certificate="web", address="127.0.0.1", port=pki["server"].port,
                server_name=NAME, ca_file=str(pki["tmp"] / "root.pem"))
    old = dict(site, certificate_dir=str(pki["tmp"] / "old-dir"))
    (pki["tmp"] / "old-dir" / "current").mkdir(parents=True)
    (pki["tmp"] / "old-dir" / "current" / "cert.pem").write_text(open(pki["certificates"]["old"]).read())
    (pki["tmp"] / "new-dir" / "current").mkdir(parents=True)
    (pki["tmp"] / "new-dir" / "current" / "cert.pem").write_text(open(pki["certificates"]["new"]).read())
    untrusted = dict(old, name="untrusted", ca_file=str(pki["tmp"] / "other-root.pem"))
    closed = dict(old, name="closed", port=1)
    result = host["report"](sites=[old, dict(site, name="new", certificate_dir=str(pki["tmp"] / "new-dir")), untrusted, closed])
    by_name = dict((entry["name"], entry) for entry in result["sites"])
    assert by_name["www"]["serving"] and by_name["www"]["chain_verifies"] and by_name["www"]["error"] is None
    assert by_name["new"]["serving"] is False and by_name["new"]["served"]["serial"] == by_name["www"]["installed"]["serial"]
    assert by_name["untrusted"]["chain_verifies"] is False and by_name["untrusted"]["chain_error"]
    assert by_name["closed"]["error"] and by_name["closed"]["served"] is None


def test_trust_bundles_report_each_ca_and_which_expired(host):
    expired_key = ec.generate_private_key(ec.SECP256R1())
    expired = build_certificate(SoftwareSigner(expired_key), "root_ca", name("Old"), expired_key.public_key(),
                                validity_days=1, now=NOW - datetime.timedelta(days=5))[0]
    bundle = host["tmp"] / "bundle.pem"
    bundle.write_text(to_pem(CA) + to_pem(expired))
    (host["tmp"] / "broken.pem").write_text("not a certificate")
    result = host["report"](trust_bundles=[str(bundle), str(host["tmp"] / "broken.pem"), str(host["tmp"] / "absent.pem")])
    assert [(ca["subject"], ca["expired"]) for ca in result["trust"][:2]] == [("CN=Root", False), ("CN=Old", True)]
    assert result["trust"][2]["error"] and len(result["trust"]) == 3


def test_metrics_are_written_once_and_parse(host):
    key = ec.generate_private_key(ec.SECP256R1())
    host["install"]("web", leaf(key), key)
    metrics = str(host["tmp"] / "prom" / "certfleet.prom")
    checked = host["report"](check_mode=True, certificates=[declared()], metrics_path=metrics)
    assert checked["changed"] is True
    assert not os.path.exists(metrics), "check mode writes nothing"
    first = host["report"](certificates=[declared()], metrics_path=metrics)
    again = host["report"](certificates=[declared()], metrics_path=metrics)
    assert first["changed"] is True and again["changed"] is False
    assert oct(os.stat(metrics).st_mode & 0o777) == "0o644"
    families = dict((f.name, f) for f in text_string_to_metric_families(open(metrics).read()))
    [sample] = families["certfleet_certificate_not_after_seconds"].samples
    not_after = datetime.datetime.fromisoformat(first["certificates"][0]["not_after"])
    assert sample.value == not_after.timestamp()
    assert sample.labels == {"name": "web", "issuer": "hsm", "serial": first["certificates"][0]["serial"]}
    assert families["certfleet_certificate_present"].samples[0].value == 1


def test_an_invalid_declaration_is_refused_naming_it(host):
    result = host["report"](certificates=[declared(renew_before="soon")])
    assert result["failed"] and "soon" in result["msg"]
