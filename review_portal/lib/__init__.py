"""Machinery the whole portal shares and that knows no app: it imports neither
`recommendations` nor `sources` (tests/test_architecture.py checks this). The apps
and the site-wide pages import it, never the other way."""
