# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # What the issuing modules (pkcs11_certificate, acmpca_certificate) check before any
    # signature or API call: the issuer does not trust the host that sent the CSR.
    DOCUMENTATION = r'''
options:
  common_name:
    description:
      - The common name the certificate must carry. The CSR must ask for exactly this one,
        or nothing is signed.
    type: str
  subject_alt_names:
    description:
      - Subject alternative names the certificate must carry, such as C(DNS:www.example.internal)
        or C(IP:10.0.0.5). The CSR must ask for exactly these (no more, no fewer), or nothing
        is signed.
      - When not set, the CSR's names are taken as they are; set it whenever the CSR comes from
        a host you do not fully trust (the certificate role always does).
    type: list
    elements: str
  allowed_names:
    description:
      - Issuer policy. Every name of the certificate (the common name as C(DNS:) and each
        subject alternative name) must match one of these patterns, or nothing is signed.
      - A pattern is a DNS name in which a leading C(*) stands for exactly one label
        (C(*.web.corp.internal)), or an IP address or network (C(10.1.0.0/16)).
      - When not set, any name is allowed.
    type: list
    elements: str
  allow_wildcards:
    description:
      - Issuer policy. Whether a wildcard name (C(DNS:*.example.com)) may be signed. It must then
        also be in O(allowed_names) as it is written - a pattern such as C(*.example.com) allows
        the names below it (C(www.example.com)), never the wildcard certificate itself.
      - Applies only when O(allowed_names) is set.
    type: bool
    default: false
  allowed_profiles:
    description: Issuer policy. The profiles (V(server), V(client), ...) this issuer may sign; any when not set.
    type: list
    elements: str
  max_validity_days:
    description:
      - Issuer policy. The longest validity, in days, this issuer may sign.
      - Whatever it says, no certfleet issuer signs more than 9125 days (25 years).
    type: int
  key:
    description:
      - The declared key. The CSR's key must be exactly this kind (type, curve or size), or
        nothing is signed. A host cannot have a weaker key signed than it was declared with.
      - When not set, any key the issuer can sign is taken.
    type: dict
    suboptions:
      type:
        description: V(ec) or V(rsa).
        type: str
        choices: [ec, rsa]
        default: ec
      curve:
        description: The curve of an EC key (default C(secp256r1)).
        type: str
      size:
        description: The size of an RSA key, in bits.
        type: int
  requester:
    description:
      - Who the certificate is for, such as C(web-3/www) (host and certificate name). Error
        messages start with it, so a refused request in a fleet run names its host.
    type: str
'''
