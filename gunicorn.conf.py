"""gunicorn's settings for the Review Portal, read from the project folder by
`make serve` and by any `gunicorn review_portal.wsgi` started here (README,
"Deployment"). Environment variables set each one."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers, each serving one request at a time: the portal's requests are short
# database reads (pages come from the page cache when they can). gunicorn's own rule
# of thumb, two per core plus one, unless WEB_CONCURRENCY says otherwise.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# A request that takes longer than this is stuck: its worker is restarted. Long
# enough for the largest download, which a sync worker streams without a heartbeat.
timeout = 120
graceful_timeout = 30
# Workers are replaced now and then, so that no slow leak can grow for ever.
max_requests = 2000
max_requests_jitter = 200
# No control socket: gunicorn's default is one path per machine user, which two
# servers started by the same user (the tests', the benchmark's) would share.
control_socket_disable = True
# Errors to stderr; each request is logged by the proxy in front (or set
# GUNICORN_ACCESS_LOG=- to log them here too).
errorlog = "-"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# Behind a proxy on the same machine; name it if it is elsewhere.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
