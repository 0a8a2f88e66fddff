"""The fleet report on a lab fleet of nginx and Apache hosts with certificates of both issuers
(an HSM-backed CA and ACM PCA on moto), where one certificate is inside its renewal window,
one host serves an older certificate than the one installed, and one trust bundle holds an
expired CA: the report names exactly those three, renders in headless Chromium (a screenshot
is kept), the hosts' Prometheus metrics parse and equal the certificates' expiry, and a
report run changes nothing and calls no CA."""

import datetime
import html.parser
import json
import os
import shutil
import subprocess

import boto3
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from prometheus_client.parser import text_string_to_metric_families

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_builder import build_certificate
from ansible_collections.certfleet.pki.plugins.module_utils._signers import SoftwareSigner
from helpers.lab_fleet import play_recap
from helpers.paths import REPO
from helpers.software_ca import name

PLAYBOOKS = os.path.join(REPO, "playbooks")
ARTIFACTS = os.path.join(REPO, ".build", "test-artifacts")
HOSTS = {"ng-1": "hsm", "ng-2": "pca", "ap-1": "hsm", "ap-2": "pca"}
NEAR_EXPIRY, SERVES_OLD, EXPIRED_CA_HOST = "ng-1", "ng-2", "ap-1"
BUNDLE = "/etc/certfleet/trust/partner-ca.pem"
METRICS = "/var/lib/prometheus/node-exporter/certfleet.prom"
CERTIFICATE = {"name": "web", "issuer": "{{ report_issuer }}", "common_name": "{{ inventory_hostname }}",
               "subject_alt_names": ["DNS:{{ inventory_hostname }}.example.internal"], "renew_before": "20d"}
SITE = "{{ [{'name': 'www', 'certificate': 'web', 'server_names': [inventory_hostname ~ '.example.internal'], 'listen_address': ansible_host}] }}"


def expired_ca_pem():
    """A CA that expired two days ago (it was valid when the bundle was written)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=32)
    certificate, _clamped = build_certificate(SoftwareSigner(key), "root_ca", name("Partner CA 2024"), key.public_key(),
                                              validity_days=30, now=now)
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def fleet(lab_factory, hsm_ca, moto, ca_arn, tmp_path_factory):
    work = tmp_path_factory.mktemp("report")
    inventory = str(work / "inventory.yml")
    lab = lab_factory("pytest-report", ["%s:%s" % (host, "nginx" if host.startswith("ng") else "apache") for host in HOSTS],
                      inventory=inventory)
    variables = json.load(open(hsm_ca.role_vars([CERTIFICATE])))
    variables["certfleet_issuers"]["pca"] = {"provider": "acmpca", "certificate_authority_arn": ca_arn,
                                             "region": "eu-west-1", "endpoint_url": moto.url}
    variables.update({
        "report_issuer": "{{ %s[inventory_hostname] }}" % json.dumps(HOSTS),
        "certfleet_renewal_jitter": 0,
        "certfleet_nginx_sites": "{{ %s if inventory_hostname.startswith('ng') else [] }}" % SITE[3:-3],
        "certfleet_apache_sites": "{{ %s if inventory_hostname.startswith('ap') else [] }}" % SITE[3:-3],
        "certfleet_tls_trust_anchor": "/etc/certfleet/certs/web/current/chain.pem",
        "certfleet_trust_bundles": "{{ [{'path': '%s', 'certificates': [certfleet_issuers.hsm.ca_certificate]}] "
                                   "if inventory_hostname == '%s' else [] }}" % (BUNDLE, EXPIRED_CA_HOST),
        "certfleet_report_metrics_path": METRICS,
        "certfleet_report_dir": str(work / "report"),
    })
    vars_file = work / "vars.json"
    vars_file.write_text(json.dumps(variables))
    env = dict(hsm_ca.env, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
    state = dict(lab=lab, inventory=inventory, vars=str(vars_file), env=env, work=work, hsm_ca=hsm_ca)
    state["site"] = playbook(state, "site.yml")
    make_near_expiry(state)
    make_served_older(state)
    lab.ssh(EXPIRED_CA_HOST, "cat >> %s <<'EOF'\n%sEOF" % (BUNDLE, expired_ca_pem()))
    return state


def playbook(fleet, name, *extra, env=None):
    run = subprocess.run(["ansible-playbook", "-i", fleet["inventory"], os.path.join(PLAYBOOKS, name), "-e",
                          "@" + fleet["vars"], *extra], env=env or fleet["env"], capture_output=True, text=True,
                         check=False, timeout=600)
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]
    return run


def make_near_expiry(fleet):
    """Replace ng-1's certificate with one for the same key and names that has 10 days left
    (inside the 20-day window), and serve it."""
    lab, host = fleet["lab"], NEAR_EXPIRY
    current = "/etc/certfleet/certs/web/current"
    csr = lab.ssh(host, "openssl req -new -key %s/key.pem -subj /CN=%s -addext subjectAltName=DNS:%s,DNS:%s.example.internal"
                  % (current, host, host, host)).stdout
    certificate = fleet["hsm_ca"].module("certfleet.pki.pkcs11_certificate", csr=csr, validity_days=10,
                                         ca_certificate=fleet["hsm_ca"].root_pem)["certificate"]
    lab.ssh(host, "cd %s && cat > cert.pem <<'EOF'\n%sEOF\ncat cert.pem chain.pem > fullchain.pem && nginx -s reload"
            % (current, certificate))


def make_served_older(fleet):
    """Renew ng-2's certificate without its web server role: installed, not served."""
    certificate_only = fleet["work"] / "certificate_only.yml"
    certificate_only.write_text("- hosts: %s\n  gather_facts: false\n  roles: [certfleet.pki.certificate]\n" % SERVES_OLD)
    run = subprocess.run(["ansible-playbook", "-i", fleet["inventory"], str(certificate_only), "-e", "@" + fleet["vars"],
                          "-e", json.dumps({"certfleet_force_renew": ["web"]})], env=fleet["env"], capture_output=True,
                         text=True, check=False, timeout=600)
    assert run.returncode == 0 and play_recap(run.stdout)[SERVES_OLD][0] > 0, run.stdout[-4000:]


