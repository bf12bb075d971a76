"""Names shared by every room: margin labels of crosstabs and the "no code applies" value."""

from __future__ import annotations

__all__ = ["MARGIN_LABEL", "MARGIN_NAMES", "NO_CODE"]

#: The label a crosstab gives its margin row and column, by label language (``"id"``: code ids).
MARGIN_LABEL = {"zh": "合计", "en": "Total", "id": "Total"}

#: Names recognised as margins when a crosstab comes back from a file or from pandas ("All").
MARGIN_NAMES = frozenset({*MARGIN_LABEL.values(), "总计", "总和", "All", "all", "total", "Sum",
                          "Margin"})

#: The value a coder enters on a coding sheet when no code of the codebook applies.
NO_CODE = "none"
