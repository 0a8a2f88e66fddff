# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # Options every module that opens a PKCS#11 token shares.
    DOCUMENTATION = r'''
options:
  pkcs11_module:
    description:
      - Path of the PKCS#11 library of the HSM on the host that runs the module.
      - For example C(/usr/lib/softhsm/libsofthsm2.so) (SoftHSM2 on Debian),
        C(/opt/cloudhsm/lib/libcloudhsm_pkcs11.so) (AWS CloudHSM) or
        C(/usr/lib/x86_64-linux-gnu/libykcs11.so) (YubiHSM/YubiKey).
    type: path
    required: true
  token_label:
    description:
      - Label of the token (slot) that holds the key.
    type: str
    required: true
  pin:
    description:
      - User PIN of the token.
      - When not set, the value of the E(CERTFLEET_PKCS11_PIN) environment variable is used,
        which is how AWX/AAP credentials inject it.
      - One of the two is required whenever the token is opened.
      - A wrong PIN fails at once and is never retried, because HSMs lock the user after a
        few wrong attempts.
    type: str
  key_label:
    description:
      - Label (C(CKA_LABEL)) of the key pair on the token.
    type: str
    required: true
requirements:
  - python-pkcs11 >= 0.7
  - cryptography >= 3.4
notes:
  - The module logs in to the token once per run and never reads the private key out of
    it. Keys it creates are sensitive and not extractable.
'''