def report_files(fleet):
    directory = os.path.join(str(fleet["work"]), "report")
    return json.load(open(os.path.join(directory, "certfleet-report.json"))), os.path.join(directory, "certfleet-report.html")


@pytest.fixture(scope="module")
def reported(fleet, moto):
    calls_before = {op: moto.calls(op) for op in ("IssueCertificate", "GetCertificate", "DescribeCertificateAuthority")}
    # No PIN and no token configuration: a report cannot open the HSM.
    env = dict((k, v) for k, v in fleet["env"].items() if k not in ("CERTFLEET_PKCS11_PIN", "SOFTHSM2_CONF"))
    first = playbook(fleet, "report.yml", env=env)
    report, html_path = report_files(fleet)
    again = playbook(fleet, "report.yml", env=env)
    checked = playbook(fleet, "report.yml", "--check", env=env)
    calls_after = {op: moto.calls(op) for op in calls_before}
    return dict(first=first, again=again, checked=checked, report=report, html=html_path, calls=(calls_before, calls_after))


def attention_of(report):
    return sorted((item["kind"], item["host"], item["subject"]) for item in report["attention"])


EXPECTED_ATTENTION = sorted([("renewal_overdue", NEAR_EXPIRY, "web"), ("served_differs", SERVES_OLD, "www"),
                             ("anchor_expired", EXPIRED_CA_HOST, BUNDLE)])


def test_the_report_names_exactly_the_three_problems(reported):
    report = reported["report"]
    assert report["schema"] == "certfleet.pki/fleet-report" and report["version"] == 1
    assert attention_of(report) == EXPECTED_ATTENTION, json.dumps(report["attention"], indent=1)
    assert report["summary"]["hosts"] == 4 and report["summary"]["certificates"] == 4
    assert report["issuers"] == ["hsm", "pca"]


def test_a_report_run_changes_nothing_the_second_time_and_calls_no_ca(reported):
    assert set(play_recap(reported["again"].stdout).values()) == {(0, 0)}, reported["again"].stdout[-3000:]
    assert set(play_recap(reported["checked"].stdout).values()) == {(0, 0)}, reported["checked"].stdout[-3000:]
    before, after = reported["calls"]
    assert before == after
    assert "one module run per host" not in reported["first"].stdout  # the task title below is the only per-host task
    assert reported["first"].stdout.count("TASK [certfleet.pki.report : What this host holds") == 1


def test_site_yml_ends_with_what_each_host_had_done(fleet):
    summary = fleet["site"].stdout.split("TASK [What this run did, per host]", 1)[1]
    for host in HOSTS:
        assert '"%s: issued web"' % host in summary, summary


