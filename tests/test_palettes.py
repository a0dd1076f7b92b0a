"""One meaning per colour: structures own their hues, every other palette is distinct and shared."""

from __future__ import annotations

from itertools import combinations

from matplotlib.colors import to_rgb

from orgsim.presentation import answers, style


def _distance(a: str, b: str) -> float:
    return sum((x - y) ** 2 for x, y in zip(to_rgb(a), to_rgb(b), strict=True)) ** 0.5


def test_no_other_palette_uses_a_structure_colour():
    structure = set(style.STRUCTURE_COLORS.values())
    for name, palette in style.PALETTES.items():
        if name == "structures":
            continue
        for key, color in palette.items():
            near = [s for s in structure if _distance(color, s) < 0.25]
            assert not near, f"{name}: {key} {color} is close to a structure colour {near}"


def test_each_palette_tells_its_parts_apart():
    for name, palette in style.PALETTES.items():
        for (k1, c1), (k2, c2) in combinations(palette.items(), 2):
            assert _distance(c1, c2) > 0.2, f"{name}: {k1} {c1} and {k2} {c2} look alike"


def test_every_cause_and_source_has_a_fixed_colour():
    from orgsim import measures

    assert {t.key for t in measures.LEAK_CAUSES} <= set(style.CAUSE_COLORS)
    assert set(style.part_colors(list(style.SOURCE_COLORS), "source").values()) == set(
        style.SOURCE_COLORS.values()
    )


def test_claims_verdicts_and_waterfall_steps_use_the_named_palettes():
    assert set(answers.VERDICT_COLORS.values()) == set(style.VERDICT_COLORS_BY_NAME.values())
    assert {answers.RAISE, answers.LOWER} == {style.DIVERGING["up"], style.DIVERGING["down"]}
