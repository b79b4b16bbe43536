"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecredit.web.settings")
application = get_wsgi_application()
# Import every view now (the rating models pull in scikit-learn: ~8 s), while the worker starts,
# rather than in the first reader's request.
get_resolver().url_patterns  # noqa: B018
