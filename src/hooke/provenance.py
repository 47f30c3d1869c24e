"""What produced a result: a stable hash of the parameters that shaped it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def config_hash(params: Mapping[str, Any]) -> str:
    """A short, order-independent hash of a JSON-able parameter mapping."""
    text = json.dumps(params, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]
