"""ACM private certificates on two nginx lab hosts: each host's certificate is requested from
a moto PCA, exported once and served; a second run makes no export and changes nothing;
after ACM renews one of them (simulated in moto's backend, which has no RenewCertificate)
the next run installs the renewed certificate on that host only, and nginx serves it. The
served chain is verified up to the PCA's root (the moto server signs ACM private
certificates with their PCA, as ACM does; see helpers/acm.py)."""

import json
import os
import subprocess

import pytest
from cryptography import x509

from helpers.acm import counting_moto_server, renew_in_moto
from helpers.lab_fleet import play_recap
from helpers.paths import REPO

SITE = os.path.join(REPO, "playbooks", "site.yml")
HOSTS = ("acm-1", "acm-2")


@pytest.fixture(scope="module")
def fleet(lab_factory, tmp_path_factory):
    directory = tmp_path_factory.mktemp("acm-delivery")
    inventory = str(directory / "inventory.yml")
    lab = lab_factory("pytest-acm", ["%s:nginx" % host for host in HOSTS], inventory=inventory)
    with counting_moto_server() as aws:
        variables = {
            "certfleet_issuers": {"private-acm": {"provider": "acm", "certificate_authority_arn": aws["ca_arn"],
                                                  "region": "eu-west-1", "endpoint_url": aws["url"]}},
            "certfleet_certificates": [{"name": "web", "issuer": "private-acm", "key": {"type": "rsa", "size": 2048},
                                        "common_name": "{{ inventory_hostname }}.example.internal"}],
            "certfleet_nginx_sites": [{"name": "www", "certificate": "web", "listen_address": "{{ ansible_host }}",
                                       "server_names": ["{{ inventory_hostname }}.example.internal"], "port": 443}],
            "certfleet_tls_trust_anchor": "/etc/certfleet/certs/web/current/chain.pem",
        }
        (directory / "vars.json").write_text(json.dumps(variables))
        yield dict(lab=lab, inventory=inventory, vars=str(directory / "vars.json"), aws=aws, log=directory / "last-run.log")


def play(fleet, *extra):
    run = subprocess.run(["ansible-playbook", "-i", fleet["inventory"], SITE, "-e", "@" + fleet["vars"], *extra],
                         env=dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", ANSIBLE_NOCOLOR="1"),
                         capture_output=True, text=True, check=False, timeout=900)
    with open(fleet["log"], "a") as log:  # kept for a failure's reader
        log.write(run.stdout + run.stderr)
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]
    return play_recap(run.stdout)


def openssl_serial(number):
    """A serial as `openssl x509 -serial` prints it: whole bytes, upper-case hex."""
    return "serial=" + number.to_bytes((number.bit_length() + 7) // 8, "big").hex().upper()


def acm_serials(fleet):
    """host -> (serial of ACM's certificate for it in openssl's form, its ARN); exactly one
    certificate per host was requested, ever (each one is a PCA certificate bought)."""
    acm = fleet["aws"]["clients"]["acm"]
    serials = {}
    for summary in acm.list_certificates(Includes={"keyTypes": ["RSA_2048"]})["CertificateSummaryList"]:
        certificate = x509.load_pem_x509_certificate(
            acm.get_certificate(CertificateArn=summary["CertificateArn"])["Certificate"].encode())
        host = summary["DomainName"].split(".")[0]
        assert host not in serials, "a second ACM certificate for %s: %s and %s" % (host, serials.get(host), summary)
        serials[host] = (openssl_serial(certificate.serial_number), summary["CertificateArn"])
    return serials


def served(fleet, host):
    return fleet["lab"].served_serial(host, "%s.example.internal" % host)


def test_exported_once_served_and_a_renewal_reaches_its_host_only(fleet):
    lab, counts = fleet["lab"], fleet["aws"]["counts"]
    checked = play(fleet, "--check")
    assert all(changed > 0 for changed, _failed in checked.values()) and counts["export"] == 0

    play(fleet)
    serials = acm_serials(fleet)
    assert sorted(serials) == sorted(HOSTS) and counts["export"] == 2
    for host in HOSTS:
        assert lab.current_serial(host) == served(fleet, host) == serials[host][0], host

    assert play(fleet) == dict((host, (0, 0)) for host in HOSTS)
    assert counts["export"] == 2, "a host that has ACM's current certificate costs no export"
    assert acm_serials(fleet) == serials

    renewed = openssl_serial(int(renew_in_moto(serials["acm-2"][1]), 16))
    recap = play(fleet)
    assert recap["acm-1"] == (0, 0) and recap["acm-2"][0] > 0 and counts["export"] == 3
    assert served(fleet, "acm-2") == lab.current_serial("acm-2") == renewed
    assert served(fleet, "acm-1") == serials["acm-1"][0]
    assert acm_serials(fleet) == dict(serials, **{"acm-2": (renewed, serials["acm-2"][1])})
    assert play(fleet) == dict((host, (0, 0)) for host in HOSTS) and counts["export"] == 3
