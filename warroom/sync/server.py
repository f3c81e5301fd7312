"""The team's PostgreSQL server: its schema, its checks, and the administrator's
two commands (``team init``, ``team add``).

Why a schema of its own, beside the Alembic history
---------------------------------------------------
The Alembic history (warroom/store/migrations) is the schema of a *laptop's
state*: incidents, drafts, deliveries… It runs unchanged on SQLite and on
PostgreSQL (tests/unit/test_schema_postgres.py proves it), so a server can hold
a laptop's state wherever that is wanted. The exchange itself is a different
thing: an append-only log of journal events and the security around it —
PostgreSQL roles and grants, ``SECURITY DEFINER`` functions that check every
push as the login that made it, row-level security policies. None of that exists
on SQLite, Alembic's autogenerate neither sees nor compares it, and mixing it into
the laptops' history would give every laptop migrations it can never run. So the
exchange lives in its own PostgreSQL schema, ``warroom_sync``, with its own
version table and numbered steps below; ``team init`` creates it or brings it up
to date in one transaction, like a migration, and never touches the laptop tables.

What the server checks, in SQL (so that no client can skip it)
--------------------------------------------------------------
Logins push through ``warroom_sync.push(...)`` only; they cannot write the tables.
The function runs as the schema's owner and, for each event:

- is idempotent by event id: the same event pushed twice returns its first cursor;
- records the pushing login (``session_user``) on the event and binds a device to
  the first login that pushes it;
- checks the device's hash chain: the event must follow the stored head
  (``prev_hash``), and its hash is recomputed from its header and payload, so a
  tampered event is refused and named;
- refuses an event whose actor is not the login's person (the program's own names —
  the dispatcher, the review sweep — pass for work that needs no role);
- re-checks the roles of review decisions, disputes, overrides, retractions,
  membership and configuration against the server's own view of roles, derived
  from the people events the server accepted (not from anything a laptop says);
- refuses a person's event on a confidential incident they are not a member of.

The server keeps each device's last signed checkpoint and pins the device's public
key at its first one; the Ed25519 signatures themselves are verified by the laptops
that pull (PostgreSQL has no Ed25519 of its own).

Pushes are serialised by a transaction-level lock, so cursors become visible in
order and a pull never skips an event committed late. Each push notifies the
channel ``warroom_sync``: laptops that follow it (LISTEN) pull within a moment.

Row-level security hides every event of a confidential incident from logins that
are not its commander or members; ``warroom_sync.links`` gives everyone the chain
links (device, seq, hashes) of the rows they may not read, so their chains still
hold together without the content.
"""

from __future__ import annotations

from dataclasses import dataclass

from warroom.sync import wire

SCHEMA = "warroom_sync"
#: The group role every team login is granted; the grants are made to it.
MEMBER_ROLE = "warroom_member"
#: Names the program journals its own work under (see warroom.identity.System).
PROGRAM_ACTORS = ("system", "dispatcher", "channel test", "monitoring", "load generator", "status watch")
#: Inbound sources act as ``inbound:NAME`` (:class:`warroom.identity.Source`): program
#: actors by their prefix, which no person's name may take. Whatever login pushes their
#: events, the role checks still hold (a source has no roles: it never reviews).
SOURCE_PREFIX = "inbound:"
#: The SQLSTATE of a refusal (class "WR": War room); its DETAIL is the event's id.
REFUSED = "WR001"

