"""The engine in a process of its own, for front ends that must not hold TensorFlow.

The window's process never imports TensorFlow: tracing and compiling would hold its GIL (the
window would freeze for hundreds of milliseconds at a new k or algorithm) and a native crash
would take the user's session with it. :class:`EngineProcess` (``client``) starts one child
with the ``spawn`` method, shares the feature matrix with it once (``shared``, POSIX shared
memory), and sends it small jobs (``protocol``); the child (``server``) runs them on the engine
and streams back states that carry only what views need. Nothing here imports Qt: the window's
one adapter (``kmeans_gui.app.engine_link``) turns the client's callbacks into signals.
"""

from .client import EngineCrashed, EngineProcess, Job

__all__ = ["EngineCrashed", "EngineProcess", "Job"]
