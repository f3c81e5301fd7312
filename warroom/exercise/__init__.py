"""Tabletop exercises: scenarios read from TOML files, an incident on its own
simulated clock, injects fired as the clock passes their offsets, and a score
card against the scenario's targets. Qt-free, like the rest of the core."""
