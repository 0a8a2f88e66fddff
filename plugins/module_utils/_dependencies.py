# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fail a module with the name of the package to install when a Python library is missing
(execution environments and fresh hosts otherwise show an obscure ImportError)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import importlib
import traceback

from ansible.module_utils.basic import missing_required_lib

# import name -> package to install (pip name; the Debian package where one exists)
PACKAGES = {
    "cryptography": ("cryptography", "python3-cryptography"),
    "asn1crypto": ("asn1crypto", "python3-asn1crypto"),
    "pkcs11": ("python-pkcs11", None),
}


def require_libraries(module, *import_names):
    for name in import_names:
        try:
            importlib.import_module(name)
        except ImportError:
            pip_name, debian_name = PACKAGES[name]
            reason = "by this module: pip install %s" % pip_name
            if debian_name:
                reason += " (or apt-get install %s)" % debian_name
            module.fail_json(msg=missing_required_lib(pip_name, reason=reason),
                             exception=traceback.format_exc())
