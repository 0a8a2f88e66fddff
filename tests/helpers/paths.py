"""Where this checkout is, and the collection tree that makes it importable as
ansible_collections.certfleet.pki (scripts/setup.sh links it)."""

import os
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COLLECTIONS = os.path.join(REPO, ".build", "collections")


def use_checkout():
    """Put the collection tree first on sys.path, so tests import this checkout's code."""
    if not os.path.isdir(os.path.join(COLLECTIONS, "ansible_collections", "certfleet", "pki")):
        raise RuntimeError("run scripts/setup.sh first: it links this checkout into %s" % COLLECTIONS)
    if COLLECTIONS not in sys.path:
        sys.path.insert(0, COLLECTIONS)
