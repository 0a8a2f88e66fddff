"""crl_files: written where they differ (directory created, backup kept), check mode and a
second run change nothing, a value that is not a CRL writes nothing, the diff says what changed."""

import datetime
import os

import pytest

from ansible_collections.certfleet.pki.plugins.module_utils._crl import build_crl, to_pem
from ansible_collections.certfleet.pki.plugins.modules import crl_files
from helpers.software_ca import software_root

NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


@pytest.fixture(scope="module")
def crls():
    signer, root = software_root("CRL Files Root")
    return [to_pem(build_crl(signer, root, revoked, number, NOW, NOW + datetime.timedelta(days=7)))
            for number, revoked in ((1, {}), (2, {0xabc: ("KEY_COMPROMISE", NOW)}))]


def test_written_where_they_differ_with_a_backup(crls, tmp_path, module_runner):
    path = str(tmp_path / "crl" / "ca.pem")
    args = dict(crls=[dict(path=path, content=crls[0])], mode="0644", backup=True)
    planned = module_runner(crl_files, args, check_mode=True)
    assert planned["changed"] is True and not os.path.exists(path)
    first = module_runner(crl_files, args)
    assert first["changed"] is True and first["files"] == [dict(dest=path, changed=True, crl_number=1)]
    assert open(path).read() == crls[0] and oct(os.stat(path).st_mode & 0o777) == "0o644"
    assert module_runner(crl_files, args)["changed"] is False

    newer = dict(args, crls=[dict(path=path, content=crls[1])], _ansible_diff=True)
    replaced = module_runner(crl_files, newer)
    assert replaced["changed"] is True and open(path).read() == crls[1]
    assert open(replaced["files"][0]["backup_file"]).read() == crls[0]
    assert "crl_number: 1" in replaced["diff"][0]["before"] and "revoked: abc" in replaced["diff"][0]["after"]


@pytest.mark.parametrize("entry, message", [
    (dict(path="relative/ca.pem"), "crls[1].path"),
    (dict(path="/etc/certfleet/crl/ca.pem", content="-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n"),
     "crls[1].content for /etc/certfleet/crl/ca.pem is not a PEM CRL; nothing was written"),
])
def test_bad_input_writes_nothing(crls, tmp_path, module_runner, entry, message):
    good = dict(path=str(tmp_path / "good.pem"), content=crls[0])
    result = module_runner(crl_files, dict(crls=[good, dict(dict(content=crls[0]), **entry)]))
    assert result["failed"] is True and message in result["msg"]
    assert not os.path.exists(good["path"])
