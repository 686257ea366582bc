"""Glassbox: an embedded, explainable hybrid search engine (see python/README.md).

The engine is the compiled module glassbox.glassbox; everything it defines is
re-exported here, so `import glassbox; glassbox.Collection.create(...)` works.
Sharded collections on Dask: `import glassbox.dask` (docs/sharding.md).
"""
from .glassbox import *  # noqa: F401,F403
from .glassbox import __doc__, __version__  # noqa: F401
from . import glassbox as _native

# Names the star import leaves out (none start with "_" today, but be explicit).
for _name in dir(_native):
    if not _name.startswith("__"):
        globals().setdefault(_name, getattr(_native, _name))
del _name
