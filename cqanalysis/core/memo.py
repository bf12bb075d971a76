"""Results computed from an immutable object (an Analysis), kept for as long as the object lives.

Several outputs derive the same frames from one analysis (codes rolled up to their types for
the crosstabs, three figures, the appendix and the thesis document; the QDA frames for the
appendix, the QDA tables and the REFI-QDA project); each is computed once per analysis.
"""

from __future__ import annotations

import weakref
from typing import Any

__all__ = ["object_memo"]

# id(obj) → (weak reference to it, its computed results).  An Analysis is a frozen dataclass
# holding DataFrames, so it is not hashable (no WeakKeyDictionary); the entry goes when the
# object is collected, and the reference guards against a reused id.
_MEMOS: dict[int, tuple[weakref.ref[Any], dict[Any, Any]]] = {}


def object_memo(obj: Any) -> dict[Any, Any]:
    """The results computed so far for ``obj`` (a fresh dict for an object not seen).

    The caller treats ``obj`` as immutable: a result is never recomputed while ``obj`` lives.
    An object that cannot be weakly referenced gets a new, unshared dict every call.
    """
    key = id(obj)
    entry = _MEMOS.get(key)
    if entry is not None and entry[0]() is obj:
        return entry[1]

    def forget(_gone: weakref.ref[Any]) -> None:
        _MEMOS.pop(key, None)

    try:
        ref = weakref.ref(obj, forget)
    except TypeError:  # not weakly referable: compute every time
        return {}
    _MEMOS[key] = (ref, {})
    return _MEMOS[key][1]
