"""Trust boundaries on lab hosts: a host that tampers with its CSR is refused for itself
only, before any call to the CA; declarations that would inject configuration are refused
before any file is written."""

import json
import os
import subprocess

import pytest

from helpers.paths import REPO
from helpers.lab_fleet import play_recap

SITE = os.path.join(REPO, "playbooks", "site.yml")
# Root on tamper-1 changes every CSR its Python builds: one more SAN, another team's name.
TAMPER = r'''
import sys
sys.path.append("/usr/lib/python3/dist-packages")  # .pth lines run before Debian's path is in
import cryptography.x509 as x509
_add_extension = x509.CertificateSigningRequestBuilder.add_extension
def _tampered(self, extension, critical):
    if isinstance(extension, x509.SubjectAlternativeName):
        extension = x509.SubjectAlternativeName(list(extension) + [x509.DNSName("login.corp.internal")])
    return _add_extension(self, extension, critical)
x509.CertificateSigningRequestBuilder.add_extension = _tampered
'''


@pytest.fixture(scope="module")
def fleet(lab_factory, moto, ca_arn, tmp_path_factory):
    work = tmp_path_factory.mktemp("boundaries")
    inventory = str(work / "inventory.yml")
    lab = lab_factory("pytest-bounds", ["tamper-1:plain", "honest-1:nginx", "apache-1:apache"], inventory=inventory)
    site_packages = lab.ssh("tamper-1", "python3 -c 'import site; print(site.getsitepackages()[0])'").stdout.strip()
    assert site_packages.startswith("/usr/local/"), site_packages  # the host's own overlay, not the machine's
    # A .pth line that imports runs at every start of this host's Python (Debian's own
    # sitecustomize would shadow one of ours).
    lab.ssh("tamper-1", "mkdir -p %s && cat > %s/certfleet_tamper.py <<'EOF'\n%s\nEOF\necho 'import certfleet_tamper' > %s/certfleet_tamper.pth"
            % (site_packages, site_packages, TAMPER, site_packages))
    variables = work / "vars.json"
    variables.write_text(json.dumps({
        "certfleet_issuers": {"pca": {"provider": "acmpca", "certificate_authority_arn": ca_arn, "region": "eu-west-1",
                                      "endpoint_url": moto.url}},
        "certfleet_certificates": [{"name": "web", "issuer": "pca", "common_name": "{{ inventory_hostname }}.example.internal"}],
    }))
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", ANSIBLE_NOCOLOR="1")
    return dict(lab=lab, inventory=inventory, vars=str(variables), env=env)


def playbook(fleet, *extra, limit=None):
    command = ["ansible-playbook", "-i", fleet["inventory"], SITE, "-e", "@" + fleet["vars"], *extra]
    if limit:
        command += ["--limit", limit]
    return subprocess.run(command, env=fleet["env"], capture_output=True, text=True, check=False, timeout=600)


def test_a_tampered_csr_is_refused_for_that_host_only_and_buys_nothing(fleet, moto):
    issued_before = moto.calls("IssueCertificate")
    run = playbook(fleet, limit="tamper-1,honest-1")
    recap = play_recap(run.stdout)
    assert recap["tamper-1"][1] == 1 and recap["honest-1"][1] == 0, run.stdout[-3000:]
    assert "tamper-1/web: the CSR asks for DNS:login.corp.internal, which the declaration does not name; " \
           "nothing was signed" in run.stdout
    assert moto.calls("IssueCertificate") - issued_before == 1, "only honest-1's certificate was bought"
    assert fleet["lab"].ssh("tamper-1", "test -e /etc/certfleet/certs/web/current", check=False).returncode != 0
    assert fleet["lab"].ssh("tamper-1", "ls /etc/certfleet/staging/web").stdout.strip() == "", "no staged key is left"
    assert fleet["lab"].ssh("honest-1", "test -s /etc/certfleet/certs/web/current/cert.pem", check=False).returncode == 0


def config_snapshot(fleet, host, directory):
    return fleet["lab"].ssh(host, "find %s -type f -exec sha256sum {} + | sort" % directory).stdout


@pytest.mark.parametrize("host, group_var, config_dir, server_name", [
    ("honest-1", "certfleet_nginx_sites", "/etc/nginx",
     "y; location /leak/ { alias /etc/; autoindex on; } server_name z"),
    ("apache-1", "certfleet_apache_sites", "/etc/apache2",
     "y\n    Alias /leak /etc\n    <Directory /etc>\n    Require all granted\n    </Directory>\n    ServerAlias z"),
])
def test_injected_server_names_are_refused_before_any_file_is_written(fleet, host, group_var, config_dir, server_name):
    before = config_snapshot(fleet, host, config_dir)
    certificates_before = config_snapshot(fleet, host, "/etc/certfleet")
    sites = json.dumps({group_var: [{"name": "www", "certificate": "web", "server_names": [server_name]}]})
    run = playbook(fleet, "-e", sites, limit=host)
    assert run.returncode != 0
    assert "TLS site 'www': server_names entry" in run.stdout and "is not a DNS name" in run.stdout, run.stdout[-3000:]
    assert config_snapshot(fleet, host, config_dir) == before
    assert config_snapshot(fleet, host, "/etc/certfleet") == certificates_before
    leak = fleet["lab"].ssh(host, "curl -sk https://%s/leak/passwd" % fleet["lab"].hosts[host]["address"], check=False).stdout
    assert "root:x:0:0" not in leak


