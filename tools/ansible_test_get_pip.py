"""Offline stand-in for the get-pip bootstrap script ansible-test downloads.

ansible-test creates each sanity virtualenv without pip and fetches a get-pip script from
a CI file host to fill it; only package registries are reachable from our machines. This
script does the same job from there: pip from the standard library's ensurepip, then the
packages ansible-test asks for (pinned, from PyPI). scripts/test.sh puts it where
ansible-test looks for its cached copy.
"""

import subprocess
import sys

# Options of get-pip itself, not of `pip install`.
GET_PIP_ONLY_OPTIONS = {"--no-setuptools", "--no-wheel"}

subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"], check=True,
               stdout=subprocess.DEVNULL)
arguments = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
sys.exit(subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *arguments], check=False).returncode)
