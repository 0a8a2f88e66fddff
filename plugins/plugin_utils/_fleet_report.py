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
    ("report_refused", "critical", "host's report refused (does not fit the schema)"),
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
        return [_item("report_refused" if host.get("refused") else "host_unreached", host["name"], host["name"],
                      host["error"])]
    items = []
    for certificate in host["certificates"]:
        items += certificate_items(host["name"], certificate, now)
    for site in host["sites"]:
        items += site_items(host["name"], site)
    for ca in host["trust"]:
        items += trust_items(host["name"], ca)
    return items


# What a host's certificate_report result must look like before the controller reads it: a
# compromised host may send anything, and one bad result must cost that host its entry, never
# the fleet its report. Types: str, bool, int, ISO (an ISO 8601 time), a list of one type,
# or a dict of fields; Optional() allows None (null).
class Optional(object):  # pylint: disable=too-few-public-methods
    def __init__(self, kind):
        self.kind = kind


ISO = "ISO 8601 time"
_CA = {"subject": str, "not_after": ISO}
_DESCRIBED = {"serial": str}
CERTIFICATE_SCHEMA = {
    "name": str, "issuer_name": str, "present": bool, "reasons": [str], "serial": Optional(str),
    "not_after": Optional(ISO), "renew_at": Optional(ISO), "not_before": Optional(ISO), "key_matches": Optional(bool),
    "expired": Optional(bool), "in_renewal_window": Optional(bool), "weak_key": Optional(str),
    "sans_match": Optional(bool), "subject_alt_names": [str], "declared_subject_alt_names": [str],
    "cas_expiring_first": [_CA], "source_decides": bool, "key_type": Optional(str),
}
SITE_SCHEMA = {
    "name": str, "server": str, "address": str, "port": int, "server_name": str, "certificate": str,
    "error": Optional(str), "serving": bool, "chain_verifies": Optional(bool), "chain_error": Optional(str),
    "installed": Optional(_DESCRIBED), "served": Optional(_DESCRIBED),
}
TRUST_SCHEMA = {"path": str, "kind": str, "group": str, "error": Optional(str)}
TRUST_READ_SCHEMA = dict(TRUST_SCHEMA, subject=str, not_after=ISO, expired=bool)
RESULT_SCHEMA = {"generated_at": ISO, "certificates": [CERTIFICATE_SCHEMA], "sites": [SITE_SCHEMA],
                 "trust": [TRUST_SCHEMA]}


class SchemaError(ValueError):
    pass


def _check(value, kind, where):
    if isinstance(kind, Optional):
        return None if value is None else _check(value, kind.kind, where)
    if isinstance(kind, list):
        if not isinstance(value, list):
            raise SchemaError("%s %.80r must be a list" % (where, value))
        for index, item in enumerate(value):
            _check(item, kind[0], "%s[%d]" % (where, index))
    elif isinstance(kind, dict):
        if not isinstance(value, dict):
            raise SchemaError("%s %.80r must be a mapping" % (where or "the result", value))
        for field, field_kind in kind.items():
            _check(value.get(field), field_kind, "%s.%s" % (where, field) if where else field)
    elif kind == ISO:
        try:
            parsed = datetime.datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise SchemaError("%s %.80r is not an %s with its time zone" % (where, value, ISO))
    elif kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise SchemaError("%s %.80r must be a whole number" % (where, value))
    elif not isinstance(value, kind):
        raise SchemaError("%s %.80r must be %s" % (where, value, {str: "text", bool: "true or false"}.get(kind, kind)))
    return value


def check_result(result):
    """Refuse (SchemaError naming the field and the value) a certificate_report result the
    report could not read safely."""
    _check(result, RESULT_SCHEMA, "")
    for index, certificate in enumerate(result["certificates"]):
        if certificate["present"]:
            _check(certificate, dict(CERTIFICATE_SCHEMA, serial=str, not_after=ISO, key_matches=bool, expired=bool,
                                     in_renewal_window=bool), "certificates[%d]" % index)
    for index, ca in enumerate(result["trust"]):
        if ca["error"] is None:
            _check(ca, TRUST_READ_SCHEMA, "trust[%d]" % index)


def _unreached(name, error):
    return dict(name=name, reached=False, error=error, certificates=[], sites=[], trust=[], generated_at=None)


def _host(name, result, now):
    if result and result.get("refused"):
        return dict(_unreached(name, str(result.get("msg"))), refused=True)
    if not result or result.get("failed") or result.get("unreachable") or result.get("skipped"):
        return _unreached(name, str((result or {}).get("msg") or "no report from this host (failed or unreachable)"))
    try:
        check_result(result)
    except SchemaError as error:
        return dict(_unreached(name, "its report was refused: %s" % error), refused=True)
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
