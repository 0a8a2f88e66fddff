# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report's data: every host's certificate_report result in one document (schema
and version in docs/report.md), and what needs attention in it. Runs on the controller."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

SCHEMA = "certfleet.pki/fleet-report"
SCHEMA_VERSION = 1

# Most urgent first; the report lists items in this order.
ATTENTION_KINDS = (
    ("host_unreached", "critical", "host not reached"),
    ("expired", "critical", "expired"),
    ("not_installed", "critical", "not installed"),
    ("key_mismatch", "critical", "key does not match"),
    ("served_differs", "critical", "served certificate differs from the installed one"),
    ("site_unreachable", "critical", "site does not answer"),
    ("chain_fails", "critical", "chain does not verify"),
    ("renewal_overdue", "warning", "inside its renewal window, not renewed"),
    ("anchor_expired", "warning", "expired CA in a trust anchor or bundle"),
    ("ca_expires_first", "warning", "CA expires before the certificate"),
    ("weak_key", "warning", "weak key"),
    ("sans_differ", "warning", "names differ from the declaration"),
    ("trust_unreadable", "warning", "trust file does not parse"),
)
KIND_ORDER = dict((kind[0], index) for index, kind in enumerate(ATTENTION_KINDS))
SEVERITY = dict((kind, severity) for kind, severity, _title in ATTENTION_KINDS)
TITLE = dict((kind, title) for kind, _severity, title in ATTENTION_KINDS)


def parse_time(iso):
    return datetime.datetime.fromisoformat(iso) if iso else None


def days_left(iso, now):
    """Whole days until ``iso`` (negative once past); None without a date."""
    moment = parse_time(iso)
    return None if moment is None else int((moment - now).total_seconds() // 86400)


def _item(kind, host, subject, message):
    return dict(kind=kind, severity=SEVERITY[kind], title=TITLE[kind], host=host, subject=subject, message=message)


def _date(iso):
    return iso[:10] if iso else "?"


def certificate_items(host, certificate, now):
    name = certificate["name"]
    if not certificate["present"]:
        return [_item("not_installed", host, name, "; ".join(certificate["reasons"]) or "no certificate installed")]
    items = []
    if not certificate["key_matches"]:
        items.append(_item("key_mismatch", host, name, "the installed key is missing or is not the certificate's"))
    if certificate["expired"]:
        items.append(_item("expired", host, name, "serial %s expired on %s" % (certificate["serial"], _date(certificate["not_after"]))))
    elif certificate["in_renewal_window"]:
        items.append(_item("renewal_overdue", host, name, "due since %s, expires %s (%d days left)" % (
            _date(certificate["renew_at"]), _date(certificate["not_after"]), days_left(certificate["not_after"], now))))
    if certificate["weak_key"]:
        items.append(_item("weak_key", host, name, certificate["weak_key"]))
    if certificate["sans_match"] is False:
        items.append(_item("sans_differ", host, name, "installed %s; declared %s" % (
            ", ".join(certificate["subject_alt_names"]) or "none", ", ".join(certificate["declared_subject_alt_names"]))))
    for ca in certificate["cas_expiring_first"]:
        items.append(_item("ca_expires_first", host, name, "CA %s expires %s, before the certificate (%s)" % (
            ca["subject"], _date(ca["not_after"]), _date(certificate["not_after"]))))
    return items


def _site_label(site):
    return "%s (%s %s:%d, %s)" % (site["name"], site["server"], site["address"], site["port"], site["server_name"])


def site_items(host, site):
    if site["error"]:
        return [_item("site_unreachable", host, site["name"], "%s: %s" % (_site_label(site), site["error"]))]
    items = []
    if not site["serving"]:
        installed = site["installed"]["serial"] if site["installed"] else "none"
        items.append(_item("served_differs", host, site["name"], "%s serves serial %s; installed %s is serial %s" % (
            _site_label(site), site["served"]["serial"], site["certificate"], installed)))
    if site["chain_verifies"] is False:
        items.append(_item("chain_fails", host, site["name"], "%s: %s" % (_site_label(site), site["chain_error"])))
    return items


def trust_items(host, ca):
    if ca.get("error"):
        return [_item("trust_unreadable", host, ca["path"], ca["error"])]
    if ca["expired"]:
        return [_item("anchor_expired", host, ca["path"], "%s %s holds %s, expired on %s" % (
            "bundle" if ca["kind"] == "bundle" else "anchor group %s:" % ca["group"], ca["path"], ca["subject"],
            _date(ca["not_after"])))]
    return []


def host_items(host, now):
    if not host["reached"]:
        return [_item("host_unreached", host["name"], host["name"], host["error"])]
    items = []
    for certificate in host["certificates"]:
        items += certificate_items(host["name"], certificate, now)
    for site in host["sites"]:
        items += site_items(host["name"], site)
    for ca in host["trust"]:
        items += trust_items(host["name"], ca)
    return items


def _host(name, result, now):
    if not result or result.get("failed") or result.get("unreachable") or result.get("skipped"):
        error = (result or {}).get("msg") or "no report from this host (failed or unreachable)"
        return dict(name=name, reached=False, error=error, certificates=[], sites=[], trust=[], generated_at=None)
    certificates = [dict(certificate, days_left=days_left(certificate.get("not_after"), now))
                    for certificate in result["certificates"]]
    return dict(name=name, reached=True, error=None, certificates=certificates, sites=result["sites"],
                trust=result["trust"], generated_at=result["generated_at"])


def fleet_report(results, now=None, title="Certificate fleet report"):
    """The report of ``results``: (host name, certificate_report result or None) pairs."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    hosts = [_host(name, result, now) for name, result in sorted(results, key=lambda pair: pair[0])]
    attention = []
    for host in hosts:
        attention += host_items(host, now)
    attention.sort(key=lambda item: (KIND_ORDER[item["kind"]], item["host"], item["subject"]))
    certificates = [c for host in hosts for c in host["certificates"]]
    return dict(
        schema=SCHEMA, version=SCHEMA_VERSION, title=title, generated_at=now.isoformat(),
        summary=dict(hosts=len(hosts), hosts_reached=sum(1 for h in hosts if h["reached"]),
                     certificates=len(certificates), sites=sum(len(h["sites"]) for h in hosts),
                     trust_cas=sum(len(h["trust"]) for h in hosts), attention=len(attention)),
        issuers=sorted(set(c["issuer_name"] for c in certificates)),
        attention=attention, hosts=hosts,
    )
