"""The SSM path: a lab host runs the exact script of the SSM Command document (connection
local, issuance on the host) against a moto server standing in for ACM Private CA. It
installs Ansible and the collection, renews and deploys; the second run changes nothing and
calls no CA.

What stands in for AWS: environment credentials instead of the instance role, and
AWS_ENDPOINT_URL pointing botocore at moto. Everything else is the document's own script."""

import os
import subprocess

import pytest
import yaml

from helpers.paths import REPO
from helpers.lab_fleet import play_recap
from helpers.ssm_document import load_document, render_script

HOST = "ssm-1"
# What the instance holds besides its own files: the collection artifact and the script.
ON_HOST = "/root/certfleet-ssm"
ARTIFACTS = "/opt/certfleet/artifacts"


def declaration(address):
    """Served by the web_tls role (not a consumer handler), as docs/web_tls.md recommends, on
    the instance's own address (lab hosts share the loopback network: a wildcard listener
    would clash with other labs'); the served chain is checked against the CA that chain.pem
    holds (moto's root)."""
    return {"certfleet_certificates": [
        {"name": "web", "issuer": "acmpca", "common_name": HOST + ".example.internal",
         "validity_days": 30, "group": "www-data"}],
        "certfleet_nginx_sites": [{"name": "www", "certificate": "web", "server_names": [HOST + ".example.internal"],
                                   "listen_address": address}],
        "certfleet_tls_trust_anchor": "/etc/certfleet/certs/web/current/chain.pem"}


@pytest.fixture(scope="module")
def instance(lab_factory, moto, ca_arn, tmp_path_factory):
    work = tmp_path_factory.mktemp("ssm")
    build = subprocess.run(["ansible-galaxy", "collection", "build", "--output-path", str(work), REPO],
                           capture_output=True, text=True, check=False)
    assert build.returncode == 0, build.stderr
    (artifact,) = [name for name in os.listdir(str(work)) if name.endswith(".tar.gz")]
    lab = lab_factory("pytest-ssm", ["%s:nginx" % HOST])
    lab.ssh(HOST, "mkdir -p /etc/certfleet %s && cat > /etc/certfleet/certfleet.yml <<'EOF'\n%s\nEOF"
            % (ON_HOST, yaml.safe_dump(declaration(lab.hosts[HOST]["address"]))))
    # Where the document takes a tarball from: root's artifacts directory (its allowedPattern).
    lab.ssh(HOST, "mkdir -p %s" % ARTIFACTS)
    lab.copy(HOST, str(work / artifact), ARTIFACTS + "/" + artifact)
    # Issuing the CA's own certificate was one IssueCertificate: count from here.
    return dict(lab=lab, work=work, collection=ARTIFACTS + "/" + artifact, ca_arn=ca_arn,
                issued_before=moto.calls("IssueCertificate"))


def run_document(instance, moto, ca_arn, **parameters):
    parameters = dict({"CertificateAuthorityArn": ca_arn, "Region": "eu-west-1",
                       "CollectionSource": instance["collection"]}, **parameters)
    script = instance["work"] / "run-command.sh"
    script.write_text(render_script(load_document(), parameters))
    instance["lab"].copy(HOST, str(script), ON_HOST + "/run-command.sh")
    aws = "AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_ENDPOINT_URL=%s" % moto.url
    return instance["lab"].ssh(HOST, "env %s bash %s/run-command.sh" % (aws, ON_HOST), check=False, timeout=600)


def issued(instance, moto):
    return moto.calls("IssueCertificate") - instance["issued_before"]


def deployed_serial(instance):
    return instance["lab"].ssh(
        HOST, "openssl x509 -noout -serial -in /etc/certfleet/certs/web/current/cert.pem").stdout.strip()


