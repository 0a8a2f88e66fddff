# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # Options of the modules that read or write an issuance ledger.
    DOCUMENTATION = r'''
options:
  location:
    description:
      - Where the ledger lives, on the host that runs the module - an absolute directory
        path, or C(s3://bucket/prefix).
      - Use S3 when controllers are ephemeral (AWX/AAP execution environments, SSM Run
        Command instances). The AWS options (O(region), O(endpoint_url), O(profile)...) apply
        to an S3 location only.
      - Entries are one object each, created only if absent (a hard link in a directory,
        C(If-None-Match) in S3), so parallel runs never lose one another's entries.
    type: str
    required: true
  ca:
    description:
      - The CA whose entries these are; the certificate role uses the issuer's name in
        C(certfleet_issuers). Entries live under C(<location>/<ca>/).
    type: str
    required: true
notes:
  - "Layout per CA - C(issued/<serial>.json) for each certificate signed,
    C(revoked/<serial>.json) for each revocation, C(crl.pem) for the current CRL."
  - Give the ledger's bucket versioning and an object lock or a deny-delete policy; docs/revocation.md has one.
'''
