"""The fleet report from host results: what needs attention, the JSON document, the HTML page
(self-contained, one chart mark per certificate in its week), and the run summary."""

import datetime
import html.parser
import json

import pytest

from ansible_collections.certfleet.pki.plugins.filter.report_options import (
    report_certificates,
    report_sites,
    report_trust,
)
from ansible_collections.certfleet.pki.plugins.filter.run_summary import run_summary
from ansible_collections.certfleet.pki.plugins.plugin_utils._fleet_report import fleet_report as build
from ansible_collections.certfleet.pki.plugins.plugin_utils._report_html import render, week_start

NOW = datetime.datetime(2026, 11, 29, 12, 0, tzinfo=datetime.timezone.utc)


def iso(days):
    return (NOW + datetime.timedelta(days=days)).isoformat()


def certificate(name="web", issuer="hsm", days=60, **change):
    entry = dict(name=name, issuer_name=issuer, present=True, key_matches=True, serial="ab", not_after=iso(days),
                 not_before=iso(days - 90), renew_at=iso(days - 30), expired=days <= 0, in_renewal_window=days <= 30,
                 needs_renewal=days <= 30, reasons=[], weak_key=None, sans_match=True, subject_alt_names=["DNS:a"],
                 declared_subject_alt_names=["DNS:a"], cas=[], cas_expiring_first=[], source_decides=False, key_type="EC secp256r1")
    entry.update(change)
    return entry


def site(**change):
    entry = dict(name="www", server="nginx", certificate="web", address="127.0.0.1", port=443, server_name="a",
                 installed=dict(serial="ab"), served=dict(serial="ab"), serving=True, chain_verifies=True,
                 chain_error=None, error=None)
    entry.update(change)
    return entry


def result(certificates=(), sites=(), trust=()):
    return dict(certificates=list(certificates), sites=list(sites), trust=list(trust), generated_at=NOW.isoformat())


def kinds(report):
    return [(item["kind"], item["host"], item["subject"]) for item in report["attention"]]


def test_a_healthy_fleet_needs_no_attention():
    report = build([("b", result([certificate()], [site()])), ("a", result([certificate(issuer="pca")]))], now=NOW)
    assert report["attention"] == [] and report["version"] == 1 and report["schema"] == "certfleet.pki/fleet-report"
    assert [host["name"] for host in report["hosts"]] == ["a", "b"] and report["issuers"] == ["hsm", "pca"]
    assert report["hosts"][1]["certificates"][0]["days_left"] == 60
    json.dumps(report)  # plain data


def test_each_kind_of_problem_is_named_most_urgent_first():
    ca = dict(subject="CN=Sub", not_after=iso(5))
    report = build([
        ("h", result(
            [certificate("expired", days=-1), certificate("window", days=10), certificate("weak", weak_key="RSA key of 1024 bits"),
             certificate("names", sans_match=False), certificate("sub", cas_expiring_first=[ca]),
             certificate("missing", present=False, key_matches=None, reasons=["no certificate installed"]),
             certificate("mismatch", key_matches=False)],
            [site(name="old", serving=False, served=dict(serial="01")), site(name="chain", chain_verifies=False, chain_error="bad"),
             site(name="down", error="refused", served=None, serving=False)],
            [dict(kind="bundle", group="/b.pem", path="/b.pem", subject="CN=Old", not_after=iso(-3), expired=True, error=None),
             dict(kind="anchor", group="root", path="/r.crt", subject="CN=Ok", not_after=iso(300), expired=False, error=None)])),
        ("gone", None),
    ], now=NOW)
    assert kinds(report) == [
        ("host_unreached", "gone", "gone"), ("expired", "h", "expired"), ("not_installed", "h", "missing"),
        ("key_mismatch", "h", "mismatch"), ("served_differs", "h", "old"), ("site_unreachable", "h", "down"),
        ("chain_fails", "h", "chain"), ("renewal_overdue", "h", "window"), ("anchor_expired", "h", "/b.pem"),
        ("ca_expires_first", "h", "sub"), ("weak_key", "h", "weak"), ("sans_differ", "h", "names")]
    messages = dict((item["subject"], item["message"]) for item in report["attention"])
    assert messages["old"] == "www (nginx 127.0.0.1:443, a) serves serial 01; installed web is serial ab".replace("www", "old", 1)
    assert "9 days left" in messages["window"] or "10 days left" in messages["window"]