_TABLES = """
CREATE SCHEMA warroom_sync;
REVOKE ALL ON SCHEMA warroom_sync FROM PUBLIC;
CREATE TABLE warroom_sync.version (version integer NOT NULL);
INSERT INTO warroom_sync.version VALUES (0);

-- Which person of the register each login is (team add).
CREATE TABLE warroom_sync.login (
    login name PRIMARY KEY,
    person text NOT NULL,
    added_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE warroom_sync.program_actor (name text PRIMARY KEY);

-- The server's view of roles, derived from the people events it accepted.
CREATE TABLE warroom_sync.person (
    name text PRIMARY KEY,
    roles text[] NOT NULL DEFAULT '{}',
    cursor bigint NOT NULL
);
-- Settings the checks need (the review arbiter), derived from events.
CREATE TABLE warroom_sync.setting (key text PRIMARY KEY, value text NOT NULL);

-- Each device's chain head and its last signed checkpoint.
CREATE TABLE warroom_sync.device (
    id uuid PRIMARY KEY,
    login name NOT NULL,
    last_seq integer NOT NULL,
    last_hash text NOT NULL,
    signed_seq integer NOT NULL DEFAULT 0,
    signature text,
    public_key text,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Who may read a confidential incident, derived from its events.
CREATE TABLE warroom_sync.incident (
    id uuid PRIMARY KEY,
    commander text NOT NULL DEFAULT '',
    confidential boolean NOT NULL DEFAULT false,
    members text[] NOT NULL DEFAULT '{}'
);

-- The events, in the order the server accepted them. ``at`` and ``payload`` are the
-- exact texts the hash covers (the canonical time and canonical JSON).
CREATE TABLE warroom_sync.event (
    cursor bigserial PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    device uuid NOT NULL REFERENCES warroom_sync.device (id),
    seq integer NOT NULL,
    at text NOT NULL,
    actor text NOT NULL,
    incident uuid,
    kind text NOT NULL,
    payload text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    login name NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (device, seq)
);
CREATE INDEX event_incident ON warroom_sync.event (incident);
"""

_IS_PROGRAM = r"""
-- The program at work, not a person: a named program actor, or an inbound source.
CREATE FUNCTION warroom_sync.is_program(who text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM warroom_sync.program_actor WHERE name = who) OR starts_with(who, 'inbound:')
$$;
"""

