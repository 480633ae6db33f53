"""The opinion threshold below AK level, with complementary suppression (docs/PRODUCT.md).

Below AK level (a district, a district-week, a district-day, a shift) a topic or answer
breakdown is shown only for a group holding at least THRESHOLD conversations. Because the AK's
own breakdown is shown whole, hiding one small group is not enough: it would be the AK's figure
minus the shown ones. So further groups are hidden, smallest first, until the hidden groups
together hold at least THRESHOLD conversations (or every group is hidden). Counts of doors,
conversations and members, a person's own figures and organisers' tools are never passed here.
"""

from collections.abc import Hashable, Mapping

THRESHOLD = 10


def suppressed(conversations: Mapping[Hashable, int], threshold: int = THRESHOLD) -> set[Hashable]:
    """The groups whose opinion breakdown must not be shown."""
    hidden = {key for key, n in conversations.items() if n < threshold}

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
