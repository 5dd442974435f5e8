-- shouwen (首问) migration 013: the commit path in C (issue 10).
--
-- append_batch (001) did everything per event in PL/pgSQL: parse the
-- batch's JSON, look the event id and the case up, build the chain link
-- with jsonb_build_array and sha256, insert, project; a statement or more
-- per event, about 320 us of PostgreSQL CPU an event (docs/performance.md).
-- Now audit, holding the writer's lease (012), does in C what needs no
-- table: it numbers the events after the head it holds, checks each
-- case's version against the versions it keeps, and computes the hash
-- chain (shouwen.event_hash, the same bytes, see docs/database.md).  It
-- sends the whole batch as arrays, one per column, to append_rows, which
-- checks that the head is where audit says, inserts the rows in one
-- statement, projects them in position order and moves the head, in the
-- caller's transaction.
--
-- Duplicate detection stays exact: events.event_id is UNIQUE, so a batch
-- holding an event already in the log fails whole (unique_violation);
-- audit then asks which ids are in the log and sends the batch again
-- without them.  verify_chain (003) and event_chain_check stay plain SQL:
-- they recompute what audit's C wrote, and tests/integration/commit_chain.sh
-- proves the two agree on random logs.
--
-- append_batch stays for tools and tests that append by hand.
--
-- Projections inline or trailing.  shouwen.projection_head holds the last
-- position the projections (cases, deadlines, ...) have applied.  With
-- audit/projections = "inline" (the default) append_rows projects its
-- events in the same transaction, as append_batch always did: what an
-- auditor reads is the log up to its head.  With "trailing" append_rows
-- only appends, and audit's projector connection calls project_through()
-- after each commit, in transactions of its own, so the log commits at the
-- speed of its inserts while the projections follow; the lag (log head
-- minus projection head) is shown by shouwen.projection_state, in audit's
-- health record and by `shouwen status`.  Either way events are projected
-- once each, in position order: whoever projects takes projection_head
-- FOR UPDATE first, and append_rows, append_batch and the rebuilds project
-- what a trailing projector left before their own events.

CREATE TABLE shouwen.projection_head (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    position  bigint  NOT NULL CHECK (position >= 0)
);
COMMENT ON TABLE shouwen.projection_head IS
    '投影进度。The last log position the projections (cases, deadlines, handoffs, ...) have '
    'applied, one row: equal to the log head when projections are inline; behind it by the '
    'projector''s lag when audit/projections = trailing (see shouwen.projection_state).';
COMMENT ON COLUMN shouwen.projection_head.singleton IS '唯一行标记。Always true: the table has one row.';
COMMENT ON COLUMN shouwen.projection_head.position IS '已投影到的日志位置。Last log position applied to the projections.';
INSERT INTO shouwen.projection_head (singleton, position)
SELECT true, h.position FROM shouwen.log_head h;

