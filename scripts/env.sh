# shellcheck shell=bash
# Sourced by the scripts: the virtualenv, and Ansible pointed at this checkout's collection.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$repo/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$repo/.build/collections"
export ANSIBLE_HOST_KEY_CHECKING=false
export ANSIBLE_NOCOLOR=1
# Facts stay under ansible_facts, never top-level variables (ansible-core 2.24's default; docs/security.md).
# The lying-host tests turn it back on, to prove the roles protect users on the old default too.
export ANSIBLE_INJECT_FACT_VARS=false
export ANSIBLE_FORCE_COLOR=0
export PY_COLORS=0
