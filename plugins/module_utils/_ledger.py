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
import errno
import fcntl
import json
import os
import re
import tempfile

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.certfleet.pki.plugins.module_utils._crl import REVOCATION_REASONS, normalized_serial
from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
from ansible_collections.certfleet.pki.plugins.module_utils._files import errors_name
from ansible_collections.certfleet.pki.plugins.module_utils._names import DeclarationError, safe_name
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import (
    certificate_facts,
    format_general_name,
    load_certificate,
    subject_alt_names_of,
    to_pem,
)

_S3_LOCATION = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(.*))?\Z")


class LedgerError(CertfleetError):
    """The ledger cannot be read or written as asked; the message says why."""


class LedgerConflict(LedgerError):
    """Someone else replaced an object between our read and our write."""


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class DirectoryStore:
    """Objects as files under a directory: created with a hard link (which fails when the
    name exists), replaced under a lock, so concurrent writers on one machine or one shared
    filesystem never lose an entry."""

    def __init__(self, root):
        if not os.path.isabs(root):
            raise LedgerError("ledger location %r must be an absolute directory path or s3://bucket/prefix" % (root,))
        self.root = os.path.normpath(root)

    def _path(self, key):
        return os.path.join(self.root, key)

    def _temporary(self, path, body):
        directory = os.path.dirname(path)
        os.makedirs(directory, 0o750, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=".tmp-", dir=directory)
        with errors_name(path), os.fdopen(descriptor, "w") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o640)
        return temporary

    def create(self, key, body):
        """Write ``key`` only if it does not exist; False when it does."""
        path = self._path(key)
        temporary = self._temporary(path, body)
        try:
            os.link(temporary, path)
            return True
        except OSError as error:
            if error.errno == errno.EEXIST:
                return False
            raise
        finally:
            os.remove(temporary)

    def read(self, key, listed=False):  # pylint: disable=unused-argument  # (S3Store's signature)
        """(body, version) or (None, None); the version is what replace() compares."""
        try:
            with open(self._path(key)) as handle:
                body = handle.read()
        except FileNotFoundError:
            return None, None
        return body, body

    def replace(self, key, body, version):
        """Write ``key`` if it still holds ``version`` (None: if it is still absent)."""
        path = self._path(key)
        os.makedirs(os.path.dirname(path), 0o750, exist_ok=True)
        with open(os.path.join(os.path.dirname(path), ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self.read(key)[1] != version:
                raise LedgerConflict("%s was replaced by another run since it was read" % path)
            os.replace(self._temporary(path, body), path)

    def keys(self, prefix):
        directory = self._path(prefix)
        try:
            names = os.listdir(directory)
        except FileNotFoundError:
            return []
        return sorted(prefix + "/" + name for name in names if name.endswith(".json"))

    def exists(self, key):
        return os.path.exists(self._path(key))

    def describe(self, key):
        return self._path(key)


class S3Store:
    """Objects in S3 with conditional writes (If-None-Match to create, If-Match to replace):
    parallel writers from any number of machines never lose an entry."""

    def __init__(self, client, bucket, prefix, retried=False):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        # A client made by AnsibleAWSModule with a retry decorator retries calls that ask.
        self.retry = dict(aws_retry=True) if retried else {}

    def _key(self, key):
        return "%s/%s" % (self.prefix, key) if self.prefix else key

    def create(self, key, body):
        try:
            self.client.put_object(**self.retry, Bucket=self.bucket, Key=self._key(key), Body=body.encode(), IfNoneMatch="*",
                                   ContentType="application/json")
            return True
        except ClientError as error:
            if _error_code(error) in ("PreconditionFailed", "ConditionalRequestConflict"):
                return False
            raise

    def _listed(self, key):
        """Whether ``key`` exists, from a listing of exactly that key. The ledger never reads an
        object it has not listed: with docs/iam.md's policy (ListBucket under the ledger's
        prefix only), S3 answers a GetObject of a missing key 403, not 404."""
        full_key = self._key(key)
        reply = self.client.list_objects_v2(**self.retry, Bucket=self.bucket, Prefix=full_key, MaxKeys=1)
        return any(item["Key"] == full_key for item in reply.get("Contents", []))

    def read(self, key, listed=False):
        """(body, ETag) of ``key``, or (None, None); ``listed``: a listing has just returned it."""
        if not listed and not self._listed(key):
            return None, None
        try:
            response = self.client.get_object(**self.retry, Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if _error_code(error) in ("NoSuchKey", "404"):  # removed between the listing and the read
                return None, None
            raise
        return response["Body"].read().decode(), response["ETag"]

    def replace(self, key, body, version):
        condition = dict(IfMatch=version) if version else dict(IfNoneMatch="*")
        try:
            self.client.put_object(**self.retry, Bucket=self.bucket, Key=self._key(key), Body=body.encode(), **condition)
        except ClientError as error:
            if _error_code(error) in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise LedgerConflict("s3://%s/%s was replaced by another run since it was read"
                                     % (self.bucket, self._key(key)))
            raise

    def keys(self, prefix):
        paginator = self.client.get_paginator("list_objects_v2")
        found = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix) + "/"):
            found.extend(item["Key"] for item in page.get("Contents", []) if item["Key"].endswith(".json"))
        strip = len(self.prefix) + 1 if self.prefix else 0
        return sorted(key[strip:] for key in found)

    def exists(self, key):
        return self._listed(key)

    def describe(self, key):
        return "s3://%s/%s" % (self.bucket, self._key(key))


def _error_code(error):
    return error.response.get("Error", {}).get("Code", "")


def parse_location(location):
    """('s3', bucket, prefix) or ('directory', path, None), checked."""
    if not isinstance(location, str) or not location:
        raise LedgerError("ledger location is required: an absolute directory path or s3://bucket/prefix")
    if location.startswith("s3://"):
        match = _S3_LOCATION.fullmatch(location)
        if not match or ".." in (match.group(2) or ""):
            raise LedgerError("ledger location %r is not s3://bucket/prefix with a valid bucket name" % (location,))
        return "s3", match.group(1), match.group(2) or ""
    DirectoryStore(location)  # checks the path
    return "directory", location, None


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


def ledger_module(**options):
    """The AnsibleAWSModule of a ledger module: O(location) and O(ca) (the certfleet.pki.ledger
    doc fragment), the module's own ``options``, and the AWS options, which apply to an S3 location."""
    argument_spec = dict(location=dict(type="str", required=True), ca=dict(type="str", required=True))
    argument_spec.update(options)
    # Imported here: the certificate_plan filter reads this file for parse_location in every
    # worker of a play, and boto3 (which amazon.aws loads) costs about 0.6 s of CPU to import.
    from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
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
    from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry  # see ledger_module
    client = module.client("s3", retry_decorator=AWSRetry.jittered_backoff(retries=8, delay=1, max_delay=15))
    return Ledger(S3Store(client, where, prefix, retried=True), module.params["ca"])