_FUNCTION_DEFS = r"""
-- The helpers below run inside push (whose search_path they use: a search_path of
-- their own would make PostgreSQL plan their statements again at every call).

-- The header's canonical JSON, as warroom.journal.canonical_json writes it: sorted
-- keys, no spaces, non-ASCII kept (to_json escapes what json.dumps escapes).
CREATE FUNCTION warroom_sync.header_text(e_id uuid, e_device uuid, e_seq integer, e_at text, e_actor text,
                                         e_incident uuid, e_kind text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT '{"actor":' || to_json(e_actor)::text || ',"at":' || to_json(e_at)::text
        || ',"device":"' || e_device::text || '","id":"' || e_id::text || '","incident":'
        || CASE WHEN e_incident IS NULL THEN 'null' ELSE '"' || e_incident::text || '"' END
        || ',"kind":' || to_json(e_kind)::text || ',"seq":' || e_seq::text || '}'
$$;

CREATE FUNCTION warroom_sync.roles_of(who text) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT roles FROM warroom_sync.person WHERE name = who), '{}'::text[])
$$;

-- Whether the login running this session may read an incident's events.
CREATE FUNCTION warroom_sync.may_read(e_incident uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = warroom_sync, pg_temp AS $$
    SELECT e_incident IS NULL OR NOT EXISTS (
        SELECT 1 FROM incident i
        WHERE i.id = e_incident AND i.confidential AND NOT EXISTS (
            SELECT 1 FROM login l
            WHERE l.login = session_user AND (l.person = i.commander OR l.person = ANY (i.members))))
$$;

CREATE FUNCTION warroom_sync.refuse(named text, reason text, e_id uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'WR001', MESSAGE = named || ': ' || reason, DETAIL = e_id::text;
END $$;

-- The role checks the laptops made, made again with the server's view of roles.
CREATE FUNCTION warroom_sync.check_roles(e_id uuid, named text, e_actor text, e_kind text, body jsonb,
                                         e_incident uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    roles text[] := roles_of(e_actor);
    inc warroom_sync.incident%ROWTYPE;
    commands boolean;
    sees boolean;
    arbiter text;
    changed text[];
BEGIN
    IF e_incident IS NOT NULL THEN
        SELECT * INTO inc FROM incident WHERE id = e_incident;
    END IF;
    commands := inc.id IS NOT NULL AND inc.commander = e_actor AND 'incident_commander' = ANY (roles);
    sees := inc.id IS NULL OR NOT inc.confidential OR inc.commander = e_actor OR e_actor = ANY (inc.members);
    IF NOT sees AND NOT is_program(e_actor) THEN
        PERFORM refuse(named, format('the incident is confidential and %s is neither its commander nor a member',
                                     e_actor), e_id);
    END IF;

    IF e_kind IN ('person.added', 'person.changed') THEN
        SELECT array_agg(k) INTO changed FROM jsonb_object_keys(coalesce(body -> 'changes', '{}'::jsonb)) k;
        IF e_kind = 'person.changed' AND body ->> 'name' = e_actor
                AND changed <@ ARRAY['availability', 'available_until'] THEN
            RETURN;   -- anyone says when they can be reached
        END IF;
        IF NOT EXISTS (SELECT 1 FROM person) AND NOT is_program(e_actor) THEN
            RETURN;   -- the first people, as on a laptop whose register is empty
        END IF;
        IF NOT 'administrator' = ANY (roles) THEN
            PERFORM refuse(named, format('only an administrator may change people and roles; on this server %s is %s',
                                         e_actor, coalesce(array_to_string(roles, ', '), 'no role')), e_id);
        END IF;
    ELSIF e_kind LIKE 'policy.%' OR e_kind IN ('matrix.changed', 'channel.added', 'channel.changed', 'channel.removed',
                                              'settings.changed', 'audience.added', 'audience.changed',
                                              'delivery.settings_changed') THEN
        IF NOT 'administrator' = ANY (roles) THEN
            PERFORM refuse(named, format('only an administrator may change the configuration (%s); on this server %s '
                                         'is %s', e_kind, e_actor, coalesce(array_to_string(roles, ', '), 'no role')), e_id);
        END IF;
    ELSIF e_kind IN ('stakeholder.added', 'stakeholder.changed')
            OR (e_kind = 'template.saved' AND NOT is_program(e_actor)) THEN
        IF NOT roles && ARRAY['administrator', 'communications_owner'] THEN
            PERFORM refuse(named, format('only an administrator or a communications owner may do this (%s)', e_kind), e_id);
        END IF;
    ELSIF e_kind = 'template.approved' THEN
        IF NOT (body ->> 'role' = ANY (roles) AND body ->> 'role' IN ('comms_reviewer', 'legal_reviewer')) THEN
            PERFORM refuse(named, format('%s is not a %s on this server', e_actor, body ->> 'role'), e_id);
        END IF;
    ELSIF e_kind IN ('key.trusted', 'key.distrusted') THEN
        IF NOT roles && ARRAY['administrator', 'legal_reviewer'] THEN
            PERFORM refuse(named, 'only an administrator or a legal reviewer may trust or distrust signers', e_id);
        END IF;
    ELSIF e_kind = 'review.decided' THEN
        IF NOT sees OR NOT (body ->> 'role' = ANY (roles) OR EXISTS (
                SELECT 1 FROM event h WHERE h.kind = 'review.handed_over' AND h.incident = e_incident
                AND h.payload::jsonb ->> 'draft_id' = body ->> 'draft_id' AND h.payload::jsonb ->> 'role' = body ->> 'role'
                AND h.payload::jsonb ->> 'to' = e_actor)) THEN
            PERFORM refuse(named, format('%s may not decide a %s review: on this server they are %s, and no such review '
                                         'was handed to them', e_actor, body ->> 'role',
                                         coalesce(array_to_string(roles, ', '), 'no role')), e_id);
        END IF;
    ELSIF e_kind = 'review.dispute_decided' THEN
        SELECT value INTO arbiter FROM setting WHERE key = 'review_arbiter';
        IF arbiter IS NULL OR arbiter = 'commander' THEN
            arbiter := inc.commander;
        END IF;
        IF NOT sees OR arbiter IS DISTINCT FROM e_actor THEN
            PERFORM refuse(named, format('disputes are settled by %s, not %s', coalesce(arbiter, 'the commander'),
                                         e_actor), e_id);
        END IF;
    ELSIF e_kind = 'review.overridden' THEN
        IF NOT commands THEN
            PERFORM refuse(named, format('only the incident''s commander (%s) may override reviews',
                                         coalesce(inc.commander, 'unknown here')), e_id);
        END IF;
    ELSIF e_kind = 'update.retracted' THEN
        IF NOT sees OR NOT (commands OR 'communications_owner' = ANY (roles)) THEN
            PERFORM refuse(named, 'only the incident''s commander or a communications owner may retract an update', e_id);
        END IF;
    ELSIF e_kind IN ('incident.members_changed', 'incident.updated', 'obligation.flagged', 'obligation.start_changed',
                     'obligation.unflagged') THEN
        IF NOT sees OR NOT 'incident_commander' = ANY (roles) THEN
            PERFORM refuse(named, 'only an incident commander who sees the incident may change it, its members '
                                  'or its regulatory flags', e_id);
        END IF;
    END IF;
END $$;

-- What the server keeps from an accepted event: roles, membership, the arbiter.
CREATE FUNCTION warroom_sync.derive(e_actor text, e_kind text, body jsonb, e_incident uuid, pos bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    changes jsonb := body -> 'changes';
BEGIN
    IF e_kind = 'person.added' THEN
        INSERT INTO person (name, roles, cursor)
        VALUES (body ->> 'name', ARRAY(SELECT jsonb_array_elements_text(body -> 'roles')), pos)
        ON CONFLICT (name) DO UPDATE SET roles = EXCLUDED.roles, cursor = EXCLUDED.cursor;
    ELSIF e_kind = 'person.changed' AND changes ? 'roles' THEN
        INSERT INTO person (name, roles, cursor)
        VALUES (body ->> 'name', ARRAY(SELECT jsonb_array_elements_text(changes -> 'roles' -> 1)), pos)
        ON CONFLICT (name) DO UPDATE SET roles = EXCLUDED.roles, cursor = EXCLUDED.cursor;
    ELSIF e_kind = 'incident.opened' AND e_incident IS NOT NULL THEN
        INSERT INTO incident (id, commander, confidential, members)
        VALUES (e_incident, coalesce(body ->> 'commander', ''), coalesce((body ->> 'confidential')::boolean, false),
                CASE WHEN coalesce((body ->> 'confidential')::boolean, false) AND e_actor <> coalesce(body ->> 'commander', '')
                     THEN ARRAY[e_actor] ELSE '{}'::text[] END)
        ON CONFLICT (id) DO NOTHING;
    ELSIF e_kind = 'incident.updated' AND e_incident IS NOT NULL THEN
        UPDATE incident SET
            commander = CASE WHEN changes ? 'commander' THEN changes -> 'commander' ->> 1 ELSE commander END,
            confidential = CASE WHEN changes ? 'confidential' THEN (changes -> 'confidential' ->> 1)::boolean
                                ELSE confidential END,
            members = CASE WHEN changes ? 'members' THEN ARRAY(SELECT jsonb_array_elements_text(changes -> 'members' -> 1))
                           ELSE members END
        WHERE id = e_incident;
    ELSIF e_kind = 'incident.members_changed' AND e_incident IS NOT NULL THEN
        UPDATE incident SET members = ARRAY(SELECT jsonb_array_elements_text(body -> 'to')) WHERE id = e_incident;
    ELSIF e_kind = 'policy.arbiter_set' THEN
        INSERT INTO setting VALUES ('review_arbiter', body ->> 'to')
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
    END IF;
END $$;

-- One event pushed by the login running this session. Returns its cursor.
CREATE FUNCTION warroom_sync.push(e_id uuid, e_device uuid, e_seq integer, e_at text, e_actor text, e_incident uuid,
                                  e_kind text, e_payload text, e_prev_hash text, e_hash text,
                                  c_signed_seq integer DEFAULT NULL, c_signature text DEFAULT NULL,
                                  c_public_key text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = warroom_sync, pg_temp AS $$
DECLARE
    who text;
    known event%ROWTYPE;
    head device%ROWTYPE;
    body jsonb;
    pos bigint;
    named text := format('event %s (device %s, #%s, %s)', e_id, e_device, e_seq, e_kind);
BEGIN
    -- One pusher at a time, until its commit: cursors become visible in order.
    PERFORM pg_advisory_xact_lock(hashtext('warroom_sync.push'));
    SELECT person INTO who FROM login WHERE login = session_user;
    IF who IS NULL THEN
        PERFORM refuse(named, format('login %s is not mapped to a person on this server (an administrator runs: '
                                     'warroom-cli team add %s --person NAME)', session_user, session_user), e_id);
    END IF;
    SELECT * INTO known FROM event WHERE id = e_id;
    IF FOUND THEN
        IF known.device = e_device AND known.seq = e_seq AND known.hash = e_hash THEN
            RETURN known.cursor;   -- pushed before: nothing doubles
        END IF;
        PERFORM refuse(named, 'another event with this id is already on the server', e_id);
    END IF;
    SELECT * INTO head FROM device WHERE id = e_device FOR UPDATE;
    IF NOT FOUND THEN
        IF e_seq <> 1 OR e_prev_hash <> repeat('0', 64) THEN
            PERFORM refuse(named, 'the server has no event of this device yet, so its chain must start at #1', e_id);
        END IF;
        INSERT INTO device (id, login, last_seq, last_hash) VALUES (e_device, session_user, 0, repeat('0', 64))
        RETURNING * INTO head;
    ELSIF head.login <> session_user THEN
        PERFORM refuse(named, format('this device pushes as login %s, not %s', head.login, session_user), e_id);
    END IF;
    IF e_seq <> head.last_seq + 1 OR e_prev_hash <> head.last_hash THEN
        PERFORM refuse(named, format('it does not follow the chain on the server (whose head is #%s): an event before '
                                     'it is missing or was changed', head.last_seq), e_id);
    END IF;
    IF encode(sha256(convert_to(e_prev_hash || E'\n' || header_text(e_id, e_device, e_seq, e_at, e_actor, e_incident,
                                                                      e_kind) || E'\n' || e_payload, 'UTF8')),
              'hex') <> e_hash THEN
        PERFORM refuse(named, 'it was changed after it was written (its hash does not match its content)', e_id);
    END IF;
    BEGIN
        body := e_payload::jsonb;
    EXCEPTION WHEN others THEN
        PERFORM refuse(named, 'its payload is not JSON', e_id);
    END;
    IF e_actor IS DISTINCT FROM who AND (NOT is_program(e_actor)
                                         OR EXISTS (SELECT 1 FROM login WHERE person = e_actor)) THEN
        PERFORM refuse(named, format('it is in the name of %s, but login %s is %s: nobody acts in someone else''s name',
                                     e_actor, session_user, who), e_id);
    END IF;
    PERFORM check_roles(e_id, named, e_actor, e_kind, body, e_incident);
    INSERT INTO event (id, device, seq, at, actor, incident, kind, payload, prev_hash, hash, login)
    VALUES (e_id, e_device, e_seq, e_at, e_actor, e_incident, e_kind, e_payload, e_prev_hash, e_hash, session_user)
    RETURNING cursor INTO pos;
    UPDATE device SET last_seq = e_seq, last_hash = e_hash, updated_at = now() WHERE id = e_device;
    IF c_signature IS NOT NULL THEN
        IF head.public_key IS NOT NULL AND head.public_key <> c_public_key THEN
            PERFORM refuse(named, 'its checkpoint is signed by another key than the device''s', e_id);
        END IF;
        UPDATE device SET signed_seq = c_signed_seq, signature = c_signature, public_key = c_public_key
        WHERE id = e_device;
    END IF;
    PERFORM derive(e_actor, e_kind, body, e_incident, pos);
    PERFORM pg_notify('warroom_sync', '');   -- the laptops that follow pull now (at the commit)
    RETURN pos;
END $$;

-- The chain links after a cursor, readable or not: a login that may not read an
-- event still learns where it sits in its device's chain (never its content).
CREATE FUNCTION warroom_sync.links(after bigint, lim integer)
    RETURNS TABLE (cursor bigint, device uuid, seq integer, prev_hash text, hash text, readable boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = warroom_sync, pg_temp AS $$
    SELECT e.cursor, e.device, e.seq, e.prev_hash, e.hash, may_read(e.incident)
    FROM event e WHERE e.cursor > after ORDER BY e.cursor LIMIT lim
$$;

"""

