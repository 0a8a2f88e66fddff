#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: pkcs11_ca_info
short_description: Read a CA key on a PKCS#11 token and check it against its CA certificate
version_added: 0.2.0
description:
  - Opens the token once, finds the key pair labelled O(key_label) and reports what it is.
    With O(ca_certificate), also reports whether the certificate carries this key and how
    long it is valid, so a play can stop before any host work when the issuer cannot sign.
  - The certificate role runs it once per issuer and play, only when something is due, with
    O(login=when_needed) - no HSM login, so that the batch's signing run is the only one.
  - Changes nothing; the private key never leaves the token.
extends_documentation_fragment:
  - certfleet.pki.attributes.read_only
  - certfleet.pki.pkcs11
options:
  ca_certificate:
    description: The CA certificate the key should belong to (PEM content or a path).
    type: str
  login:
    description:
      - V(always) logs in and finds the key pair - the private key is there, the PIN is right.
      - V(when_needed) first reads the public key in a session without login (tokens show
        public objects to anyone; no PIN needed, no login to audit or rate-limit) and logs in
        only when the token does not show it. The private key and the PIN are then proven by
        the first signature.
    type: str
    choices: [always, when_needed]
    default: always
seealso:
  - module: certfleet.pki.pkcs11_key
  - module: certfleet.pki.pkcs11_certificate
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: The issuing key is there and belongs to the CA certificate
  certfleet.pki.pkcs11_ca_info:
    pkcs11_module: /usr/lib/softhsm/libsofthsm2.so
    token_label: pki
    key_label: issuing-2026
    ca_certificate: /etc/pki/example/issuing-2026.pem
  register: issuer

- name: Refuse to go on with a key that does not sign for this CA
  ansible.builtin.assert:
    that: issuer.ca_certificate_matches
'''

RETURN = r'''
found:
  description: Whether a key pair with O(key_label) is on the token (its public key, when read without login).
  returned: always
  type: bool
logged_in:
  description: Whether the module logged in to the token.
  returned: always
  type: bool
key:
  description: The key's algorithm and size, for example C(EC secp384r1); null when not found.
  returned: always
  type: str
public_key:
  description: The public key (PEM); null when not found.
  returned: always
  type: str
excess_usages:
  description: Usages beyond sign/verify the key pair allows (see M(certfleet.pki.pkcs11_key)).
  returned: when found
  type: list
  elements: str
ca_certificate_matches:
  description: Whether O(ca_certificate) carries this key's public key.
  returned: when O(ca_certificate) is given
  type: bool
ca_not_before:
  description: Start of validity of O(ca_certificate), ISO 8601 UTC.
  returned: when O(ca_certificate) is given
  type: str
ca_not_after:
  description: End of validity of O(ca_certificate), ISO 8601 UTC.
  returned: when O(ca_certificate) is given
  type: str
ca_valid_now:
  description: Whether O(ca_certificate) is within its validity now.
  returned: when O(ca_certificate) is given
  type: bool
ca_days_left:
  description: Days until O(ca_certificate) ends (negative once it has).
  returned: when O(ca_certificate) is given
  type: float
'''

import datetime

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
from ansible_collections.certfleet.pki.plugins.module_utils._pkcs11_token import (
    excess_usages,
    open_token,
    pkcs11_argument_spec,
    public_key_of,
)
from ansible_collections.certfleet.pki.plugins.module_utils._signers import key_description
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import (
    load_certificate,
    not_valid_after,
    not_valid_before,
    public_key_pem,
    same_public_key,
)


def describe_pair(private_object, public_object, logged_in):
    """(facts, public key) of the key pair; ``private_object`` is None when read without login."""
    public_key = public_key_of(public_object)
    return dict(found=True, logged_in=logged_in, key=key_description(public_key), public_key=public_key_pem(public_key),
                excess_usages=excess_usages(private_object, public_object)), public_key


def key_facts(params):
    if params["login"] == "when_needed":
        with open_token(params, login=False) as token:
            public_object = token.find_public_key(params["key_label"])
            if public_object is not None:
                return describe_pair(None, public_object, logged_in=False)
    with open_token(params) as token:
        pair = token.find_key_pair(params["key_label"])
        if pair is None:
            return dict(found=False, logged_in=True, key=None, public_key=None), None
        return describe_pair(pair[0], pair[1], logged_in=True)


def main():
    argument_spec = pkcs11_argument_spec()
    argument_spec.update(ca_certificate=dict(type="str"),
                         login=dict(type="str", choices=["always", "when_needed"], default="always"))
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    require_libraries(module, "cryptography", "pkcs11")
    try:
        certificate = load_certificate(module.params["ca_certificate"], "ca_certificate") \
            if module.params["ca_certificate"] else None
        result, public_key = key_facts(module.params)
    except CertfleetError as error:
        module.fail_json(msg=str(error))
    if certificate is not None:
        now = datetime.datetime.now(datetime.timezone.utc)
        result.update(ca_certificate_matches=public_key is not None and same_public_key(public_key, certificate.public_key()),
                      ca_not_before=not_valid_before(certificate).isoformat(),
                      ca_not_after=not_valid_after(certificate).isoformat(),
                      ca_valid_now=not_valid_before(certificate) <= now < not_valid_after(certificate),
                      ca_days_left=round((not_valid_after(certificate) - now).total_seconds() / 86400, 2))
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
