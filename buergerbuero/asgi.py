"""ASGI entry point: HTTP through Django, WebSockets through Channels, and the lifespan protocol to run
background jobs (ticket expiry, daily retention) in the web process when RUN_JOBS_IN_PROCESS is on."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buergerbuero.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from buergerbuero.site.asgi import build_application  # noqa: E402

application = build_application(django_asgi_app)

from buergerbuero.core.gc import tune_for_server  # noqa: E402

tune_for_server()
