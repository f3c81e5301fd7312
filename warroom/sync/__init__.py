"""Team sync: each laptop keeps its own database and meets the others through a
PostgreSQL server, exchanging journal events."""