_FUNCTIONS = _IS_PROGRAM + _FUNCTION_DEFS + r"""
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA warroom_sync FROM PUBLIC;

ALTER TABLE warroom_sync.event ENABLE ROW LEVEL SECURITY;
CREATE POLICY members_read ON warroom_sync.event FOR SELECT USING (warroom_sync.may_read(incident));
"""

_GRANTS = f"""
GRANT USAGE ON SCHEMA warroom_sync TO {MEMBER_ROLE};
GRANT SELECT ON warroom_sync.event TO {MEMBER_ROLE};
GRANT SELECT (id, last_seq, signed_seq, signature, public_key) ON warroom_sync.device TO {MEMBER_ROLE};
GRANT EXECUTE ON FUNCTION warroom_sync.push(uuid, uuid, integer, text, text, uuid, text, text, text, text, integer,
                                            text, text) TO {MEMBER_ROLE};
GRANT EXECUTE ON FUNCTION warroom_sync.links(bigint, integer) TO {MEMBER_ROLE};
-- The read policy calls it as the reader.
GRANT EXECUTE ON FUNCTION warroom_sync.may_read(uuid) TO {MEMBER_ROLE};
"""

#: Step 3: vendors' rates shared by the team (see warroom.sync.rates).
_SHARED_RATES = r"""
CREATE TABLE IF NOT EXISTS warroom_sync.channel_rate (
    channel uuid PRIMARY KEY,
    tat double precision NOT NULL
);

-- One more send on a channel, team-wide: 0 when it may go now (and the bucket moves
-- on), else the seconds to wait. The generic cell rate algorithm, as each laptop runs
-- it (warroom.delivery.dispatcher.rate_check), on the server's clock.
CREATE OR REPLACE FUNCTION warroom_sync.take_send(p_channel uuid, p_rate double precision, p_burst integer)
RETURNS double precision
LANGUAGE plpgsql SECURITY DEFINER SET search_path = warroom_sync, pg_temp AS $$
DECLARE
    now_s double precision := extract(epoch FROM clock_timestamp());
    step double precision;
    tolerance double precision;
    held double precision;
BEGIN
    IF p_channel IS NULL OR p_rate IS NULL OR NOT p_rate > 0 OR p_rate > 1000
            OR p_burst IS NULL OR p_burst < 1 OR p_burst > 1000 THEN
        RAISE EXCEPTION 'take_send: a rate is over 0 and at most 1000 a second, a burst 1 to 1000'
            USING ERRCODE = '22023';
    END IF;
    step := 1.0 / p_rate;
    tolerance := (p_burst - 1) * step;
    INSERT INTO channel_rate (channel, tat) VALUES (p_channel, now_s) ON CONFLICT (channel) DO NOTHING;
    SELECT tat INTO held FROM channel_rate WHERE channel = p_channel FOR UPDATE;
    IF now_s < held - tolerance THEN
        RETURN held - tolerance - now_s;
    END IF;
    UPDATE channel_rate SET tat = greatest(held, now_s) + step WHERE channel = p_channel;
    RETURN 0;
END $$;

REVOKE ALL ON FUNCTION warroom_sync.take_send(uuid, double precision, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION warroom_sync.take_send(uuid, double precision, integer) TO warroom_member;
"""

