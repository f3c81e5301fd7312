"""Data War room ships: installed as the package ``warroom_resources``."""
