"""What a view needs of the window: the store, the operations, who acts, and
how times read. Views get this instead of the main window itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from warroom.text.timefmt import TimeFormatter

if TYPE_CHECKING:
    from warroom.store import Store
    from ui.ops import Operations


@dataclass
class WindowContext:
    """``actor`` is read when needed: whoever uses the window at that moment."""

    store: Store
    ops: Operations
    who: Callable[[], str] | str
    local: TimeFormatter = field(default_factory=TimeFormatter)

    @property
    def actor(self) -> str:
        return self.who() if callable(self.who) else self.who

    @property
    def clock(self):
        return self.store.clock
