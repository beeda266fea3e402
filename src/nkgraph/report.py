"""The outcome of SHACL validation in plain terms (no rdflib: the no-op build returns one cheaply).

>>> Report(True).text
'Conforms: no SHACL violations.'
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Violation:
    """One SHACL result, in plain terms."""

    shape: str
    focus: str
    focus_label: str
    path: str | None
    value: str | None
    message: str
    severity: str


@dataclass
class Report:
    """Outcome of validation: ``conforms`` and the violations, grouped by shape in ``text``."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)

    @property
    def text(self) -> str:
        if self.conforms:
            return "Conforms: no SHACL violations."
        groups: dict[str, list[Violation]] = defaultdict(list)
        for v in self.violations:
            groups[v.shape].append(v)
        lines = [f"{len(self.violations)} SHACL violation(s) in {len(groups)} shape(s):"]
        for shape in sorted(groups):
            items = groups[shape]
            lines.append(f"\n{shape} — {items[0].message} ({len(items)})")
            for v in sorted(items, key=lambda v: (v.focus_label, v.path or "", v.value or "")):
                detail = f"  - {v.focus_label} <{v.focus}>"
                if v.path:
                    detail += f" · {v.path}"
                if v.value:
                    detail += f" = {v.value}"
                if v.message != items[0].message:
                    detail += f" ({v.message})"
                lines.append(detail)
        return "\n".join(lines)
