"""The opinion threshold below AK level, with complementary suppression (docs/PRODUCT.md).

Below AK level (a district, a district-week, a district-day, a shift) a topic or answer
breakdown is shown only for a group holding at least THRESHOLD conversations. Because the AK's
own breakdown is shown whole, hiding one small group is not enough: it would be the AK's figure
minus the shown ones. So further groups are hidden, smallest first, until the hidden groups
together hold at least THRESHOLD conversations (or every group is hidden). Counts of doors,
conversations and members, a person's own figures and organisers' tools are never passed here.
"""

from collections.abc import Collection, Hashable, Iterable, Mapping

THRESHOLD = 10


def suppressed(
    conversations: Mapping[Hashable, int],
    threshold: int = THRESHOLD,
    already: Collection[Hashable] = (),
) -> set[Hashable]:
    """The groups whose opinion breakdown must not be shown (`already`: hidden for another
    reason, e.g. by the other line of a grid)."""
    hidden = {key for key, n in conversations.items() if n < threshold or key in already}

    def exposed() -> bool:  # could the AK's figure minus the shown groups reveal a small one?
        holding = [k for k in hidden if conversations[k] > 0]
        total = sum(conversations[k] for k in holding)
        return bool(holding) and (total < threshold or len(holding) < 2)

    rest = sorted(
        (k for k in conversations if k not in hidden), key=lambda k: (conversations[k], str(k))
    )
    while exposed() and rest:
        hidden.add(rest.pop(0))
    return hidden


def suppressed_grid(
    cells: Mapping[tuple[Hashable, Hashable], int],
    shown_rows: Iterable[Hashable],
    threshold: int = THRESHOLD,
) -> set[tuple[Hashable, Hashable]]:
    """The hidden cells of a (row, column) grid, e.g. district × week in one AK.

    Every column's total is shown whole (the AK's week) and so is each row in `shown_rows`
    (a district whose own breakdown is shown); a row not in it is hidden whole. Each line is
    suppressed as above, again and again, until no line could reveal a hidden cell.
    """
    shown = set(shown_rows)
    hidden: set[tuple[Hashable, Hashable]] = {c for c in cells if c[0] not in shown}
    lines: dict[tuple[int, Hashable], list[tuple[Hashable, Hashable]]] = {}
    for cell in cells:
        if cell[0] in shown:
            lines.setdefault((0, cell[0]), []).append(cell)
        lines.setdefault((1, cell[1]), []).append(cell)
    changed = True
    while changed:
        changed = False
        for line in lines.values():
            more = suppressed({c: cells[c] for c in line}, threshold, hidden) - hidden
            if more:
                hidden |= more  # type: ignore[arg-type]
                changed = True
    return hidden
