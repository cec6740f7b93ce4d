"""The Celery application of the portal, for the `celery` command in scale-out mode:

    celery -A portal.celery_worker worker        # as many as needed
    celery -A portal.celery_worker beat          # exactly one

(`flask --app portal worker` does the same, with `--beat` on one node.)
"""

from portal import create_app

app = create_app()
celery = app.extensions["celery"]
