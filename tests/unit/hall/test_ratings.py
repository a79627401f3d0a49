"""The rating levels: the national five, one English wording each."""

from __future__ import annotations

from hall.ratings import LABELS, RatingLevel


def test_levels_and_labels() -> None:
    assert [(int(r), r.label_zh) for r in sorted(RatingLevel, reverse=True)] == [
        (5, "非常满意"), (4, "满意"), (3, "基本满意"), (2, "不满意"), (1, "非常不满意")]
    assert RatingLevel.FAIRLY_SATISFIED.label_en == "Fairly satisfied"
    assert RatingLevel.VERY_DISSATISFIED.label_en == "Very dissatisfied"
    assert set(LABELS) == {1, 2, 3, 4, 5}
