"""A compromised host cannot steer the controller (issue 28). The real playbooks run against a
fleet of local-connection hosts, the first of which lies: its Python rewrites what certfleet
modules return (facts injected, a CSR replaced by a path or a malformed or weak one, another
host's certificate reported for revocation, a malformed report). Each test plays one attack:
nothing runs on the controller, nothing is signed for another name, nothing is revoked that
the host does not own, and the other hosts are served and reported. ACM Private CA is a moto
server; the attacks on facts run on Ansible's old default (facts injected as variables)."""

import base64
import json
import os

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from helpers.lab_fleet import play_recap
from helpers.lying_host import LyingFleet
from helpers.paths import REPO

PLAYBOOKS = os.path.join(REPO, "playbooks")
AWS_ENV = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "eu-west-1"}
# key_reuse: each forced renewal keeps the key, so a host's store holds several certificates
# of one key, all of which a revocation of that key must reach.
CERTIFICATE = {"name": "web", "issuer": "pca", "common_name": "{{ inventory_hostname }}.example.internal",
               "key_reuse": True}


@pytest.fixture(scope="module")
def fleet(moto, ca_arn, tmp_path_factory):
    for name, value in AWS_ENV.items():
        os.environ.setdefault(name, value)
    ca_pem = moto.client().get_certificate_authority_certificate(CertificateAuthorityArn=ca_arn)["Certificate"]
    issuers = {"pca": {"provider": "acmpca", "certificate_authority_arn": ca_arn, "region": "eu-west-1",
                       "endpoint_url": moto.url}}
    directory = tmp_path_factory.mktemp("lying")
    # The liar keeps an application CA bundle: a module runs on it (and lies) before the
    # certificate role plans, as the trust_store role does in site.yml.
    liar_vars = {"certfleet_trust_bundles": [{"path": str(directory / "liar" / "bundle.pem"), "certificates": [ca_pem]}]}
    fleet = LyingFleet(directory, {"certfleet_issuers": issuers, "certfleet_certificates": [CERTIFICATE]},
                       liar_vars=liar_vars)
    fleet.issuers = issuers
    return fleet


def names_of(pem):
    certificate = x509.load_pem_x509_certificate(pem.encode())
    return sorted(n.value for n in certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)


def serial_of(pem):
    return "%x" % x509.load_pem_x509_certificate(pem.encode()).serial_number


def stored_certificates(fleet, host, name="web"):
    """Every version's certificate (PEM) in ``host``'s store."""
    directory = os.path.join(fleet.path(host, "certs"), name)
    return [open(os.path.join(directory, version, "cert.pem")).read() for version in sorted(os.listdir(directory))
            if not version.startswith(".") and version != "current"]


def same_key(pem, other_pem):
    keys = [x509.load_pem_x509_certificate(text.encode()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) for text in (pem, other_pem)]
    return keys[0] == keys[1]


def issued_csrs(moto):
    """The CSRs (PEM) of every IssueCertificate request moto received."""
    return [base64.b64decode(body["Csr"]).decode() for body in moto.requests("IssueCertificate")]


def csr(common_name, key, repeat_san=False):
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
    san = x509.SubjectAlternativeName([x509.DNSName(common_name)])
    request = builder.add_extension(san, critical=False).sign(key, hashes.SHA256())
    pem = request.public_bytes(serialization.Encoding.PEM).decode()
    return _repeat_san(pem, key) if repeat_san else pem


def _repeat_san(pem, key):
    """The same CSR with its SAN extension twice (cryptography raises DuplicateExtension on
    reading it), signed again by ``key``."""
    from asn1crypto import csr as asn1_csr
    request = asn1_csr.CertificationRequest.load(x509.load_pem_x509_csr(pem.encode()).public_bytes(serialization.Encoding.DER))
    info = request["certification_request_info"]
    extensions = info["attributes"][0]["values"][0]
    extensions.append(extensions[0].copy())
    info = asn1_csr.CertificationRequestInfo.load(info.dump(force=True))
    der = asn1_csr.CertificationRequest({"certification_request_info": info,
                                         "signature_algorithm": request["signature_algorithm"],
                                         "signature": key.sign(info.dump(), ec.ECDSA(hashes.SHA256()))}).dump()
    body = base64.b64encode(der).decode()
    return "-----BEGIN CERTIFICATE REQUEST-----\n%s\n-----END CERTIFICATE REQUEST-----\n" % "\n".join(
        body[i:i + 64] for i in range(0, len(body), 64))