#: The server schema's steps, in order; ``team init`` runs those the server lacks.
STEPS: tuple[str, ...] = (
    _TABLES + _FUNCTIONS + _GRANTS,
    # 2: inbound sources and the status watch push as program actors, and a regulatory
    # flag (which starts legal deadlines) is checked like an edit of the incident. The
    # functions are made anew for servers set up before; they keep their grants.
    (_IS_PROGRAM + _FUNCTION_DEFS).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
    + "REVOKE ALL ON ALL FUNCTIONS IN SCHEMA warroom_sync FROM PUBLIC;\n" + _GRANTS,
    # 3: one bucket per channel for the whole team, so laptops sending to one vendor
    # together keep its rate (warroom.sync.rates).
    _SHARED_RATES,
)
VERSION = len(STEPS)


@dataclass(frozen=True, slots=True)
class InitResult:
    database: str
    before: int
    after: int

    def advice(self) -> str:
        """What the server's administrator sets up beside the schema."""
        return "\n".join([
            f"The server's team schema is at version {self.after} (was {self.before}) in database {self.database}.",
            f"Every team login is granted the role {MEMBER_ROLE}: warroom-cli team add LOGIN --person NAME.",
            "Logins sign in with scram-sha-256 (password_encryption = 'scram-sha-256'); over a network, TLS only.",
            "pg_hba.conf lines:",
            f"  hostssl {self.database} +{MEMBER_ROLE} 0.0.0.0/0 scram-sha-256",
            f"  hostssl {self.database} +{MEMBER_ROLE} ::/0 scram-sha-256",
            f"  local   {self.database} +{MEMBER_ROLE} scram-sha-256",
        ])