def test_a_ca_that_is_not_active_is_refused_before_any_host_work(fleet, moto, ca_arn):
    client = moto.client()
    issued_before = moto.calls("IssueCertificate")
    client.update_certificate_authority(CertificateAuthorityArn=ca_arn, Status="DISABLED")
    try:
        run = playbook(fleet, "-e", '{"certfleet_force_renew": ["web"]}', limit="honest-1")
    finally:
        client.update_certificate_authority(CertificateAuthorityArn=ca_arn, Status="ACTIVE")
    assert run.returncode != 0
    assert "issuer pca: CA %s is DISABLED, not ACTIVE; nothing was staged or signed on any host" % ca_arn in run.stdout, \
        run.stdout[-3000:]
    assert moto.calls("IssueCertificate") == issued_before
    assert fleet["lab"].ssh("honest-1", "find /etc/certfleet/staging -type f").stdout == ""


def test_an_unreachable_ca_is_refused_with_the_aws_error(fleet, moto):
    unknown = "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/00000000-0000-0000-0000-000000000000"
    issuers = {"certfleet_issuers": {"pca": {"provider": "acmpca", "certificate_authority_arn": unknown,
                                             "region": "eu-west-1", "endpoint_url": moto.url}},
               "certfleet_force_renew": ["web"]}
    issued_before = moto.calls("IssueCertificate")
    run = playbook(fleet, "-e", json.dumps(issuers), limit="honest-1")
    assert run.returncode != 0
    assert "issuer pca: Failed to describe CA %s" % unknown in run.stdout, run.stdout[-3000:]
    assert moto.calls("IssueCertificate") == issued_before


# Lab hosts share the machine's network: each site listens on its host's own address.
SITE_OF_HOST = "[{'name': 'www', 'certificate': 'web', 'server_names': [inventory_hostname ~ '.example.internal'], " \
               "'listen_address': ansible_host}]"
SERVED = json.dumps({
    "certfleet_nginx_sites": "{{ %s if inventory_hostname == 'honest-1' else [] }}" % SITE_OF_HOST,
    "certfleet_apache_sites": "{{ %s if inventory_hostname == 'apache-1' else [] }}" % SITE_OF_HOST,
    # moto's chain is its root alone: the served chain is checked against it.
    "certfleet_tls_trust_anchor": "/etc/certfleet/certs/web/current/chain.pem",
    "certfleet_keep_versions": 20,
})


def serving_current(fleet, host):
    """(served serial, current serial, whether current's key matches its certificate)."""
    served = fleet["lab"].served_serial(host, "%s.example.internal" % host)
    current = fleet["lab"].current_serial(host)
    matches = fleet["lab"].ssh(host, "cd /etc/certfleet/certs/web/current && test \"$(openssl x509 -noout -pubkey -in cert.pem)\""
                                     " = \"$(openssl pkey -pubout -in key.pem)\"", check=False).returncode == 0
    return served, current, matches


def test_two_concurrent_forced_rotations_of_served_certificates_both_succeed(fleet, moto):
    hosts = ["honest-1", "apache-1"]
    first = playbook(fleet, "-e", SERVED, limit=",".join(hosts))
    assert first.returncode == 0, first.stdout[-3000:]
    versions = dict((host, len(fleet["lab"].ssh(host, "ls /etc/certfleet/certs/web").stdout.split())) for host in hosts)
    issued_before = moto.calls("IssueCertificate")
    command = ["ansible-playbook", "-i", fleet["inventory"], SITE, "-e", "@" + fleet["vars"], "-e", SERVED,
               "-e", '{"certfleet_force_renew": ["web"]}', "--limit", ",".join(hosts)]
    runs = [subprocess.Popen(command, env=fleet["env"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _run in range(2)]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs[0][-3000:] + outputs[1][-3000:]
    # Each run bought one certificate per host, and every one of them was installed.
    assert moto.calls("IssueCertificate") - issued_before == 4
    for host in hosts:
        assert len(fleet["lab"].ssh(host, "ls /etc/certfleet/certs/web").stdout.split()) == versions[host] + 2
        served, current, matches = serving_current(fleet, host)
        assert served == current and matches, (host, served, current)
    again = playbook(fleet, "-e", SERVED, limit=",".join(hosts))
    assert all(play_recap(again.stdout)[host] == (0, 0) for host in hosts), again.stdout[-3000:]
