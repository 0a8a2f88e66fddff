"""Everything the tests share, in one place: paths of this checkout, running modules in
process, a SoftHSM2 token, a stubbed ACM PCA client, lab fleets, a moto server and the SSM
document. tests/conftest.py registers the fixtures; tests import the rest from here."""
