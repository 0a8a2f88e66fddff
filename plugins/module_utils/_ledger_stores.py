# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two stores an issuance ledger (module_utils/_ledger.py) keeps its objects in: a local
directory, or S3 with conditional writes. Each creates an object only if absent and replaces
one only over the version read, so parallel writers never lose an entry."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import fcntl
import os
import tempfile

try:
    from botocore.exceptions import ClientError
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.certfleet.pki.plugins.module_utils._files import errors_name
from ansible_collections.certfleet.pki.plugins.module_utils._ledger_location import LedgerError, directory_root


class LedgerConflict(LedgerError):
    """Someone else replaced an object between our read and our write."""


class DirectoryStore:
    """Objects as files under a directory: created with a hard link (which fails when the
    name exists), replaced under a lock, so concurrent writers on one machine or one shared
    filesystem never lose an entry."""

    def __init__(self, root):
        self.root = directory_root(root)

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