def _ensure_member_role(conn) -> None:
    conn.execute(f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{MEMBER_ROLE}') THEN
                CREATE ROLE {MEMBER_ROLE} NOLOGIN;
            END IF;
        END $$""")


def init(url: str) -> InitResult:
    """Create the team schema on the server, or bring it up to date; one transaction.
    Run by an administrator who may create schemas and roles (the password as for
    sync: kept in the keyring, asked for once on a terminal, or libpq's own)."""
    with wire.connect_with_password(url) as conn:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('warroom_sync.init'))")
            database = conn.execute("SELECT current_database()").fetchone()[0]
            exists = conn.execute("SELECT to_regclass('warroom_sync.version') IS NOT NULL").fetchone()[0]
            before = conn.execute("SELECT version FROM warroom_sync.version").fetchone()[0] if exists else 0
            if before > VERSION:
                from warroom.errors import InputError

                raise InputError(f"The server's team schema is version {before}, newer than this War room knows "
                                 f"({VERSION}); update War room.", field="server")
            _ensure_member_role(conn)
            for step in STEPS[before:]:
                conn.execute(step)
            conn.execute("UPDATE warroom_sync.version SET version = %s", (VERSION,))
            conn.execute("INSERT INTO warroom_sync.program_actor SELECT unnest(%s::text[]) ON CONFLICT DO NOTHING",
                         (list(PROGRAM_ACTORS),))
            conn.execute(f"GRANT CONNECT ON DATABASE {_ident(database)} TO {MEMBER_ROLE}")
    return InitResult(database, before, VERSION)


def _ident(name: str) -> str:
    from psycopg import sql

    return sql.Identifier(name).as_string(None)


@dataclass(frozen=True, slots=True)
class AddResult:
    login: str
    person: str
    created: bool


def add(url: str, login: str, person: str) -> AddResult:
    """Map a login to a person and grant it the team role; a missing login is created
    (without a password: the administrator sets one with psql's ``\\password``)."""
    from warroom.errors import InputError

    login = (login or "").strip()
    person = " ".join((person or "").split())
    if not login or len(login) > 63:
        raise InputError("A login is 1 to 63 characters.", field="login")
    if not person or len(person) > 200:
        raise InputError("A person's name is 1 to 200 characters.", field="person")
    if person.casefold() in PROGRAM_ACTORS or person.casefold().startswith(SOURCE_PREFIX):
        raise InputError(f"{person!r} is a name War room records its own work under.", field="person")
    with wire.connect_with_password(url) as conn:
        with conn.transaction():
            if conn.execute("SELECT to_regclass('warroom_sync.login') IS NULL").fetchone()[0]:
                raise InputError("The server has no team schema yet: run warroom-cli team init --server URL first.",
                                 field="server")
            created = not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone()
            if created:
                conn.execute(f"CREATE ROLE {_ident(login)} LOGIN")
            conn.execute(f"GRANT {MEMBER_ROLE} TO {_ident(login)}")
            conn.execute("INSERT INTO warroom_sync.login (login, person) VALUES (%s, %s) "
                         "ON CONFLICT (login) DO UPDATE SET person = EXCLUDED.person", (login, person))
    return AddResult(login, person, created)
