"""Send a worker task by its name, so callers outside ``workers`` never import it.

The pages and the catalog ask for work (an overlay rendered, a cutout fetched) without
importing the Celery tasks: the task is looked up in the app's registry by name. In eager
mode (``make demo``/``make serve``, tests) it then runs in this process, as ``.delay`` would.
"""

from __future__ import annotations

from celery import current_app


def enqueue(task_name: str, *args, **kwargs):
    """``task_name.delay(*args, **kwargs)`` without importing the task's module."""
    app = current_app
    # Registers the workers' tasks in this process (the app's autodiscovery runs on this
    # signal); a worker does the same at start. Cheap once the modules are imported.
    app.loader.import_default_modules()
    return app.signature(task_name, args=args, kwargs=kwargs).apply_async()