def test_install_renew_and_deploy_then_nothing(instance, moto, ca_arn):
    first = run_document(instance, moto, ca_arn)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    assert play_recap(first.stdout)["localhost"][0] > 0
    assert issued(instance, moto) == 1
    subjects = dict((name, [line for line in instance["lab"].ssh(
        HOST, "openssl crl2pkcs7 -nocrl -certfile /etc/certfleet/certs/web/current/%s | openssl pkcs7 -print_certs -noout"
        % name).stdout.replace(" = ", "=").splitlines() if line.startswith("subject=")]) for name in ("fullchain.pem", "chain.pem"))
    # What the server sends is the leaf (moto's root signed it directly); chain.pem keeps the root.
    assert subjects == {"fullchain.pem": ["subject=CN=ssm-1.example.internal"], "chain.pem": ["subject=O=certfleet, CN=Moto Root"]}
    key_mode = instance["lab"].ssh(HOST, "stat -c '%a %G' /etc/certfleet/certs/web/current/key.pem").stdout.split()
    assert key_mode == ["640", "www-data"]

    second = run_document(instance, moto, ca_arn)
    assert second.returncode == 0, second.stdout[-4000:]
    assert play_recap(second.stdout)["localhost"] == (0, 0)
    assert issued(instance, moto) == 1


def test_check_mode_reports_a_forced_renewal_and_changes_nothing(instance, moto, ca_arn):
    before = deployed_serial(instance)
    planned = run_document(instance, moto, ca_arn, Check="True", ForceRenew="web", InstallDependencies="False")
    assert planned.returncode == 0, planned.stdout[-4000:]
    assert "web: forced" in planned.stdout
    assert deployed_serial(instance) == before
    assert issued(instance, moto) == 1


def test_forced_renewal_replaces_the_certificate(instance, moto, ca_arn):
    before = deployed_serial(instance)
    renewed = run_document(instance, moto, ca_arn, ForceRenew="web", InstallDependencies="False")
    assert renewed.returncode == 0, renewed.stdout[-4000:]
    assert deployed_serial(instance) != before
    assert issued(instance, moto) == 2


def served_serial(instance):
    return instance["lab"].ssh(HOST, "openssl s_client -connect %s:443 -servername %s.example.internal "
                                     "</dev/null 2>/dev/null | openssl x509 -noout -serial"
                               % (instance["lab"].hosts[HOST]["address"], HOST)).stdout.strip()


def test_revoke_replaces_serves_then_revokes_the_old_serial(instance, moto):
    assert served_serial(instance) == deployed_serial(instance)
    before = deployed_serial(instance).split("=")[1].lower()
    revoke = instance["lab"].ssh(HOST, " ".join([
        "env AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_ENDPOINT_URL=%s AWS_REGION=eu-west-1" % moto.url,
        "ANSIBLE_COLLECTIONS_PATH=/opt/certfleet/collections",
        "/opt/certfleet/venv/bin/ansible-playbook -i localhost, -c local",
        "-e ansible_python_interpreter=/opt/certfleet/venv/bin/python -e certfleet_issue_on_host=true",
        "-e @/etc/certfleet/certfleet.yml -e certfleet_revoke=web -e certfleet_revocation_reason=KEY_COMPROMISE",
        "-e '{\"certfleet_issuers\": {\"acmpca\": {\"provider\": \"acmpca\", \"certificate_authority_arn\": \"%s\"}}}'"
        % instance["ca_arn"],
        "certfleet.pki.revoke"]), check=False, timeout=300)
    assert revoke.returncode == 0, revoke.stdout[-4000:]
    assert deployed_serial(instance).split("=")[1].lower() != before
    # Revoked only after nginx serves the replacement: it never serves a revoked certificate.
    assert served_serial(instance) == deployed_serial(instance)
    (request,) = moto.requests("RevokeCertificate")
    assert request["CertificateSerial"].replace(":", "").lower().lstrip("0") == before.lstrip("0")
    assert request["RevocationReason"] == "KEY_COMPROMISE"
