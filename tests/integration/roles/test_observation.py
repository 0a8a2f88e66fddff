"""The host's observation (playbooks/tasks/observe.yml) holds for the play that took it: a
later play of the same run that does not observe (here, the certificate role with a forced
renewal after site.yml) checks the host itself and renews. Local-connection host, SoftHSM2 CA."""

import os

from helpers.lab_fleet import play_recap
from helpers.lying_host import LyingFleet
from helpers.paths import REPO

CERTIFICATES = [{"name": "web", "issuer": "hsm", "common_name": "{{ inventory_hostname }}"}]
PLAYBOOK = """- name: site.yml, which observes the host
  ansible.builtin.import_playbook: %s

- name: A later play that does not observe
  hosts: all
  gather_facts: false
  roles:
    - role: certfleet.pki.certificate
      certfleet_force_renew: [web]
"""


def test_a_later_play_of_the_run_does_not_read_the_observation(hsm_ca, tmp_path):
    (tmp_path / "fleet").mkdir()
    fleet = LyingFleet(tmp_path / "fleet", {}, honest=(), liar="web-1")  # no lie here: one host, its own directories
    playbook = tmp_path / "site-then-renew.yml"
    playbook.write_text(PLAYBOOK % os.path.join(REPO, "playbooks", "site.yml"))
    variables = "@" + hsm_ca.role_vars(CERTIFICATES)
    token = dict((name, hsm_ca.env[name]) for name in ("SOFTHSM2_CONF", "CERTFLEET_PKCS11_PIN"))
    first = fleet.playbook(os.path.join(REPO, "playbooks", "site.yml"), "-e", variables, env=token)
    assert play_recap(first.stdout)["web-1"][1] == 0 and fleet.installed("web-1"), first.stdout[-3000:]
    issued = fleet.installed("web-1")
    run = fleet.playbook(str(playbook), "-e", variables, env=token)
    assert play_recap(run.stdout)["web-1"][1] == 0, run.stdout[-3000:]
    assert fleet.installed("web-1") != issued, "the later play renewed: it did not take site.yml's observation"