def test_figures_go_to_cloudwatch_when_asked(fleet, moto):
    playbook(fleet, "report.yml", "-e", json.dumps({
        "certfleet_report_cloudwatch_namespace": "CertfleetLab", "certfleet_report_cloudwatch_region": "eu-west-1",
        "certfleet_report_cloudwatch_endpoint_url": moto.url, "certfleet_report_dir": "%s/cloudwatch" % fleet["work"]}))
    client = boto3.client("cloudwatch", region_name="eu-west-1", endpoint_url=moto.url, aws_access_key_id="test",
                          aws_secret_access_key="test")
    metrics = client.list_metrics(Namespace="CertfleetLab")["Metrics"]
    hosts = sorted(dict((d["Name"], d["Value"]) for d in m["Dimensions"])["Host"] for m in metrics if m["MetricName"] == "DaysToExpiry")
    assert hosts == sorted(HOSTS)
    served = client.get_metric_statistics(
        Namespace="CertfleetLab", MetricName="ServedMatches", Dimensions=[{"Name": "Host", "Value": SERVES_OLD}, {"Name": "Site", "Value": "www"}],
        StartTime=datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1),
        EndTime=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1), Period=60, Statistics=["Maximum"])
    assert [point["Maximum"] for point in served["Datapoints"]] == [0.0]


def test_limit_reports_the_hosts_it_names(fleet):
    playbook(fleet, "report.yml", "--limit", "ap-2", "-e", "certfleet_report_dir=%s/limited" % fleet["work"])
    limited = json.load(open(os.path.join(str(fleet["work"]), "limited", "certfleet-report.json")))
    assert [host["name"] for host in limited["hosts"]] == ["ap-2"] and limited["attention"] == []


def test_metrics_parse_and_equal_each_certificates_expiry(fleet, reported):
    for host in HOSTS:
        text = fleet["lab"].ssh(host, "cat %s" % METRICS).stdout
        families = dict((family.name, family) for family in text_string_to_metric_families(text))
        enddate = fleet["lab"].ssh(host, "openssl x509 -noout -enddate -in /etc/certfleet/certs/web/current/cert.pem").stdout
        not_after = datetime.datetime.strptime(enddate.strip().split("=", 1)[1], "%b %d %H:%M:%S %Y GMT")
        [sample] = families["certfleet_certificate_not_after_seconds"].samples
        assert sample.value == not_after.replace(tzinfo=datetime.timezone.utc).timestamp()
        assert sample.labels["name"] == "web" and sample.labels["issuer"] == HOSTS[host]
        served = dict((s.labels["site"], s.value) for s in families["certfleet_certificate_served_matches"].samples)
        assert served == {"www": 0.0 if host == SERVES_OLD else 1.0}
        assert "certfleet_certificate_renew_at_seconds" in families


class Dom(html.parser.HTMLParser):
    """The attention items and chart marks of the page as Chromium left it."""

    def __init__(self):
        super().__init__()
        self.kinds, self.weeks, self.today, self.windows = [], [], 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "li" and "data-kind" in attrs:
            self.kinds.append(attrs["data-kind"])
        if tag == "rect" and "mark" in classes:
            self.weeks.append(attrs["data-week"])
        if tag == "rect" and "renewal-window" in classes:
            self.windows += 1
        if tag == "line" and "today" in classes:
            self.today += 1


def monday_of(iso):
    day = datetime.datetime.fromisoformat(iso).date()
    return (day - datetime.timedelta(days=day.weekday())).isoformat()


def chromium(*args):
    return subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args],
                          capture_output=True, text=True, check=False, timeout=120)


def test_the_page_renders_in_chromium_with_the_items_and_one_mark_per_certificate(reported, tmp_path):
    dumped = chromium("--dump-dom", "file://" + reported["html"])
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = Dom()
    dom.feed(dumped.stdout)
    assert sorted(dom.kinds) == sorted(item[0] for item in EXPECTED_ATTENTION)
    for _kind, host, subject in EXPECTED_ATTENTION:
        assert host in dumped.stdout and subject in dumped.stdout
    expected_weeks = sorted(monday_of(c["not_after"]) for h in reported["report"]["hosts"] for c in h["certificates"])
    assert sorted(dom.weeks) == expected_weeks
    assert dom.today == 1 and dom.windows == len(expected_weeks), "a renewal window per certificate"
    assert "<html" in dumped.stdout and 'class="js"' in dumped.stdout, "the inline script ran"
    os.makedirs(ARTIFACTS, exist_ok=True)
    screenshot = os.path.join(ARTIFACTS, "fleet-report.png")
    shot = chromium("--screenshot=%s" % screenshot, "--window-size=1280,1600", "file://" + reported["html"])
    assert shot.returncode == 0 and os.path.getsize(screenshot) > 20000, shot.stderr[-2000:]
    shutil.copy(reported["html"], os.path.join(ARTIFACTS, "fleet-report.html"))


def test_rotate_yml_ends_with_what_each_host_had_done(fleet):
    # Last in this file: it renews ap-2's certificate.
    run = playbook(fleet, "rotate.yml", "--limit", "ap-2", "-e", json.dumps({"certfleet_force_renew": ["web"]}))
    summary = run.stdout.split("TASK [What this run did, per host]", 1)[1]
    assert '"ap-2: renewed web"' in summary and "ng-1" not in summary, summary
