# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the current certificate of a certificate_deploy directory is, from the one owner of
the on-host layout (module_utils/_store.py), for roles that are handed a directory."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.certfleet.pki.plugins.module_utils._names import DeclarationError, config_path
from ansible_collections.certfleet.pki.plugins.module_utils._store import certificate_paths as store_paths


def certificate_paths(directory):
    try:
        return store_paths(config_path(directory, "certificate directory"))
    except DeclarationError as error:
        raise AnsibleFilterError(str(error))


class FilterModule(object):
    def filters(self):
        return {"certificate_paths": certificate_paths}
