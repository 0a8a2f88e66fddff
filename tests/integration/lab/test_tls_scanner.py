"""What an independent TLS scanner (sslyze, in .venv-scanner) says of the sites web_tls serves:
one nginx and one Apache site pass Mozilla's intermediate configuration check, and its modern
check with the modern profile; the check fails once a server's curves directive is removed;
and neither server sends the root CA."""

import json
import os
import subprocess

import pytest

from helpers.paths import REPO

SITE = os.path.join(REPO, "playbooks", "site.yml")
SCANNER = os.path.join(REPO, ".venv-scanner", "bin", "python")
HOSTS = {"scan-ng": "/etc/nginx/conf.d/certfleet.conf", "scan-ap": "/etc/apache2/sites-available/certfleet.conf"}
# An ECDSA P-256 key, a DNS name, and a lifetime the modern profile accepts (at most 90 days).
CERTIFICATES = [{"name": "web", "issuer": "hsm", "common_name": "{{ inventory_hostname }}.example.internal",
                 "validity_days": 60}]
SITE_OF_HOST = ("[{'name': 'www', 'certificate': 'web', 'server_names': [inventory_hostname ~ '.example.internal'], "
                "'listen_address': ansible_host, 'hsts': true}]")
SITES = json.dumps({
    "certfleet_nginx_sites": "{{ %s if inventory_hostname == 'scan-ng' else [] }}" % SITE_OF_HOST,
    "certfleet_apache_sites": "{{ %s if inventory_hostname == 'scan-ap' else [] }}" % SITE_OF_HOST,
    "certfleet_tls_trust_anchor": "/etc/certfleet/certs/web/current/chain.pem",
})
CURVE_DIRECTIVES = r"/ssl_ecdh_curve\|SSLOpenSSLConfCmd Curves/d"
RELOAD = {"scan-ng": "service nginx reload", "scan-ap": "service apache2 reload"}


@pytest.fixture(scope="module")
def fleet(lab_factory, hsm_ca, tmp_path_factory):
    if not os.path.exists(SCANNER):
        pytest.fail("the TLS scanner is missing: run `make setup` (it installs .venv-scanner)")
    directory = tmp_path_factory.mktemp("tls-scanner")
    lab = lab_factory("pytest-tls-scanner", ["scan-ng:nginx", "scan-ap:apache"], inventory=str(directory / "inventory.yml"))
    root = directory / "root.pem"
    root.write_text(hsm_ca.root_pem)
    return dict(lab=lab, inventory=str(directory / "inventory.yml"), vars=hsm_ca.role_vars(CERTIFICATES),
                env=hsm_ca.env, root=str(root), directory=directory)


def site(fleet, *extra):
    run = subprocess.run(["ansible-playbook", "-i", fleet["inventory"], SITE, "-e", "@" + fleet["vars"], "-e", SITES,
                          *extra], env=fleet["env"], capture_output=True, text=True, check=False, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


def scan(fleet, host, profile):
    """(whether sslyze found the site compliant with Mozilla's profile, its output, its JSON report)."""
    report = fleet["directory"] / ("%s-%s.json" % (host, profile))
    target = "%s.example.internal:443{%s}" % (host, fleet["lab"].hosts[host]["address"])
    run = subprocess.run([SCANNER, "-m", "sslyze", "--mozilla_config=%s" % profile, "--certinfo_ca_file", fleet["root"],
                          "--json_out", str(report), target], capture_output=True, text=True, check=False, timeout=300)
    return run.returncode == 0, run.stdout + run.stderr, json.loads(report.read_text())


def deployments(report):
    return report["server_scan_results"][0]["scan_result"]["certificate_info"]["result"]["certificate_deployments"]


@pytest.mark.parametrize("host", sorted(HOSTS))
def test_the_intermediate_profile_passes_the_scanner_and_no_root_is_sent(fleet, host):
    site(fleet)
    compliant, output, report = scan(fleet, host, "intermediate")
    assert compliant, output[-3000:]
    deployment = deployments(report)[0]
    assert len(deployment["received_certificate_chain"]) == 1  # the leaf: the HSM root signed it directly
    assert deployment["received_chain_contains_anchor_certificate"] is False


@pytest.mark.parametrize("host", sorted(HOSTS))
def test_without_the_curves_directive_the_scanner_fails(fleet, host):
    fleet["lab"].ssh(host, "sed -i '%s' %s && %s" % (CURVE_DIRECTIVES, HOSTS[host], RELOAD[host]))
    compliant, output, _report = scan(fleet, host, "intermediate")
    assert not compliant and "tls_curves" in output, output[-3000:]


@pytest.mark.parametrize("host", sorted(HOSTS))
def test_the_modern_profile_passes_the_modern_check(fleet, host):
    site(fleet, "-e", "certfleet_tls_profile=modern")  # rewrites what the test before removed
    compliant, output, _report = scan(fleet, host, "modern")
    assert compliant, output[-3000:]
