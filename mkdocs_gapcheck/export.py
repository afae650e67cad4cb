"""The model as data: the contract's export shape, shared by the site export and the CLI."""

from __future__ import annotations

import json
from typing import Any

from .model import Model


def as_data(model: Model) -> dict[str, Any]:
    """Gaps in matrix order, pages by path, findings by file then line: deterministic."""
    return {
        "gaps": [
            {
                "id": g.id,
                "title": g.title,
                "severity": g.severity,
                "effort": g.effort,
                "timing": g.timing,
                "status": g.status,
                "page": g.page,
                "line": g.line,
                "addressed_by": list(g.addressed_by),
            }
            for g in model.gaps
        ],
        "pages": [
            {
                "path": p.path,
                "kind": p.kind,
                "title": p.title,
                "addresses": list(p.addresses),
            }
            for p in sorted(model.pages.values(), key=lambda p: p.path)
            if p.kind is not None
        ],
        "findings": [f.as_dict() for f in model.findings],
    }


def to_json(model: Model) -> str:
    return json.dumps(as_data(model), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
