#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: pkcs11_key
short_description: Ensure a CA key pair exists on a PKCS#11 token (HSM)
version_added: 0.1.0
description:
  - Ensures a key pair with a given label exists on a PKCS#11 token, generating it on the
    token when it is missing. The private key is created sensitive and not extractable,
    so it never leaves the HSM.
  - The key pair may only sign (private half) and verify (public half). It may not decrypt,
    unwrap, derive, encrypt or wrap, which PKCS#11 libraries grant by default.
  - An existing key of another type, curve or size is an error; it is never replaced silently.
    An existing key that allows more than sign/verify is kept, reported in
    RV(excess_usages) and warned about.
  - Works with any PKCS#11 library (SoftHSM2, AWS CloudHSM, YubiHSM, Luna...).
extends_documentation_fragment:
  - certfleet.pki.pkcs11
options:
  key_type:
    description: Key algorithm.
    type: str
    choices: [ec, rsa]
    default: ec
  curve:
    description: Curve for O(key_type=ec).
    type: str
    choices: [secp256r1, secp384r1]
    default: secp256r1
  size:
    description: Modulus size in bits for O(key_type=rsa).
    type: int
    choices: [2048, 3072, 4096]
    default: 3072
  state:
    description:
      - V(present) generates the key pair when no key has the label.
      - V(absent) destroys both halves of the key pair. This cannot be undone.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Reports whether the key would be generated or destroyed, and changes nothing.
  diff_mode:
    support: none
    description: The module changes no files.
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: Root CA key on the HSM
  certfleet.pki.pkcs11_key:
    pkcs11_module: /usr/lib/softhsm/libsofthsm2.so
    token_label: pki
    pin: "{{ vault_hsm_pin }}"
    key_label: root-2026
    key_type: ec
    curve: secp384r1
  register: root_key

- name: Same, with the PIN from CERTFLEET_PKCS11_PIN (AWX credential)
  certfleet.pki.pkcs11_key:
    pkcs11_module: /opt/cloudhsm/lib/libcloudhsm_pkcs11.so
    token_label: cavium
    key_label: issuing-ca
    key_type: rsa
    size: 3072
'''

RETURN = r'''
public_key:
  description: The public key in PEM (SubjectPublicKeyInfo). Not returned when the key is absent.
  returned: state is present
  type: str
  sample: "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE...\n-----END PUBLIC KEY-----\n"
key_id:
  description: The key's C(CKA_ID) in hex, or null when the token keeps none (or in check mode before creation).
  returned: state is present
  type: str
  sample: 5f1c0b2e9a4d4c8e8b1f2a3c4d5e6f70
key:
  description: The key's algorithm and size, for example C(EC secp384r1) or C(RSA 3072).
  returned: state is present
  type: str
  sample: EC secp384r1
excess_usages:
  description:
    - Usages the key pair allows beyond sign (private half) and verify (public half), as
      C(half:usage). Empty for every key this module creates.
  returned: state is present
  type: list
  elements: str
  sample: [private:decrypt, public:encrypt]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certfleet.pki.plugins.module_utils._declaration_defaults import DEFAULT_EC_CURVE
from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._pkcs11_token import (
    CA_EC_CURVES,
    CA_RSA_SIZES,
    excess_usages,
    key_id_of,
    key_matches,
    open_token,
    pkcs11_argument_spec,
    public_key_of,
)
from ansible_collections.certfleet.pki.plugins.module_utils._signers import SignerError, key_description
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import public_key_pem


def wanted_description(params):
    if params["key_type"] == "ec":
        return "EC %s" % params["curve"]
    return "RSA %d" % params["size"]


def describe(private, public):
    public_key = public_key_of(public)
    return dict(public_key=public_key_pem(public_key), key_id=key_id_of(private), key=key_description(public_key),
                excess_usages=excess_usages(private, public))


def ensure_present(module, token):
    params = module.params
    pair = token.find_key_pair(params["key_label"])
    if pair is not None:
        public_key = public_key_of(pair[1])
        if not key_matches(public_key, params["key_type"], params["curve"], params["size"]):
            module.fail_json(msg="key %r on token %r is %s, not the requested %s; it is left as it is "
                                 "(choose another key_label, or remove it with state=absent)"
                                 % (params["key_label"], params["token_label"], key_description(public_key),
                                    wanted_description(params)))
        result = dict(changed=False, **describe(*pair))
        if result["excess_usages"]:
            module.warn("key %r on token %r allows more than a CA key needs (%s); create a new key with this "
                        "module and move the CA to it" % (params["key_label"], params["token_label"],
                                                          ", ".join(result["excess_usages"])))
        return result
    if module.check_mode:
        return dict(changed=True, public_key=None, key_id=None, key=wanted_description(params), excess_usages=[])
    pair = token.generate_key_pair(params["key_label"], params["key_type"], params["curve"], params["size"])
    return dict(changed=True, **describe(*pair))


def ensure_absent(module, token):
    exists = token.find_key_pair(module.params["key_label"]) is not None
    if exists and not module.check_mode:
        token.destroy_key_pair(module.params["key_label"])
    return dict(changed=exists)


def main():
    argument_spec = pkcs11_argument_spec()
    argument_spec.update(
        key_type=dict(type="str", choices=["ec", "rsa"], default="ec"),
        curve=dict(type="str", choices=CA_EC_CURVES, default=DEFAULT_EC_CURVE),
        size=dict(type="int", choices=CA_RSA_SIZES, default=3072),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    require_libraries(module, "cryptography", "pkcs11")
    try:
        with open_token(module.params) as token:
            if module.params["state"] == "present":
                result = ensure_present(module, token)
            else:
                result = ensure_absent(module, token)
    except SignerError as error:
        module.fail_json(msg=str(error))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
