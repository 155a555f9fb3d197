"""WSGI entry point of the concurrency tests' gunicorn: the real app with the test's settings.

The settings arrive as JSON in the ``LIVE_APP_CONFIG`` environment variable (the test's
database, CSRF on), so the server runs on exactly the database the test seeds and reads.
"""

import json
import os

from scheduler import create_app

app = create_app(json.loads(os.environ["LIVE_APP_CONFIG"]))
