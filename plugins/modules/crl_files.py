#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: crl_files
short_description: Write the CRLs a host's TLS servers read, in one run
version_added: 0.2.0
description:
  - Writes each CRL (PEM) to its path on the host where its content differs, atomically,
    creating the directory. Every CRL is parsed before anything is written; a value that is
    not one PEM CRL fails the run with nothing written.
  - With O(backup), the previous file is kept and its path returned, so that a failed reload
    can put it back (the certfleet.pki.safe_reload role does, with the results in RV(files)).
  - The certfleet.pki.crl role runs it once per host for all of the host's CRLs.
extends_documentation_fragment:
  - ansible.builtin.files
options:
  crls:
    description: The CRLs to write.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Absolute path of the file.
        type: str
        required: true
      content:
        description: The CRL, in PEM.
        type: str
        required: true
  backup:
    description: Keep the file a CRL replaces, as C(<path>.<timestamp>~), and return its path.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reports which files would change; writes nothing.
  diff_mode:
    support: full
    description: Shows each changed file's issuer, CRL number, nextUpdate and revoked serials, before and after.
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: The CRLs of the CAs whose client certificates this host accepts
  certfleet.pki.crl_files:
    crls:
      - path: /etc/certfleet/crl/lab-hsm.pem
        content: "{{ lab_hsm_crl }}"
    owner: root
    group: root
    mode: "0644"
    backup: true
'''

RETURN = r'''
files:
  description: One entry per CRL, in order - C(dest), C(changed), C(crl_number), and C(backup_file) when one was kept.
  returned: always
  type: list
  elements: dict
  sample: [{dest: /etc/certfleet/crl/lab-hsm.pem, changed: true, crl_number: 1764420000, backup_file: /etc/certfleet/crl/lab-hsm.pem.2026-11-29@12:00:00~}]
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certfleet.pki.plugins.module_utils._crl import CrlError, crl_number, load_crl, next_update, revoked_of
from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import run_and_exit
from ansible_collections.certfleet.pki.plugins.module_utils._files import read_text, write_atomically
from ansible_collections.certfleet.pki.plugins.module_utils._names import DeclarationError, config_path


def _summary(text):
    """What a diff shows of a CRL: who signed it, its number, nextUpdate and what it revokes."""
    if not text:
        return ""
    try:
        crl = load_crl(text, "CRL")
    except CrlError:
        return "(not a CRL)\n"
    serials = ", ".join("%x" % serial for serial in sorted(revoked_of(crl))) or "none"
    return "issuer: %s\ncrl_number: %s\nnext_update: %s\nrevoked: %s\n" % (
        crl.issuer.rfc4514_string(), crl_number(crl), next_update(crl).isoformat() if next_update(crl) else None,
        serials)


def _checked(index, entry):
    try:
        path = config_path(entry["path"], "crls[%d].path" % index)
    except DeclarationError as error:
        raise CrlError(str(error))
    if "-----BEGIN X509 CRL-----" not in entry["content"]:
        raise CrlError("crls[%d].content for %s is not a PEM CRL; nothing was written" % (index, path))
    return path, load_crl(entry["content"], "crls[%d].content" % index)


def run(module):
    checked = [_checked(index, entry) + (entry["content"],) for index, entry in enumerate(module.params["crls"])]
    files, diffs = [], []
    for path, crl, content in checked:
        current = read_text(path)
        result = dict(dest=path, changed=current != content, crl_number=crl_number(crl))
        if result["changed"] and module._diff:  # pylint: disable=protected-access
            diffs.append(dict(before_header=path, after_header=path, before=_summary(current), after=_summary(content)))
        if result["changed"] and not module.check_mode:
            if current is not None and module.params["backup"]:
                result["backup_file"] = module.backup_local(path)
            os.makedirs(os.path.dirname(path), 0o755, exist_ok=True)
            write_atomically(module, path, content)
        file_args = module.load_file_common_arguments(module.params, path=path)
        if os.path.exists(path):
            result["changed"] = module.set_fs_attributes_if_different(file_args, result["changed"])
        files.append(result)
    result = dict(changed=any(entry["changed"] for entry in files), files=files)
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = diffs
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            crls=dict(type="list", elements="dict", required=True, options=dict(
                path=dict(type="str", required=True),
                content=dict(type="str", required=True),
            )),
            backup=dict(type="bool", default=False),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    require_libraries(module, "cryptography")
    run_and_exit(module, run)


if __name__ == "__main__":
    main()
