import pytest

from ansible_collections.certfleet.pki.plugins.module_utils import _dependencies as dependencies


class FailingModule:
    def fail_json(self, **result):
        raise RuntimeError(result["msg"])


def test_missing_library_names_the_package_to_install(monkeypatch):
    real_import = dependencies.importlib.import_module

    def fake_import(name):
        if name == "pkcs11":
            raise ImportError("No module named 'pkcs11'")
        return real_import(name)
    monkeypatch.setattr(dependencies.importlib, "import_module", fake_import)
    with pytest.raises(RuntimeError, match="python-pkcs11") as error:
        dependencies.require_libraries(FailingModule(), "cryptography", "pkcs11")
    assert "pip install python-pkcs11" in str(error.value)


def test_present_libraries_pass():
    dependencies.require_libraries(FailingModule(), "cryptography", "asn1crypto")
