# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # The options every issuing module shares (module_utils/_issuance.py): what is asked
    # for, what is in use now, and when that is due.
    DOCUMENTATION = r'''
options:
  csr:
    description:
      - The certificate signing request, as PEM content or the path of a PEM file on the
        machine that runs the module (the operator's own file). Its signature is checked.
        Required to issue a certificate.
      - The C(csr) of each O(requests) entry (a host's CSR) is PEM content only, at most 32 KiB;
        it is never read as a path.
    type: str
  current_certificate:
    description:
      - The certificate in use now (PEM content or a path). While it fits the request (same
        CA, public key, subject, subject alternative names and profile) and is outside the
        renewal window, it is returned and nothing is signed or bought.
    type: str
  renew_before:
    description:
      - When the current certificate is due, as days before it expires (C(30d)) or as the
        share of its lifetime left (C(33%)).
    type: str
    default: "33%"
  force:
    description: Issue a new certificate even when the current one still fits.
    type: bool
    default: false
'''
