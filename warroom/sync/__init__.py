"""Team sync: the journal is what devices exchange; state is a function of it."""
