"""Services: one module per capability. Each validates its input, changes the
store in one transaction with one journal event per change, and raises a
:class:`warroom.errors.WarroomError` the user can act on."""