@pytest.mark.parametrize("environment", ["command", "settings"])
def test_injected_facts_run_nothing_on_the_controller_and_get_no_certificate_for_another_name(fleet, moto, tmp_path,
                                                                                              environment):
    """An environment name that a shell would run, or one that only swaps the issuer's settings:
    either way the host is refused for the facts it carries, nothing runs or is signed for the
    liar, and the others are served."""
    marker = tmp_path / "ran-on-the-controller"
    injected = {"X=1 ; touch %s ; Y" % marker: "1"} if environment == "command" else {"AWS_CONFIG_FILE": str(marker)}
    hostile_issuers = {"pca": dict(fleet.issuers["pca"], environment=injected)}
    stolen = [dict(CERTIFICATE, common_name="honest-1.example.internal")]
    fleet.lie({"facts": {"certfleet_issuers": hostile_issuers, "certfleet_certificates": stolen}})
    before = len(issued_csrs(moto))
    run = fleet.playbook(os.path.join(PLAYBOOKS, "site.yml"), "-e", '{"certfleet_force_renew": ["web"]}',
                         inject_facts=True)
    fleet.lie({})
    assert not marker.exists(), "an injected environment ran a command on the controller"
    recap = play_recap(run.stdout)
    assert recap["liar"][1] == 1 and recap["honest-1"][1] == 0 and recap["honest-2"][1] == 0, run.stdout[-3000:]
    # The first answer the liar sends back (its observation) carries the facts, and it is refused
    # for them right there, before any task reads an issuer's environment. (The environment-name
    # check behind it is proven in tests/unit/plugins/module_utils/test_names.py.)
    assert "liar: refused: its facts carry certfleet_certificates, certfleet_issuers" in run.stdout
    for host in ("honest-1", "honest-2"):
        assert names_of(fleet.installed(host)) == ["%s.example.internal" % host]
    assert fleet.installed("liar") is None
    signed = [x509.load_pem_x509_csr(pem.encode()).subject.rfc4514_string() for pem in issued_csrs(moto)[before:]]
    assert sorted(signed) == ["CN=honest-1.example.internal", "CN=honest-2.example.internal"]


@pytest.mark.parametrize("lie, refusal", [
    ("path", "csr must be PEM content starting with -----BEGIN CERTIFICATE REQUEST----- (a file path is not read)"),
    ("duplicate_san", "cannot be signed: DuplicateExtension"),
    ("weak_key", "the CSR's key is RSA 1024, the declaration says EC secp256r1; nothing was signed"),
])
def test_a_bad_csr_fails_its_host_alone_and_the_batch_is_signed(fleet, moto, tmp_path, lie, refusal):
    own_names = "liar.example.internal"
    if lie == "path":  # a valid CSR for the liar's own names, lying on the controller
        path = tmp_path / "controller-side.csr"
        path.write_text(csr(own_names, ec.generate_private_key(ec.SECP256R1())))
        value = str(path)
    elif lie == "duplicate_san":
        value = csr(own_names, ec.generate_private_key(ec.SECP256R1()), repeat_san=True)
    else:
        value = csr(own_names, rsa.generate_private_key(public_exponent=65537, key_size=1024))
    fleet.lie({"patch": {"certificate_requests": [["requests.*.csr", value]]}})
    before = len(issued_csrs(moto))
    serials = dict((host, fleet.installed(host) and serial_of(fleet.installed(host))) for host in ("honest-1", "honest-2"))
    run = fleet.playbook(os.path.join(PLAYBOOKS, "site.yml"), "-e", '{"certfleet_force_renew": ["web"]}')
    fleet.lie({})
    recap = play_recap(run.stdout)
    assert recap["liar"][1] == 1 and recap["honest-1"][1] == 0 and recap["honest-2"][1] == 0, run.stdout[-3000:]
    assert "liar/web: %s" % refusal in run.stdout
    for host in ("honest-1", "honest-2"):  # renewed, each for its own name
        assert serial_of(fleet.installed(host)) != serials[host]
        assert names_of(fleet.installed(host)) == ["%s.example.internal" % host]
    assert [pem for pem in issued_csrs(moto)[before:] if own_names in pem or "liar" in pem] == []
    assert len(issued_csrs(moto)) - before == 2


