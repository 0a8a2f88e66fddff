"""An execution environment or host without a Python library: each module fails with a
message naming the package to install, not with an ImportError traceback. Each case runs the
module in a fresh interpreter in which the library cannot be imported."""

import json
import subprocess
import sys

import pytest

from helpers.paths import COLLECTIONS

# module -> libraries it needs -> the package name its failure message must give.
PACKAGE = {"boto3": "boto3", "botocore": "botocore", "cryptography": "cryptography",
           "pkcs11": "python-pkcs11", "asn1crypto": "asn1crypto"}
NEEDS = {
    "acmpca_certificate": ["boto3", "botocore", "cryptography"],
    "acmpca_certificate_authority": ["boto3", "botocore", "cryptography"],
    "acmpca_certificate_authority_info": ["boto3", "botocore", "cryptography"],
    "certificate_deploy": ["cryptography"],
    "certificate_requests": ["cryptography"],
    "certificate_status": ["cryptography"],
    "certificate_report": ["cryptography"],
    "cloudwatch_certificate_metrics": ["boto3", "botocore"],
    "kms_certificate": ["boto3", "botocore", "cryptography", "asn1crypto"],
    "acm_private_certificate": ["boto3", "botocore", "cryptography"],
    "secretsmanager_certificate": ["boto3", "botocore", "cryptography"],
    "pkcs11_certificate": ["pkcs11", "asn1crypto", "cryptography"],
    "pkcs11_key": ["pkcs11", "cryptography"],
    "pkcs11_ca_info": ["pkcs11", "cryptography"],
    "trust_anchor": ["cryptography"],
    "trust_bundle": ["cryptography"],
}
# Enough arguments to get past argument validation; the library check comes first after it.
ARGS = {
    "acmpca_certificate": {"certificate_authority_arn": "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/x",
                           "region": "eu-west-1", "csr": "x"},
    "acmpca_certificate_authority": {"region": "eu-west-1", "name": "x"},
    "acmpca_certificate_authority_info": {"certificate_authority_arn": "arn:aws:acm-pca:eu-west-1:1:certificate-authority/x",
                                          "region": "eu-west-1"},
    "certificate_deploy": {"path": "/nonexistent/certfleet", "state": "rollback"},
    "certificate_requests": {"requests": []},
    "certificate_status": {"host": "h", "certificates": []},
    "certificate_report": {"host": "h"},
    "cloudwatch_certificate_metrics": {"namespace": "x", "report": {}, "region": "eu-west-1"},
    "acm_private_certificate": {"certificate_authority_arn": "arn:aws:acm-pca:eu-west-1:1:certificate-authority/x",
                                "region": "eu-west-1", "domain_name": "x.example"},
    "secretsmanager_certificate": {"secret_id": "x", "region": "eu-west-1"},
    "kms_certificate": {"key_id": "alias/x", "region": "eu-west-1", "certificate_profile": "root_ca", "subject": {"CN": "x"}},
    "pkcs11_certificate": {"pkcs11_module": "/nonexistent.so", "token_label": "t", "pin": "0000", "key_label": "k",
                           "profile": "root_ca", "subject": {"CN": "x"}},
    "pkcs11_key": {"pkcs11_module": "/nonexistent.so", "token_label": "t", "pin": "0000", "key_label": "k"},
    "pkcs11_ca_info": {"pkcs11_module": "/nonexistent.so", "token_label": "t", "pin": "0000", "key_label": "k"},
    "trust_anchor": {"name": "x", "state": "absent"},
    "trust_bundle": {"path": "/nonexistent/bundle.pem", "state": "absent"},
}
# Runs in the child: make `library` (and its submodules) unimportable, then run the module.
RUNNER = """
import importlib.abc, json, runpy, sys
library = sys.argv[1]
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == library or name.startswith(library + "."):
            raise ImportError("No module named %r" % name)
sys.meta_path.insert(0, Block())
sys.path.insert(0, sys.argv[2])
from ansible.module_utils import basic
basic._ANSIBLE_ARGS = sys.stdin.read().encode()
basic._ANSIBLE_PROFILE = "legacy"
runpy.run_module("ansible_collections.certfleet.pki.plugins.modules." + sys.argv[3], run_name="__main__")
"""


@pytest.mark.parametrize("module, library", [(module, library) for module, libraries in NEEDS.items()
                                             for library in libraries])
def test_missing_library_names_the_package(module, library):
    args = dict(ARGS[module], _ansible_check_mode=True, _ansible_remote_tmp="/tmp", _ansible_keep_remote_files=False)
    run = subprocess.run([sys.executable, "-c", RUNNER, library, COLLECTIONS, module],
                         input=json.dumps({"ANSIBLE_MODULE_ARGS": args}), capture_output=True, text=True, check=False)
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result.get("failed"), result
    assert PACKAGE[library] in result["msg"], result["msg"]
