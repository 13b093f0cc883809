"""The Qt front end: the explorer window, its panels and views, and the engine worker.

``run_app`` is what ``kmeans-gui`` calls. Importing this package imports Qt but never
TensorFlow: the engine is loaded on a worker thread after the window is on screen.
"""

from .main import run_app

__all__ = ["run_app"]
