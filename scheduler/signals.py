"""Domain events that let one area react to another without importing it.

`schedule_changed` is sent, with the community id as sender and the affected shift ids as
``shift_ids``, after any committed change that alters who does what or when: a publish, a
confirmed or withdrawn sign-up, a shift edited or cancelled. Calendar feeds listen to it to
bump event sequences; senders need not know who listens.
"""

from blinker import Namespace

_signals = Namespace()

schedule_changed = _signals.signal("schedule-changed")
