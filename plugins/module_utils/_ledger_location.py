# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where an issuance ledger lives (module_utils/_ledger.py): a local directory or
``s3://bucket/prefix``, checked. Nothing here knows S3 beyond the form of its location, so the
plan checks a declared ledger without importing a store."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError

_S3_LOCATION = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(.*))?\Z")


class LedgerError(CertfleetError):
    """The ledger cannot be read or written as asked; the message says why."""


def directory_root(root):
    """The normalised absolute path of a directory ledger."""
    if not os.path.isabs(root):
        raise LedgerError("ledger location %r must be an absolute directory path or s3://bucket/prefix" % (root,))
    return os.path.normpath(root)


def parse_location(location):
    """('s3', bucket, prefix) or ('directory', path, None), checked."""
    if not isinstance(location, str) or not location:
        raise LedgerError("ledger location is required: an absolute directory path or s3://bucket/prefix")
    if location.startswith("s3://"):
        match = _S3_LOCATION.fullmatch(location)
        if not match or ".." in (match.group(2) or ""):
            raise LedgerError("ledger location %r is not s3://bucket/prefix with a valid bucket name" % (location,))
        return "s3", match.group(1), match.group(2) or ""
    directory_root(location)  # checks the path
    return "directory", location, None