-- The events of positions lo..hi applied to the projections, with the
-- same result as shouwen.project() on each in position order (the
-- reference: rebuild_projections, and the tests that compare with it), in
-- fewer statements.  project() costs two to four statements an event,
-- each started and run on its own: about 140 us an event, nearly all of a
-- commit's time (docs/performance.md).  Here:
--   1. every inquiry.received of the range inserts its case row, in one
--      statement (later events of the range find their case);
--   2. every sla.deadline_set inserts its deadline, in one statement (a
--      deadline's warning, breach or clearing always comes after it);
--   3. every violation.recorded inserts its row, in one statement; a
--      deadline's warning, breach or clearing that is the only one of its
--      deadline in the range moves it in one statement per kind (and a
--      breach inserts its row in one), as the order among them does not
--      matter then;
--   4. the events whose projection depends on what came before (routing,
--      handoffs, escalations, replies, closes, a deadline with two events
--      in the range, ...) go through project() one by one, in position
--      order;
--   5. each case's reply_due_at from its last reply deadline of the range
--      (nothing in 4 reads it);
--   6. each case's version, updated_position and updated_at from its last
--      event of the range (the figures register_counts follows are not
--      among them).
-- Events that only move their case's version (commands, notes, ...) need
-- nothing but 6.
CREATE FUNCTION shouwen.project_range(lo bigint, hi bigint) RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, shouwen, pg_temp AS
$$
DECLARE
    ev     shouwen.events;
    single bigint[]; -- positions of the deadline events alone on their deadline
BEGIN
    INSERT INTO shouwen.cases
        (case_id, version, opened_position, opened_event_id, branch_id, request_id,
         channel, request_kind, category, urgency,
         customer_unit, customer_name, customer_phone, customer_address, matter,
         receiver_staff_id, named_employee_id, linked_case_id, received_at,
         state, updated_position, updated_at)
    SELECT e.case_id, e.case_version, e.position, e.event_id,
           nullif(e.body->>'branch_id', ''), nullif(e.body->>'request_id', ''),
           shouwen.enum_label(e.body->>'channel', 'CHANNEL_'),
           shouwen.enum_label(e.body->>'kind', 'REQUEST_KIND_'),
           nullif(e.body->>'category', ''),
           shouwen.enum_label(e.body->>'urgency', 'URGENCY_'),
           nullif(e.body#>>'{customer,unit}', ''), nullif(e.body#>>'{customer,name}', ''),
           nullif(e.body#>>'{customer,phone}', ''), nullif(e.body#>>'{customer,address}', ''),
           nullif(e.body->>'matter', ''),
           nullif(e.body->>'receiver_staff_id', ''), nullif(e.body->>'named_employee_id', ''),
           nullif(e.body->>'linked_case_id', ''),
           shouwen.us_to_ts(shouwen.json_int(e.body->'received_at_us')),
           'received', e.position, e.committed_at
      FROM shouwen.events e
     WHERE e.position BETWEEN lo AND hi AND e.type = 'inquiry.received'
       AND e.case_id IS NOT NULL
     ORDER BY e.position;

    INSERT INTO shouwen.deadlines
        (deadline_event_id, case_id, kind, due_at, warn_at, holder_staff_id,
         department_id, policy, trigger_event_id, state, set_position, updated_position)
    SELECT e.event_id, e.case_id,
           shouwen.enum_label(e.body->>'kind', 'DEADLINE_KIND_'),
           shouwen.us_to_ts(shouwen.json_int(e.body->'due_at_us')),
           shouwen.us_to_ts(shouwen.json_int(e.body->'warn_at_us')),
           nullif(e.body->>'holder_staff_id', ''),
           nullif(e.body->>'department_id', ''),
           nullif(e.body->>'policy', ''),
           shouwen.uuid_or_null(e.body->>'trigger_event_id'),
           'open', e.position, e.position
      FROM shouwen.events e
     WHERE e.position BETWEEN lo AND hi AND e.type = 'sla.deadline_set'
     ORDER BY e.position;

    INSERT INTO shouwen.violations
        (position, event_id, case_id, type, staff_id, department_id, penalty_yuan,
         occurrence_in_month, self_criticism, rule, cause_event_id, occurred_at)
    SELECT e.position, e.event_id, e.case_id,
           shouwen.enum_label(e.body->>'type', 'VIOLATION_TYPE_'),
           nullif(e.body->>'staff_id', ''), nullif(e.body->>'department_id', ''),
           coalesce(shouwen.json_int(e.body->'penalty_yuan'), 0),
           shouwen.json_int(e.body->'occurrence_in_month'),
           shouwen.json_bool(e.body->'self_criticism'),
           nullif(e.body->>'rule', ''), shouwen.uuid_or_null(e.body->>'cause_event_id'),
           e.occurred_at
      FROM shouwen.events e
     WHERE e.position BETWEEN lo AND hi AND e.type = 'violation.recorded'
     ORDER BY e.position;

    single := ARRAY(
        SELECT d.position
          FROM (SELECT e.position,
                       count(*) OVER (PARTITION BY shouwen.uuid_or_null(e.body->>'deadline_event_id')) AS n
                  FROM shouwen.events e
                 WHERE e.position BETWEEN lo AND hi
                   AND e.type IN ('sla.warning', 'sla.breached', 'sla.deadline_cleared')) d
         WHERE d.n = 1);
    IF cardinality(single) > 0 THEN
        INSERT INTO shouwen.breaches
            (position, event_id, case_id, kind, due_at, breached_at, deadline_event_id,
             holder_staff_id, department_id)
        SELECT e.position, e.event_id, e.case_id,
               shouwen.enum_label(e.body->>'kind', 'DEADLINE_KIND_'),
               shouwen.us_to_ts(shouwen.json_int(e.body->'due_at_us')), e.occurred_at,
               shouwen.uuid_or_null(e.body->>'deadline_event_id'),
               nullif(e.body->>'holder_staff_id', ''), nullif(e.body->>'department_id', '')
          FROM shouwen.events e
         WHERE e.position IN (SELECT unnest(single)) AND e.type = 'sla.breached'
         ORDER BY e.position;
        UPDATE shouwen.deadlines d
           SET warned_at = coalesce(d.warned_at, x.occurred_at),
               state = CASE WHEN d.state = 'open' THEN 'warned' ELSE d.state END,
               updated_position = x.position
          FROM (SELECT e.position, e.occurred_at,
                       shouwen.uuid_or_null(e.body->>'deadline_event_id') AS did
                  FROM shouwen.events e
                 WHERE e.position IN (SELECT unnest(single)) AND e.type = 'sla.warning') x
         WHERE d.deadline_event_id = x.did;
        UPDATE shouwen.deadlines d
           SET breached_at = coalesce(d.breached_at, x.occurred_at),
               state = CASE WHEN d.state IN ('open', 'warned') THEN 'breached' ELSE d.state END,
               updated_position = x.position
          FROM (SELECT e.position, e.occurred_at,
                       shouwen.uuid_or_null(e.body->>'deadline_event_id') AS did
                  FROM shouwen.events e
                 WHERE e.position IN (SELECT unnest(single)) AND e.type = 'sla.breached') x
         WHERE d.deadline_event_id = x.did;
        UPDATE shouwen.deadlines d
           SET cleared_at = coalesce(d.cleared_at, x.occurred_at),
               clear_reason = coalesce(d.clear_reason, x.reason),
               state = 'cleared',
               updated_position = x.position
          FROM (SELECT e.position, e.occurred_at, nullif(e.body->>'reason', '') AS reason,
                       shouwen.uuid_or_null(e.body->>'deadline_event_id') AS did
                  FROM shouwen.events e
                 WHERE e.position IN (SELECT unnest(single))
                   AND e.type = 'sla.deadline_cleared') x
         WHERE d.deadline_event_id = x.did;
    END IF;

    FOR ev IN SELECT * FROM shouwen.events e
               WHERE e.position BETWEEN lo AND hi
                 AND (e.type IN ('sla.warning', 'sla.breached', 'sla.deadline_cleared')
                      AND e.position NOT IN (SELECT unnest(single))
                      OR e.type IN ('directory.loaded',
                                'case.routed', 'case.transferred', 'case.forwarded',
                                'case.accepted', 'case.returned', 'case.escalated',
                                'case.coordination', 'case.replied', 'case.resolved',
                                'case.callback', 'case.reopened', 'case.closed',
                                'case.waiting'))
               ORDER BY e.position LOOP
        PERFORM shouwen.project(ev);
    END LOOP;

    UPDATE shouwen.cases c
       SET reply_due_at = x.due_at
      FROM (SELECT DISTINCT ON (e.case_id) e.case_id,
                   shouwen.us_to_ts(shouwen.json_int(e.body->'due_at_us')) AS due_at
              FROM shouwen.events e
             WHERE e.position BETWEEN lo AND hi AND e.type = 'sla.deadline_set'
               AND e.case_id IS NOT NULL AND e.body->>'kind' = 'DEADLINE_KIND_REPLY'
             ORDER BY e.case_id, e.position DESC) x
     WHERE c.case_id = x.case_id;

    UPDATE shouwen.cases c
       SET version = x.case_version, updated_position = x.position, updated_at = x.committed_at
      FROM (SELECT DISTINCT ON (e.case_id) e.case_id, e.case_version, e.position, e.committed_at
              FROM shouwen.events e
             WHERE e.position BETWEEN lo AND hi AND e.case_id IS NOT NULL
             ORDER BY e.case_id, e.position DESC) x
     WHERE c.case_id = x.case_id AND c.updated_position IS DISTINCT FROM x.position;

    RETURN greatest(hi - lo + 1, 0);
END
$$;
COMMENT ON FUNCTION shouwen.project_range(bigint, bigint) IS
    '按区间投影。Applies the events of positions lo..hi to the projections with the result of '
    'shouwen.project() on each in order, inserting the range''s new cases and deadlines in one '
    'statement each; in the caller''s transaction.';

-- Projects the events after projection_head, in position order, at most
-- max_events of them and none past upto (NULL: the log head); returns how
-- many.  The caller's transaction; projection_head is locked first.
CREATE FUNCTION shouwen.project_pending(max_events bigint, upto bigint DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, shouwen, pg_temp AS
$$
DECLARE
    done bigint;
    hi   bigint;
BEGIN
    SELECT p.position INTO done FROM shouwen.projection_head p FOR UPDATE;
    hi := coalesce(upto, (SELECT h.position FROM shouwen.log_head h));
    IF max_events IS NOT NULL THEN
        hi := least(hi, done + greatest(max_events, 0));
    END IF;
    IF hi <= done THEN
        RETURN 0;
    END IF;
    PERFORM shouwen.project_range(done + 1, hi);
    UPDATE shouwen.projection_head p SET position = hi WHERE p.singleton;
    RETURN hi - done;
END
$$;
COMMENT ON FUNCTION shouwen.project_pending(bigint, bigint) IS
    '应用待投影事件。Applies at most max_events events after projection_head (up to upto) to the '
    'projections in position order, in the caller''s transaction; returns how many.';

-- What a trailing projector calls: one transaction of at most max_events.
CREATE FUNCTION shouwen.project_through(max_events int)
    RETURNS TABLE (applied bigint, projected bigint, head bigint)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, shouwen, pg_temp AS
$$
#variable_conflict use_column
DECLARE
    n bigint;
BEGIN
    n := shouwen.project_pending(max_events);
    RETURN QUERY SELECT n, p.position, h.position
                   FROM shouwen.projection_head p, shouwen.log_head h;
END
$$;
COMMENT ON FUNCTION shouwen.project_through(int) IS
    '投影器：应用一批事件。The trailing projector''s step: at most max_events events after '
    'projection_head applied to the projections; returns (applied, projection head, log head).';

CREATE VIEW shouwen.projection_state AS
SELECT h.position AS log_position,
       p.position AS projected_position,
       h.position - p.position AS lag_events
  FROM shouwen.log_head h, shouwen.projection_head p;
COMMENT ON VIEW shouwen.projection_state IS
    '投影滞后。How far the projections (and so every auditor view built on them) are behind the '
    'event log: 0 with inline projections; the trailing projector''s lag otherwise.';
COMMENT ON COLUMN shouwen.projection_state.log_position IS '日志头位置。Last committed log position.';
COMMENT ON COLUMN shouwen.projection_state.projected_position IS '已投影位置。Last position the projections applied.';
COMMENT ON COLUMN shouwen.projection_state.lag_events IS '滞后事件数。Events committed but not yet in the projections.';

CREATE FUNCTION shouwen.append_rows(
    after_position bigint, after_hash bytea,
    event_ids uuid[], types text[], case_ids text[], case_versions bigint[],
    based_on_versions bigint[], causation_ids uuid[], producers text[],
    producer_seqs bigint[], actors text[], occurred_us bigint[], committed_us bigint[],
    bodies jsonb[], envelopes bytea[], hashes bytea[], project boolean DEFAULT true)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, shouwen, pg_temp AS
$$
DECLARE
    head_position bigint;
    head_hash     bytea;
    n             int := coalesce(cardinality(event_ids), 0);
BEGIN
    SELECT h.position, h.hash INTO head_position, head_hash
      FROM shouwen.log_head h FOR UPDATE;
    IF head_position IS DISTINCT FROM after_position OR head_hash IS DISTINCT FROM after_hash THEN
        RAISE EXCEPTION 'shouwen.append_rows: the log head is at position %, the batch follows %',
                        head_position, after_position
            USING ERRCODE = 'SW409', HINT = 'read the head again (another writer, or a lost answer)';
    END IF;
    IF n = 0 THEN
        RETURN head_position;
    END IF;
    IF cardinality(types) <> n OR cardinality(case_ids) <> n OR cardinality(case_versions) <> n
       OR cardinality(based_on_versions) <> n OR cardinality(causation_ids) <> n
       OR cardinality(producers) <> n OR cardinality(producer_seqs) <> n
       OR cardinality(actors) <> n OR cardinality(occurred_us) <> n
       OR cardinality(committed_us) <> n OR cardinality(bodies) <> n
       OR cardinality(envelopes) <> n OR cardinality(hashes) <> n THEN
        RAISE EXCEPTION 'shouwen.append_rows: the arrays differ in length'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    INSERT INTO shouwen.events (position, event_id, type, case_id, case_version,
                                based_on_version, causation_id, producer, producer_seq,
                                actor, occurred_at, committed_at, body, envelope, hash)
    SELECT after_position + t.i, t.event_id, t.type, t.case_id, t.case_version,
           t.based_on, t.causation_id, t.producer, t.producer_seq, t.actor,
           shouwen.us_to_ts(t.occurred), shouwen.us_to_ts(t.committed), t.body,
           t.envelope, t.hash
      FROM unnest(event_ids, types, case_ids, case_versions, based_on_versions,
                  causation_ids, producers, producer_seqs, actors, occurred_us,
                  committed_us, bodies, envelopes, hashes)
           WITH ORDINALITY AS t(event_id, type, case_id, case_version, based_on,
                                causation_id, producer, producer_seq, actor, occurred,
                                committed, body, envelope, hash, i);

    IF project THEN /* what a trailing projector left, then this batch */
        PERFORM shouwen.project_pending(NULL, after_position + n);
    END IF;

    UPDATE shouwen.log_head h SET position = after_position + n, hash = hashes[n]
     WHERE h.singleton;
    RETURN after_position + n;
END
$$;
COMMENT ON FUNCTION shouwen.append_rows(bigint, bytea, uuid[], text[], text[], bigint[], bigint[],
                                         uuid[], text[], bigint[], text[], bigint[], bigint[],
                                         jsonb[], bytea[], bytea[], boolean) IS
    '追加一批已编号的事件。Appends a batch audit numbered and hash-chained in C after '
    'after_position/after_hash (refused with SQLSTATE SW409 when the head is elsewhere), one '
    'array per column, projects it unless project is false (a trailing projector will) and '
    'moves the head; returns the new head position.';

-- append_batch (001), rebuild_chunk (011) and rebuild_projections (011) as
-- before, keeping projection_head: append_batch first projects what a
-- trailing projector left; a rebuild, once done, has projected the log up
-- to its head.  rebuild_chunk (what --migrate runs) now projects by range;
-- rebuild_projections stays event by event, the reference the tests
-- compare project_range with.  A migration that changes project() changes
-- project_range with it.
CREATE OR REPLACE FUNCTION shouwen.append_batch(batch jsonb)
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
    -- what a trailing projector has not applied yet goes first (013)
    PERFORM shouwen.project_pending(NULL, head_position);

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
    UPDATE shouwen.projection_head p SET position = head_position
     WHERE p.singleton AND p.position <> head_position;
END
$$;

CREATE OR REPLACE FUNCTION shouwen.rebuild_chunk(max_events int)
    RETURNS TABLE (applied bigint, next_position bigint, total bigint, finished boolean)
    LANGUAGE plpgsql AS
$$
#variable_conflict use_column
DECLARE
    s    shouwen.rebuild_state;
    head bigint;
    n    bigint := 0;
    nxt  bigint;
BEGIN
    LOCK TABLE shouwen.log_head IN EXCLUSIVE MODE;
    SELECT * INTO s FROM shouwen.rebuild_state r WHERE r.singleton FOR UPDATE;
    IF s.needed_since_version IS NULL OR s.finished_at IS NOT NULL THEN
        RETURN QUERY SELECT 0::bigint, s.next_position, s.total, true;
        RETURN;
    END IF;
    SELECT h.position INTO head FROM shouwen.log_head h;
    nxt := s.next_position;
    IF nxt IS NULL THEN
        PERFORM shouwen.clear_projections();
        nxt := 1;
        s.started_at := now();
    END IF;
    -- the chunk by range (positions are gapless): project_range gives
    -- project()'s result (migrate_large compares with the one-shot rebuild)
    IF nxt <= head THEN
        n := shouwen.project_range(nxt, least(head, nxt + greatest(max_events, 1) - 1));
        nxt := nxt + n;
    END IF;
    UPDATE shouwen.rebuild_state r
       SET next_position = nxt, total = head, started_at = s.started_at,
           updated_at = clock_timestamp(),
           finished_at = CASE WHEN nxt > head THEN clock_timestamp() END
     WHERE r.singleton;
    IF nxt > head THEN
        UPDATE shouwen.projection_head p SET position = head WHERE p.singleton;
    END IF;
    RETURN QUERY SELECT n, nxt, head, nxt > head;
END
$$;

CREATE OR REPLACE FUNCTION shouwen.rebuild_projections() RETURNS bigint
    LANGUAGE plpgsql AS
$$
DECLARE
    ev shouwen.events;
    n bigint := 0;
    head bigint;
BEGIN
    LOCK TABLE shouwen.log_head IN EXCLUSIVE MODE;
    PERFORM shouwen.clear_projections();
    FOR ev IN SELECT * FROM shouwen.events ORDER BY position LOOP
        PERFORM shouwen.project(ev);
        n := n + 1;
    END LOOP;
    SELECT h.position INTO head FROM shouwen.log_head h;
    UPDATE shouwen.rebuild_state r
       SET next_position = head + 1, total = head, started_at = coalesce(r.started_at, now()),
           updated_at = clock_timestamp(), finished_at = clock_timestamp()
     WHERE r.singleton AND r.needed_since_version IS NOT NULL AND r.finished_at IS NULL;
    UPDATE shouwen.projection_head p SET position = head WHERE p.singleton;
    RETURN n;
END
$$;

REVOKE ALL ON FUNCTION shouwen.append_rows(bigint, bytea, uuid[], text[], text[], bigint[],
                                           bigint[], uuid[], text[], bigint[], text[],
                                           bigint[], bigint[], jsonb[], bytea[], bytea[], boolean)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION shouwen.append_rows(bigint, bytea, uuid[], text[], text[], bigint[],
                                              bigint[], uuid[], text[], bigint[], text[],
                                              bigint[], bigint[], jsonb[], bytea[], bytea[], boolean),
                      shouwen.project_through(int)
    TO shouwen_writer;
REVOKE ALL ON FUNCTION shouwen.project_pending(bigint, bigint),
                       shouwen.project_range(bigint, bigint) FROM PUBLIC;
GRANT SELECT ON shouwen.projection_head, shouwen.projection_state TO shouwen_writer, shouwen_auditor;
