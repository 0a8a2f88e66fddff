# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The issuance ledger of a CA whose signing the collection does itself (the HSM-backed CA):
what it signed, what was revoked, and its current CRL.

One object per entry, so that writers never rewrite each other's entries: parallel jobs
(AWX forks, SSM instances) each create their own objects, created only if absent. Only the
CRL is replaced, and only if nobody replaced it since it was read. Layout under a location
(a local directory, or ``s3://bucket/prefix``), per CA::

    <ca>/issued/<serial>.json    one per certificate signed
    <ca>/revoked/<serial>.json   one per certificate revoked
    <ca>/crl.pem                 the CA's current CRL
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.certfleet.pki.plugins.module_utils._crl import REVOCATION_REASONS, normalized_serial
from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
from ansible_collections.certfleet.pki.plugins.module_utils._ledger_location import LedgerError, parse_location
from ansible_collections.certfleet.pki.plugins.module_utils._ledger_stores import DirectoryStore, S3Store
from ansible_collections.certfleet.pki.plugins.module_utils._names import DeclarationError, safe_name
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import (
    certificate_facts,
    format_general_name,
    load_certificate,
    subject_alt_names_of,
    to_pem,
)


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Ledger:
    """The entries of one CA (``ca`` names it, as certfleet_issuers does) in a store."""

    def __init__(self, store, ca):
        try:
            self.ca = safe_name(ca, "ledger ca")
        except DeclarationError as error:
            raise LedgerError(str(error))
        self.store = store

    def _load(self, key, listed=False):
        body, _version = self.store.read(key, listed)
        try:
            return json.loads(body) if body is not None else None
        except ValueError:
            raise LedgerError("ledger entry %s is not valid JSON" % self.store.describe(key))

    def record(self, certificate_pem, host, name, when=None):
        """Record a certificate this CA signed; returns (entry, created). A serial recorded
        for another certificate is an error (a serial must never be reused)."""
        certificate = load_certificate(certificate_pem, "certificate")
        facts = certificate_facts(certificate)
        entry = {
            "serial": normalized_serial(facts["serial"]), "ca": self.ca, "host": host, "name": name,
            "subject": certificate.subject.rfc4514_string(),
            "subject_alt_names": [format_general_name(san) for san in subject_alt_names_of(certificate)],
            "not_before": facts["not_before"], "not_after": facts["not_after"],
            "fingerprint_sha256": facts["fingerprint_sha256"], "issuer": certificate.issuer.rfc4514_string(),
            "recorded_at": iso(when or utc_now()), "certificate": to_pem(certificate),
        }
        key = "%s/issued/%s.json" % (self.ca, entry["serial"])
        if self.store.create(key, json.dumps(entry, sort_keys=True, indent=1)):
            return entry, True
        existing = self._load(key)
        if existing.get("fingerprint_sha256") != entry["fingerprint_sha256"]:
            raise LedgerError("serial %s is recorded for another certificate (%s); a CA must never reuse a serial"
                              % (entry["serial"], self.store.describe(key)))
        return existing, False

    def revoke(self, serial, reason, host=None, name=None, when=None):
        """Record a revocation; returns (entry, created). The first revocation of a serial
        stands: its time and reason are not rewritten by a later run."""
        if reason not in REVOCATION_REASONS:
            raise LedgerError("revocation reason %r is not one of %s" % (reason, ", ".join(REVOCATION_REASONS)))
        serial = normalized_serial(serial)
        issued = self._load("%s/issued/%s.json" % (self.ca, serial))
        if issued is None:
            raise LedgerError("serial %s was not issued by %s according to its ledger; nothing revoked" % (serial, self.ca))
        entry = {"serial": serial, "ca": self.ca, "reason": reason, "revoked_at": iso(when or utc_now()),
                 "host": host or issued.get("host"), "name": name or issued.get("name"),
                 "not_after": issued.get("not_after")}
        key = "%s/revoked/%s.json" % (self.ca, serial)
        if self.store.create(key, json.dumps(entry, sort_keys=True, indent=1)):
            return entry, True
        return self._load(key), False

    def has_issued(self, serial):
        return self.store.exists("%s/issued/%s.json" % (self.ca, normalized_serial(serial)))

    def has_revoked(self, serial):
        return self.store.exists("%s/revoked/%s.json" % (self.ca, normalized_serial(serial)))

    def _entries(self, kind):
        return [entry for entry in (self._load(key, listed=True) for key in self.store.keys("%s/%s" % (self.ca, kind)))
                if entry]

    def issued(self):
        return self._entries("issued")

    def revoked(self):
        return self._entries("revoked")

    def crl(self):
        """(PEM, version) of the published CRL, or (None, None)."""
        return self.store.read("%s/crl.pem" % self.ca)

    def publish_crl(self, crl_pem, version):
        """Replace the CRL if it is still the one read as ``version``."""
        self.store.replace("%s/crl.pem" % self.ca, crl_pem, version)


# O(location) and O(ca), the certfleet.pki.ledger doc fragment: every ledger module takes them.
LEDGER_OPTIONS = dict(location=dict(type="str", required=True), ca=dict(type="str", required=True))


def ledger_module(**options):
    """The AnsibleAWSModule of a ledger module: LEDGER_OPTIONS, the module's own ``options``,
    and the AWS options, which apply to an S3 location."""
    argument_spec = dict(LEDGER_OPTIONS, **options)
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    require_libraries(module, "cryptography")
    return module


def run_ledger_module(module, run, action):
    """Exit with ``run(module)``'s result; a CertfleetError fails with its message, an AWS error
    with amazon.aws's details ("Failed to <action> the ledger at <location>: ...")."""
    try:
        result = run(module)
    except CertfleetError as error:
        module.fail_json(msg=str(error))
    except (BotoCoreError, ClientError) as error:
        module.fail_json_aws(error, msg="Failed to %s the ledger at %s" % (action, module.params["location"]))
    module.exit_json(**result)


def open_ledger(module):
    """The ledger the module's O(location) and O(ca) name: a directory, or S3 through the
    module's AWS connection (auth options, endpoint_url, retries)."""
    kind, where, prefix = parse_location(module.params["location"])
    if kind == "directory":
        return Ledger(DirectoryStore(where), module.params["ca"])
    client = module.client("s3", retry_decorator=AWSRetry.jittered_backoff(retries=8, delay=1, max_delay=15))
    return Ledger(S3Store(client, where, prefix, retried=True), module.params["ca"])