def test_a_failed_host_result_is_not_reached_with_its_message():
    report = build([("h", dict(failed=True, msg="cryptography is missing"))], now=NOW)
    assert report["attention"][0]["message"] == "cryptography is missing" and not report["hosts"][0]["reached"]


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.marks, self.fetches, self.kinds, self.windows = [], [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "rect" and attrs.get("class") == "mark":
            self.marks.append((attrs["data-week"], attrs["data-issuer"]))
        if tag == "rect" and attrs.get("class") == "renewal-window":
            self.windows.append(attrs["data-issuer"])
        if tag in ("script", "img", "link", "iframe") and (attrs.get("src") or attrs.get("href")):
            self.fetches.append(tag)
        if tag == "li" and "data-kind" in attrs:
            self.kinds.append(attrs["data-kind"])


def test_the_page_fetches_nothing_and_marks_each_certificate_in_its_week():
    report = build([("a", result([certificate("x", days=3), certificate("y", days=4), certificate("z", issuer="pca", days=40)])),
                    ("b", result([certificate("x", days=10, in_renewal_window=True)]))], now=NOW)
    page = Page()
    page.feed(render(report))
    expected = sorted((week_start(NOW + datetime.timedelta(days=d)).date().isoformat(), issuer)
                      for d, issuer in ((3, "hsm"), (4, "hsm"), (40, "pca"), (10, "hsm")))
    assert sorted(page.marks) == expected
    assert sorted(page.windows) == ["hsm", "hsm", "hsm", "pca"], "one renewal window per certificate, in its issuer's lane"
    assert page.fetches == [] and "http://" not in render(report).replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert page.kinds == ["renewal_overdue"] * 3  # the 40-day one is outside its window


def test_names_from_hosts_are_escaped():
    report = build([("<b>", result([certificate("<script>")]))], now=NOW)
    page = render(report)
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "&lt;b&gt;" in page


def test_role_filters_shape_the_module_options():
    planned = [dict(issuer="hsm", status=dict(name="web", path="/p", staging_dir="/s", common_name="a", subject_alt_names=["DNS:a"],
                                              key={"type": "ec"}, renew_before="33%", ca_certificate=None, force=True,
                                              source_decides=False, profile="server", validity_days=90))]
    assert report_certificates(planned) == [dict(name="web", path="/p", common_name="a", subject_alt_names=["DNS:a"],
                                                 key={"type": "ec"}, renew_before="33%", ca_certificate=None,
                                                 source_decides=False, profile="server", validity_days=90, issuer="hsm")]
    sites = [dict(name="www", certificate="web", endpoint=dict(certificate_dir="/p", address="10.0.0.1", port=8443,
                                                               server_name="a", ca_file=""))]
    assert report_sites(sites, "apache") == [dict(name="www", server="apache", certificate="web", certificate_dir="/p",
                                                  address="10.0.0.1", port=8443, server_name="a", ca_file="")]
    assert report_trust([dict(name="a"), dict(name="b", state="absent"), dict(name="c", state="present")], "name") == ["a", "c"]


def test_the_run_summary_says_what_each_host_had_done():
    status = dict(certificates=[dict(name="web", present=True), dict(name="api", present=False), dict(name="ok", present=True)],
                  due=["web", "api"])
    hostvars = {
        "a": {"__certfleet_status": status},
        "b": {"__certfleet_status": dict(certificates=[dict(name="ok", present=True)], due=[])},
        "c": {"__certfleet_status": status, "__certfleet_reload_failure": "nginx: the served certificate does not verify\n",
              "__certfleet_reload_rollback": dict(results=[dict(item="/etc/certfleet/certs/web", version="2")])},
        "d": {"__certfleet_status": dict(certificates=[], due=[]),
              "__certfleet_delivered": {"tls": dict(changed=True, key="secret"), "old": dict(changed=False)}},
    }
    assert run_summary(hostvars, ["a", "b", "c", "d"], ["a", "b", "d"]) == [
        "a: issued api; renewed web", "b: nothing to do",
        "c: issued api; renewed web; rolled back /etc/certfleet/certs/web; FAILED: nginx: the served certificate does not verify",
        "d: delivered tls"]
    assert run_summary(hostvars, ["a"], ["a"], check_mode=True) == ["a: would be issued api; would be renewed web"]


@pytest.mark.parametrize("status", [dict(due=5, certificates=[]), dict(due=["web"], certificates=["web"]), "everything"])
def test_a_status_result_that_does_not_fit_fails_that_host_line_alone(status):
    hostvars = {"liar": {"__certfleet_status": status}, "b": {"__certfleet_status": dict(certificates=[], due=[])}}
    assert run_summary(hostvars, ["liar", "b"], ["b"]) == [
        "liar: FAILED: its certificate_status result was refused (see the task output above)", "b: nothing to do"]


# A compromised host may send any result (issue 28): one that does not fit the schema costs
# that host its entry, named with the field and the value, and the report is still written.
@pytest.mark.parametrize("bad, field", [
    (dict(certificates=[dict(certificate(), not_after="next tuesday")]), "certificates[0].not_after 'next tuesday'"),
    (dict(certificates=[{k: v for k, v in certificate().items() if k != "present"}]), "certificates[0].present None"),
    (dict(certificates=[certificate(not_after=None)]), "certificates[0].not_after None"),
    (dict(sites=[site(port="443")]), "sites[0].port '443' must be a whole number"),
    (dict(sites=[site(served="<script>")]), "sites[0].served '<script>' must be a mapping"),
    (dict(trust=[dict(path="/x", kind="bundle", group="/x", error=None, subject="CN=x", not_after=iso(3))]),
     "trust[0].expired None"),
    (dict(certificates="all of them"), "certificates 'all of them' must be a list"),
    (dict(generated_at="2026-11-29T12:00:00"), "generated_at '2026-11-29T12:00:00' is not an ISO 8601 time with its time zone"),
])
def test_a_result_that_does_not_fit_the_schema_fails_that_host_alone(bad, field):
    lying = dict(result([certificate()], [site()]), **bad)
    report = build([("liar", lying), ("honest", result([certificate()], [site()]))], now=NOW)
    assert kinds(report) == [("report_refused", "liar", "liar")]
    assert field in report["attention"][0]["message"]
    honest = [host for host in report["hosts"] if host["name"] == "honest"][0]
    assert honest["reached"] and len(honest["certificates"]) == 1
    render(report)  # the page is still made
