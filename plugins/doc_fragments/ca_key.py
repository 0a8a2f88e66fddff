# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # Options of the modules that sign with a CA key of their own (pkcs11_certificate,
    # kms_certificate): the CA certificate, the subject and the extensions. Each module
    # documents its certificate profile option and O(requests) itself: in kms_certificate the
    # profile is O(certificate_profile), since amazon.aws's O(profile) is the AWS profile.
    DOCUMENTATION = r'''
options:
  ca_certificate:
    description:
      - The certificate of the CA key, as PEM content or a path.
      - Required unless the certificate profile is V(root_ca).
    type: str
  ca_chain:
    description:
      - Certificates above the CA certificate (PEM content or a path), issuer first, root last.
        They are appended to RV(chain) and RV(fullchain).
    type: str
  subject:
    description:
      - "The subject as a dictionary, for example C({CN: Example Root, O: Example}); keys as
        in community.crypto's openssl_csr (C(CN), C(O), C(OU), C(C), C(ST), C(L),
        C(emailAddress), long forms too)."
      - Required for the V(root_ca) profile. For the other profiles it replaces the CSR's subject;
        O(common_name) is the simpler way to state the one name a server certificate carries.
    type: dict
  path_length:
    description: The C(pathLenConstraint) of a CA certificate (CA profiles only).
    type: int
  validity_days:
    description:
      - How long the certificate is valid, in days.
      - Defaults to 365 for end-entity certificates, 1825 for V(subordinate_ca) and 3650 for V(root_ca).
    type: int
  validity_clamp:
    description:
      - When the requested validity would outlive the CA certificate, end the certificate
        with the CA certificate (V(true)) or fail (V(false)).
    type: bool
    default: true
  crl_distribution_points:
    description: URLs for the CRL distribution points extension.
    type: list
    elements: str
  ocsp_url:
    description: OCSP responder URL for the authority information access extension.
    type: str
  ca_issuers_url:
    description: URL of the issuing CA's certificate for the authority information access extension.
    type: str
'''