def test_a_malformed_status_fails_its_host_alone_and_the_batch_is_signed(fleet, moto):
    # The status arrives in the host's observation under site.yml, and from certificate_status
    # when the role runs on its own: the liar patches both.
    fleet.lie({"patch": {"host_observation": [["certificates.due", 5]], "certificate_status": [["due", 5]]}})
    serials = dict((host, fleet.installed(host) and serial_of(fleet.installed(host))) for host in ("honest-1", "honest-2"))
    run = fleet.playbook(os.path.join(PLAYBOOKS, "site.yml"), "-e", '{"certfleet_force_renew": ["web"]}')
    fleet.lie({})
    recap = play_recap(run.stdout)
    assert recap["liar"][1] == 1 and recap["honest-1"][1] == 0 and recap["honest-2"][1] == 0, run.stdout[-3000:]
    assert "liar: refused: its certificate_status result: due 5 must be a list of its declared certificate names" in run.stdout
    assert [serial_of(fleet.installed(host)) != serials[host] for host in ("honest-1", "honest-2")] == [True, True]


def test_a_host_cannot_have_another_hosts_certificate_revoked(fleet, moto):
    run = fleet.playbook(os.path.join(PLAYBOOKS, "site.yml"))
    assert play_recap(run.stdout)["liar"][1] == 0, run.stdout[-3000:]  # the liar holds its own certificate now
    victim = fleet.installed("honest-1")
    fleet.lie({"patch": {"certificate_status": [["certificates.*.certificates_of_key", [victim]],
                                                ["certificates.*.serial", serial_of(victim)]]}})
    run = fleet.playbook(os.path.join(PLAYBOOKS, "revoke.yml"), "--limit", "liar", "-e", "certfleet_revoke=web")
    fleet.lie({})
    assert "it is not this host's certificate, nothing was revoked" in run.stdout, run.stdout[-3000:]
    revoked = [body["CertificateSerial"].replace(":", "").lower() for body in moto.requests("RevokeCertificate")]
    assert serial_of(victim).zfill(len(serial_of(victim)) + len(serial_of(victim)) % 2) not in revoked
    # The same runbook on an honest host revokes every certificate of the key it replaced (issue
    # 29, defect 4: the versions a reused key renewed into too), and nothing else.
    own = fleet.installed("honest-2")
    of_key = sorted(serial_of(pem).lstrip("0") for pem in stored_certificates(fleet, "honest-2")
                    if same_key(pem, own))
    assert len(of_key) >= 2, "the earlier forced renewals kept the key"
    before = len(moto.requests("RevokeCertificate"))
    run = fleet.playbook(os.path.join(PLAYBOOKS, "revoke.yml"), "--limit", "honest-2", "-e", "certfleet_revoke=web")
    assert play_recap(run.stdout)["honest-2"][1] == 0, run.stdout[-3000:]
    revoked = sorted(body["CertificateSerial"].replace(":", "").lower().lstrip("0")
                     for body in moto.requests("RevokeCertificate")[before:])
    assert revoked == of_key and not same_key(fleet.installed("honest-2"), own)


def test_a_malformed_report_result_fails_that_host_and_the_report_is_written(fleet, tmp_path):
    fleet.lie({"patch": {"certificate_report": [["certificates.0.not_after", "yesterday"], ["sites", "none"]]}})
    run = fleet.playbook(os.path.join(PLAYBOOKS, "report.yml"), "-e", "certfleet_report_dir=%s" % tmp_path)
    fleet.lie({})
    assert play_recap(run.stdout)["honest-1"][1] == 0, run.stdout[-3000:]
    report = json.load(open(str(tmp_path / "certfleet-report.json")))
    refused = [(item["kind"], item["host"]) for item in report["attention"]]
    assert refused == [("report_refused", "liar")]
    assert "certificates[0].not_after 'yesterday'" in report["attention"][0]["message"]
    assert sorted(host["name"] for host in report["hosts"] if host["reached"]) == ["honest-1", "honest-2"]
