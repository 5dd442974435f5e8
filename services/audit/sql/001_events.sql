-- shouwen (首问) migration 001: the committed event log.
--
-- audit is the only writer.  It calls shouwen.append_batch() once per batch
-- of proposed events; that function gives every accepted event the next
-- gapless position, appends it to shouwen.events (append-only, hash-chained)
-- and updates the projections (shouwen.cases, shouwen.deadlines) in the same
-- transaction.  Followers read the log back with shouwen.replay().
--
-- Runs as the database owner (shouwen_owner) inside one transaction opened
-- by `shouwen-audit --migrate`, after it created the schema and
-- shouwen.schema_version.  Roles are created by scripts/pg.sh bootstrap;
-- this file only grants to them.

-- Functions created by the owner are not executable by PUBLIC: every grant
-- below is explicit.
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA shouwen
    GRANT SELECT ON TABLES TO shouwen_writer, shouwen_auditor;

-- ------------------------------------------------------------- helpers

-- UTC microseconds since the Unix epoch (the wire's *_us) as timestamptz,
-- exact to the microsecond (whole days and the rest added separately, so no
-- floating-point rounding); NULL before 4713 BC, PostgreSQL's first day.
CREATE FUNCTION shouwen.us_to_ts(us bigint) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN us >= -210866803200000000
    THEN (timestamp '1970-01-01'
          + (us / 86400000000) * interval '1 day'
          + (us % 86400000000) * interval '1 microsecond') AT TIME ZONE 'UTC'
END;

-- timestamptz as UTC microseconds since the Unix epoch (exact).
CREATE FUNCTION shouwen.ts_to_us(ts timestamptz) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (extract(epoch FROM ts AT TIME ZONE 'UTC') * 1000000)::bigint;

-- Canonical UUID text as uuid; NULL for anything else (a bytes field that
-- is not 16 bytes arrives as plain hex and is not an event id).
CREATE FUNCTION shouwen.uuid_or_null(t text) RETURNS uuid
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN t ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
    THEN t::uuid
END;

-- A protobuf enum value name in the readable form the projections keep:
-- ('CHANNEL_PHONE', 'CHANNEL_') -> 'phone'; an omitted field (the proto3
-- default) -> 'unspecified'.
CREATE FUNCTION shouwen.enum_label(value text, prefix text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN lower(CASE
    WHEN value IS NULL OR value = '' THEN 'UNSPECIFIED'
    WHEN starts_with(value, prefix) THEN substr(value, length(prefix) + 1)
    ELSE value
END);

COMMENT ON FUNCTION shouwen.us_to_ts(bigint) IS
    'UTC microseconds since the Unix epoch (the wire''s *_us) as timestamptz, exact; NULL when out of range.';
COMMENT ON FUNCTION shouwen.ts_to_us(timestamptz) IS
    'timestamptz as UTC microseconds since the Unix epoch (the wire''s *_us).';
COMMENT ON FUNCTION shouwen.uuid_or_null(text) IS
    'Canonical UUID text as uuid (an event id), NULL for anything else.';
COMMENT ON FUNCTION shouwen.enum_label(text, text) IS
    'Protobuf enum value name in the projections'' form: (''CHANNEL_PHONE'', ''CHANNEL_'') gives ''phone''.';

-- ------------------------------------------------------------ the log

CREATE TABLE shouwen.events (
    position         bigint      PRIMARY KEY,
    event_id         uuid        NOT NULL UNIQUE,
    type             text        NOT NULL,
    case_id          text,
    case_version     bigint,
    based_on_version bigint      NOT NULL DEFAULT 0,
    causation_id     uuid,
    producer         text        NOT NULL,
    producer_seq     bigint,
    actor            text,
    occurred_at      timestamptz NOT NULL,
    committed_at     timestamptz NOT NULL,
    body             jsonb       NOT NULL,
    envelope         bytea       NOT NULL,
    hash             bytea       NOT NULL
);
-- Invariants kept by append_batch rather than by CHECK constraints (which
-- cost on every insert): position > 0 and gapless, case_version NULL
-- exactly when case_id is NULL.
CREATE INDEX events_case_position ON shouwen.events (case_id, position)
    WHERE case_id IS NOT NULL;

COMMENT ON TABLE shouwen.events IS
    'The committed event log (事件日志, the permanent register of R1): one row per event, '
    'in gapless commit order.  Append-only (UPDATE, DELETE and TRUNCATE are refused) and '
    'hash-chained (see shouwen.event_chain_check).  Written only by shouwen.append_batch.';
COMMENT ON COLUMN shouwen.events.position IS 'Gapless log position, 1, 2, 3 ... in commit order.';
COMMENT ON COLUMN shouwen.events.event_id IS 'Deterministic event id (16 bytes, lib/sw_eventid.h); a resent event is recognised by it.';
COMMENT ON COLUMN shouwen.events.type IS 'Event type, e.g. inquiry.received, case.routed, sla.deadline_set.';
COMMENT ON COLUMN shouwen.events.case_id IS 'Case (事项) the event belongs to, SW-7SER-930A-4769; NULL for events of no case.';
COMMENT ON COLUMN shouwen.events.case_version IS 'The case''s version after this event (its number of events so far); NULL for events of no case.';
COMMENT ON COLUMN shouwen.events.based_on_version IS 'Case version a decision was made on; 0 for a fact.';
COMMENT ON COLUMN shouwen.events.causation_id IS 'Event that caused this one.';
COMMENT ON COLUMN shouwen.events.producer IS 'Daemon that proposed the event: intake, router or sla.';
COMMENT ON COLUMN shouwen.events.producer_seq IS 'The producer''s own sequence number.';
COMMENT ON COLUMN shouwen.events.actor IS 'Staff id or daemon name acting.';
COMMENT ON COLUMN shouwen.events.occurred_at IS 'When the producer says it happened.';
COMMENT ON COLUMN shouwen.events.committed_at IS 'When audit committed it (clock time inside the transaction).';
COMMENT ON COLUMN shouwen.events.body IS 'The event body as JSON (protobuf field names, enums by value name, defaults omitted).';
COMMENT ON COLUMN shouwen.events.envelope IS 'The producer''s packed protobuf Envelope, verbatim (authoritative).';
COMMENT ON COLUMN shouwen.events.hash IS 'sha256 chain link: shouwen.event_hash(previous row''s hash, this row).';

-- The refusal behind "append-only": no row of the log is ever changed.
CREATE FUNCTION shouwen.refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'shouwen.% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
COMMENT ON FUNCTION shouwen.refuse_change() IS
    'Trigger: refuses UPDATE, DELETE and TRUNCATE on the append-only event log (事件日志).';

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON shouwen.events
    FOR EACH ROW EXECUTE FUNCTION shouwen.refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON shouwen.events
    FOR EACH STATEMENT EXECUTE FUNCTION shouwen.refuse_change();

-- The single row holding the last position and the last chain hash.  Every
-- append locks it first, so positions are gapless and in commit order.
CREATE TABLE shouwen.log_head (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    position  bigint  NOT NULL CHECK (position >= 0),
    hash      bytea   NOT NULL
);
COMMENT ON TABLE shouwen.log_head IS
    'Head of the event log (日志头): the last committed position and its chain hash, one row.  '
    'Locked FOR UPDATE by every append, which serialises appends in commit order.';

-- First link of the chain: 32 zero bytes.
CREATE FUNCTION shouwen.chain_genesis() RETURNS bytea
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
COMMENT ON FUNCTION shouwen.chain_genesis() IS
    'Hash that precedes position 1 in the event log''s hash chain (哈希链).';

INSERT INTO shouwen.log_head (singleton, position, hash)
VALUES (true, 0, shouwen.chain_genesis());

-- One link of the hash chain: sha256(prev || sha256(envelope) || canonical
-- JSON of every other column).  The row's own hash column is not an input.
CREATE FUNCTION shouwen.event_hash(prev bytea, e shouwen.events) RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE
RETURN sha256(prev || sha256(e.envelope) || convert_to(jsonb_build_array(
    e.position, e.event_id, e.type, e.case_id, e.case_version, e.based_on_version,
    e.causation_id, e.producer, e.producer_seq, e.actor,
    shouwen.ts_to_us(e.occurred_at), shouwen.ts_to_us(e.committed_at), e.body)::text, 'UTF8'));
COMMENT ON FUNCTION shouwen.event_hash(bytea, shouwen.events) IS
    'Hash chain link (哈希链) of an event row given the previous row''s hash: '
    'sha256(prev || sha256(envelope) || canonical JSON of the other columns).';

-- ------------------------------------------------------------ projections

CREATE TABLE shouwen.cases (
    case_id           text        PRIMARY KEY,
    version           bigint      NOT NULL,
    opened_position   bigint      NOT NULL,
    opened_event_id   uuid        NOT NULL,
    branch_id         text,
    request_id        text,
    channel           text        NOT NULL,
    request_kind      text        NOT NULL,
    category          text,
    urgency           text        NOT NULL,
    customer_unit     text,
    customer_name     text,
    customer_phone    text,
    customer_address  text,
    matter            text,
    receiver_staff_id text,
    named_employee_id text,
    linked_case_id    text,
    received_at       timestamptz,
    natural_owner_id  text,
    factual_owner_id  text,
    handler_id        text,
    department_id     text,
    disposition       text,
    state             text        NOT NULL,
    reply_due_at      timestamptz,
    updated_position  bigint      NOT NULL,
    updated_at        timestamptz NOT NULL
) WITH (fillfactor = 80);  -- room for HOT updates: a case row changes with each event
COMMENT ON TABLE shouwen.cases IS
    'Projection: the current state of every case (事项), one row per case, updated with each '
    'of its events in the same transaction.  version = number of committed events of the case.';
COMMENT ON COLUMN shouwen.cases.version IS 'Number of committed events of the case (decisions name it to avoid stale updates).';
COMMENT ON COLUMN shouwen.cases.opened_position IS 'Log position of the inquiry.received event that opened the case.';
COMMENT ON COLUMN shouwen.cases.channel IS '渠道: visit, phone, letter, hotline, ... (lower case, without CHANNEL_).';
COMMENT ON COLUMN shouwen.cases.request_kind IS 'consultation 咨询, business 办理, complaint 投诉, report 举报, ...';
COMMENT ON COLUMN shouwen.cases.urgency IS '紧要程度: normal or urgent.';
COMMENT ON COLUMN shouwen.cases.receiver_staff_id IS 'The staff member first contacted (首问).';
COMMENT ON COLUMN shouwen.cases.natural_owner_id IS '自然首问责任人, as routed.';
COMMENT ON COLUMN shouwen.cases.factual_owner_id IS '事实首问责任人, as routed.';
COMMENT ON COLUMN shouwen.cases.handler_id IS '经办人.';
COMMENT ON COLUMN shouwen.cases.department_id IS '承办部门 (handling or lead department).';
COMMENT ON COLUMN shouwen.cases.disposition IS 'The first owner''s judgement (R3..R9): in_scope, same_department, other_department, ...';
COMMENT ON COLUMN shouwen.cases.state IS 'received, then routed, ...';
COMMENT ON COLUMN shouwen.cases.reply_due_at IS 'Due time of the reply deadline (R11), from the last sla.deadline_set of kind reply.';
COMMENT ON COLUMN shouwen.cases.updated_position IS 'Log position of the case''s last event.';

CREATE TABLE shouwen.deadlines (
    deadline_event_id uuid        PRIMARY KEY,
    case_id           text,
    kind              text        NOT NULL,
    due_at            timestamptz,
    warn_at           timestamptz,
    holder_staff_id   text,
    department_id     text,
    policy            text,
    trigger_event_id  uuid,
    state             text        NOT NULL DEFAULT 'open',
    set_position      bigint      NOT NULL,
    updated_position  bigint      NOT NULL
);
CREATE INDEX deadlines_case ON shouwen.deadlines (case_id);
CREATE INDEX deadlines_open_due ON shouwen.deadlines (due_at) WHERE state = 'open';
COMMENT ON TABLE shouwen.deadlines IS
    'Projection: every time limit (时限) set by sla, one row per sla.deadline_set event: '
    'transfer (R10), reply (R11), same-day phone answer (R21), callback (R16), completion (R22) ...';
COMMENT ON COLUMN shouwen.deadlines.deadline_event_id IS 'event_id of the sla.deadline_set event.';
COMMENT ON COLUMN shouwen.deadlines.kind IS 'transfer, reply, phone_same_day, callback, completion, stage_feedback, return_contact.';
COMMENT ON COLUMN shouwen.deadlines.holder_staff_id IS 'Who must act before due_at (责任人).';
COMMENT ON COLUMN shouwen.deadlines.policy IS 'The policy that set it, e.g. "R11 reply within 1 working day".';
COMMENT ON COLUMN shouwen.deadlines.state IS 'open while running.';

-- Applies one committed event to the projections.  It owns every
-- projection row, including cases.version (= the event's case_version),
-- which append_batch reads to number the next event of the case.  A later
-- migration adding a projection replaces this function and calls
-- shouwen.rebuild_projections().
CREATE FUNCTION shouwen.project(ev shouwen.events) RETURNS void
    LANGUAGE plpgsql AS
$$
DECLARE
    b jsonb := ev.body;
BEGIN
    IF ev.type = 'sla.deadline_set' THEN
        INSERT INTO shouwen.deadlines
            (deadline_event_id, case_id, kind, due_at, warn_at, holder_staff_id,
             department_id, policy, trigger_event_id, state, set_position, updated_position)
        VALUES
            (ev.event_id, ev.case_id,
             shouwen.enum_label(b->>'kind', 'DEADLINE_KIND_'),
             shouwen.us_to_ts((b->>'due_at_us')::bigint),
             shouwen.us_to_ts((b->>'warn_at_us')::bigint),
             nullif(b->>'holder_staff_id', ''),
             nullif(b->>'department_id', ''),
             nullif(b->>'policy', ''),
             shouwen.uuid_or_null(b->>'trigger_event_id'),
             'open', ev.position, ev.position);
    END IF;

    IF ev.case_id IS NULL THEN
        RETURN;
    END IF;

    CASE ev.type
    WHEN 'inquiry.received' THEN
        INSERT INTO shouwen.cases
            (case_id, version, opened_position, opened_event_id, branch_id, request_id,
             channel, request_kind, category, urgency,
             customer_unit, customer_name, customer_phone, customer_address, matter,
             receiver_staff_id, named_employee_id, linked_case_id, received_at,
             state, updated_position, updated_at)
        VALUES
            (ev.case_id, ev.case_version, ev.position, ev.event_id,
             nullif(b->>'branch_id', ''), nullif(b->>'request_id', ''),
             shouwen.enum_label(b->>'channel', 'CHANNEL_'),
             shouwen.enum_label(b->>'kind', 'REQUEST_KIND_'),
             nullif(b->>'category', ''),
             shouwen.enum_label(b->>'urgency', 'URGENCY_'),
             nullif(b#>>'{customer,unit}', ''), nullif(b#>>'{customer,name}', ''),
             nullif(b#>>'{customer,phone}', ''), nullif(b#>>'{customer,address}', ''),
             nullif(b->>'matter', ''),
             nullif(b->>'receiver_staff_id', ''), nullif(b->>'named_employee_id', ''),
             nullif(b->>'linked_case_id', ''),
             shouwen.us_to_ts((b->>'received_at_us')::bigint),
             'received', ev.position, ev.committed_at);
    WHEN 'case.routed' THEN
        UPDATE shouwen.cases c
           SET version = ev.case_version,
               updated_position = ev.position,
               updated_at = ev.committed_at,
               disposition = shouwen.enum_label(b->>'disposition', 'DISPOSITION_'),
               natural_owner_id = nullif(b->>'natural_owner_id', ''),
               factual_owner_id = nullif(b->>'factual_owner_id', ''),
               handler_id = nullif(b->>'handler_id', ''),
               department_id = nullif(b->>'department_id', ''),
               state = 'routed'
         WHERE c.case_id = ev.case_id;
    WHEN 'sla.deadline_set' THEN
        UPDATE shouwen.cases c
           SET version = ev.case_version,
               updated_position = ev.position,
               updated_at = ev.committed_at,
               reply_due_at = CASE
                   WHEN b->>'kind' = 'DEADLINE_KIND_REPLY'
                   THEN shouwen.us_to_ts((b->>'due_at_us')::bigint)
                   ELSE c.reply_due_at END
         WHERE c.case_id = ev.case_id;
    ELSE
        UPDATE shouwen.cases c
           SET version = ev.case_version,
               updated_position = ev.position,
               updated_at = ev.committed_at
         WHERE c.case_id = ev.case_id;
    END CASE;
END
$$;
COMMENT ON FUNCTION shouwen.project(shouwen.events) IS
    'Applies one committed event to the projections (投影: cases, deadlines); called by '
    'append_batch in the same transaction and by rebuild_projections.';

-- Recomputes every projection from the log (after a migration that adds or
-- changes one).  Owner only.
CREATE FUNCTION shouwen.rebuild_projections() RETURNS bigint
    LANGUAGE plpgsql AS
$$
DECLARE
    ev shouwen.events;
    n bigint := 0;
BEGIN
    LOCK TABLE shouwen.log_head IN EXCLUSIVE MODE;
    TRUNCATE shouwen.cases, shouwen.deadlines;
    FOR ev IN SELECT * FROM shouwen.events ORDER BY position LOOP
        PERFORM shouwen.project(ev);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION shouwen.rebuild_projections() IS
    'Recomputes the projections (cases, deadlines) from the event log in position order; '
    'returns the number of events applied.';

-- ------------------------------------------------------------ append

-- The one call audit makes per batch.  See docs/database.md for the
-- statuses: committed, duplicate, stale, unknown_case, case_exists, invalid.
CREATE FUNCTION shouwen.append_batch(batch jsonb)
    RETURNS TABLE (idx int, event_position bigint, case_version bigint,
                   committed_at_us bigint, status text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, shouwen, pg_temp AS
$$
#variable_conflict use_column
DECLARE
    head_position bigint;
    head_hash     bytea;
    e             jsonb;
    i             int;
    ev            shouwen.events;
    v_id          uuid;
    v_type        text;
    v_case        text;
    v_producer    text;
    v_occurred    timestamptz;
    v_wanted      bigint;
    v_current     bigint;
    v_now         timestamptz;
BEGIN
    IF jsonb_typeof(batch) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'shouwen.append_batch: batch must be a JSON array'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    SELECT h.position, h.hash INTO head_position, head_hash
      FROM shouwen.log_head h FOR UPDATE;

    FOR e, i IN SELECT a.value, (a.ordinality - 1)::int
                  FROM jsonb_array_elements(batch) WITH ORDINALITY AS a LOOP
        idx := i;
        event_position := NULL;
        case_version := NULL;
        committed_at_us := NULL;

        v_id := shouwen.uuid_or_null(e->>'event_id');
        IF v_id IS NULL THEN
            status := 'invalid';
            RETURN NEXT;
            CONTINUE;
        END IF;

        -- Already in the log (an earlier batch, or earlier in this one).
        SELECT x.position, coalesce(x.case_version, 0), shouwen.ts_to_us(x.committed_at)
          INTO event_position, case_version, committed_at_us
          FROM shouwen.events x WHERE x.event_id = v_id;
        IF FOUND THEN
            status := 'duplicate';
            RETURN NEXT;
            CONTINUE;
        END IF;

        v_type := e->>'type';
        v_case := nullif(e->>'case_id', '');
        v_producer := e->>'producer';
        v_occurred := shouwen.us_to_ts((e->>'occurred_at_us')::bigint);
        v_wanted := coalesce((e->>'case_version')::bigint, 0);
        IF coalesce(v_type, '') = '' OR coalesce(v_producer, '') = ''
           OR v_occurred IS NULL OR v_wanted < 0
           OR jsonb_typeof(e->'envelope') IS DISTINCT FROM 'string'
           OR (v_type = 'inquiry.received' AND v_case IS NULL) THEN
            status := 'invalid';
            RETURN NEXT;
            CONTINUE;
        END IF;

        v_current := 0;
        IF v_case IS NOT NULL THEN
            SELECT c.version INTO v_current FROM shouwen.cases c WHERE c.case_id = v_case;
            IF v_type = 'inquiry.received' THEN
                IF FOUND THEN
                    case_version := v_current;
                    status := 'case_exists';
                    RETURN NEXT;
                    CONTINUE;
                END IF;
                v_current := 0;
            ELSIF NOT FOUND THEN
                status := 'unknown_case';
                RETURN NEXT;
                CONTINUE;
            END IF;
        END IF;

        -- A decision made on another version of the case than the current one.
        IF v_wanted > 0 AND v_wanted <> v_current THEN
            case_version := v_current;
            status := 'stale';
            RETURN NEXT;
            CONTINUE;
        END IF;

        v_now := clock_timestamp();
        head_position := head_position + 1;
        ev.position := head_position;
        ev.event_id := v_id;
        ev.type := v_type;
        ev.case_id := v_case;
        ev.case_version := CASE WHEN v_case IS NOT NULL THEN v_current + 1 END;
        ev.based_on_version := v_wanted;
        ev.causation_id := shouwen.uuid_or_null(e->>'causation_id');
        ev.producer := v_producer;
        ev.producer_seq := (e->>'producer_seq')::bigint;
        ev.actor := nullif(e->>'actor', '');
        ev.occurred_at := v_occurred;
        ev.committed_at := v_now;
        ev.body := coalesce(e->'body', '{}'::jsonb);
        ev.envelope := decode(e->>'envelope', 'hex');
        ev.hash := shouwen.event_hash(head_hash, ev);
        head_hash := ev.hash;

        INSERT INTO shouwen.events VALUES (ev.*);
        PERFORM shouwen.project(ev);

        event_position := ev.position;
        case_version := coalesce(ev.case_version, 0);
        committed_at_us := shouwen.ts_to_us(v_now);
        status := 'committed';
        RETURN NEXT;
    END LOOP;

    UPDATE shouwen.log_head h SET position = head_position, hash = head_hash
     WHERE h.singleton AND h.position <> head_position;
END
$$;
COMMENT ON FUNCTION shouwen.append_batch(jsonb) IS
    'Appends a batch of proposed events to the log (事件日志) in order, in the caller''s '
    'transaction: one result row per element (idx, position, case version, committed_at in '
    'UTC microseconds, status committed | duplicate | stale | unknown_case | case_exists | invalid).';

-- ------------------------------------------------------------ reading

CREATE FUNCTION shouwen.replay(from_position bigint, max_events int, only_case text DEFAULT NULL)
    RETURNS TABLE ("position" bigint, case_version bigint, committed_at_us bigint, envelope bytea)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, shouwen, pg_temp AS
$$
#variable_conflict use_column
BEGIN
    IF coalesce(only_case, '') = '' THEN
        RETURN QUERY
            SELECT e.position, coalesce(e.case_version, 0), shouwen.ts_to_us(e.committed_at), e.envelope
              FROM shouwen.events e
             WHERE e.position >= from_position
             ORDER BY e.position
             LIMIT greatest(max_events, 0);
    ELSE
        RETURN QUERY
            SELECT e.position, e.case_version, shouwen.ts_to_us(e.committed_at), e.envelope
              FROM shouwen.events e
             WHERE e.case_id = only_case AND e.position >= from_position
             ORDER BY e.position
             LIMIT greatest(max_events, 0);
    END IF;
END
$$;
COMMENT ON FUNCTION shouwen.replay(bigint, int, text) IS
    'Committed events from from_position on, in position order, at most max_events, only '
    'only_case''s when given (回放: followers catching up, a case''s timeline).';

CREATE FUNCTION shouwen.head_position() RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, shouwen, pg_temp
RETURN (SELECT h.position FROM shouwen.log_head h);
COMMENT ON FUNCTION shouwen.head_position() IS
    'Last committed log position (日志头), 0 when the log is empty.';

-- ------------------------------------------------------------ auditing

-- Recomputes the hash chain: a row whose hash_ok or gapless is false was
-- changed, removed or inserted outside append_batch.
CREATE VIEW shouwen.event_chain_check AS
SELECT e.position,
       e.event_id,
       e.position = lag(e.position, 1, 0::bigint) OVER w + 1 AS gapless,
       e.hash = shouwen.event_hash(coalesce(lag(e.hash) OVER w, shouwen.chain_genesis()), e) AS hash_ok
  FROM shouwen.events e
WINDOW w AS (ORDER BY e.position);
COMMENT ON VIEW shouwen.event_chain_check IS
    'Tamper check of the event log (防篡改校验): for every event, whether its position follows '
    'the previous one (gapless) and its hash chain link recomputes (hash_ok).  '
    'SELECT * FROM shouwen.event_chain_check WHERE NOT (gapless AND hash_ok) lists the damage.';

-- ------------------------------------------------------------ grants

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA shouwen FROM PUBLIC;
GRANT USAGE ON SCHEMA shouwen TO shouwen_writer, shouwen_auditor;
GRANT SELECT ON ALL TABLES IN SCHEMA shouwen TO shouwen_writer, shouwen_auditor;
GRANT EXECUTE ON FUNCTION shouwen.append_batch(jsonb),
                          shouwen.replay(bigint, int, text),
                          shouwen.head_position()
    TO shouwen_writer;
-- Pure helpers the auditing views call (views run them as the querying role).
GRANT EXECUTE ON FUNCTION shouwen.event_hash(bytea, shouwen.events),
                          shouwen.chain_genesis(),
                          shouwen.ts_to_us(timestamptz),
                          shouwen.us_to_ts(bigint)
    TO shouwen_writer, shouwen_auditor;
