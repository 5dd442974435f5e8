-- shouwen (首问) migration 011: projection rebuilds that scale (issue 11).
--
-- A migration that changes what shouwen.project() computes used to end
-- with SELECT shouwen.rebuild_projections(): every event of the log in one
-- transaction inside the migration, about 12 minutes for a year of history
-- (7.3 M events), silent, and beyond the migrate unit's start timeout.  Now
-- such a migration only marks the rebuild as due; `shouwen-audit --migrate`
-- runs it after the last migration, in chunks of events in position order,
-- each chunk committed together with the position it reached, with a
-- progress line per chunk.  A kill at any moment loses at most the chunk
-- under way: the next --migrate resumes after the last committed one.
-- audit refuses to start while a rebuild is due (its projections would be
-- half made).
--
--   rebuild_state               the one row: due since which migration,
--                               next position, total, times
--   mark_rebuild_due(version)   what a migration calls instead of
--                               rebuild_projections() (starts over if a
--                               rebuild was under way)
--   rebuild_chunk(max_events)   one chunk, in the caller's transaction; the
--                               first also empties the projections
--   clear_projections()         the projection tables emptied: a migration
--                               adding a projection table replaces this (and
--                               project())
--   rebuild_projections()       still the one-shot rebuild, now with
--                               clear_projections(); it completes a due
--                               rebuild
--   register_count(c, sign)     006's counter update, same statement, in
--                               PL/pgSQL: its plan is kept instead of made
--                               again for every row (half the time of a
--                               rebuild, and of every append, went there)
--
-- Migration 004 no longer rebuilds at its end: it leaves a note, the
-- sequence shouwen.rebuild_due_004 (a sequence: no table the auditors
-- would read, which 008 would want named in Chinese), which this file turns
-- into a due rebuild when the log holds events, and drops.  A database
-- that applied the old 004 has no note and no rebuild due.

CREATE TABLE shouwen.rebuild_state (
    singleton            boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    needed_since_version int,
    next_position        bigint,
    total                bigint,
    started_at           timestamptz,
    updated_at           timestamptz,
    finished_at          timestamptz
);
-- Comments start in Chinese, as 008 made every one the auditor reads.
COMMENT ON TABLE shouwen.rebuild_state IS
    '投影重建状态。The projections'' rebuild, one row: due when needed_since_version is set and '
    'finished_at is not; shouwen-audit --migrate runs it in chunks and resumes it after a kill.  '
    'audit refuses to start while it is due.';
COMMENT ON COLUMN shouwen.rebuild_state.singleton IS '唯一行标记。Always true: the table has one row.';
COMMENT ON COLUMN shouwen.rebuild_state.needed_since_version IS
    '要求重建的迁移版本。Migration that asked for the rebuild (the lowest, when several did); '
    'NULL when none ever did.';
COMMENT ON COLUMN shouwen.rebuild_state.next_position IS
    '下一个待应用的日志位置。First log position not yet applied to the projections; NULL until '
    'the first chunk has emptied them.';
COMMENT ON COLUMN shouwen.rebuild_state.total IS
    '日志末位置。Last log position when the last chunk ran.';
COMMENT ON COLUMN shouwen.rebuild_state.started_at IS
    '开始时间。When the first chunk emptied the projections.';
COMMENT ON COLUMN shouwen.rebuild_state.updated_at IS
    '更新时间。When the state last changed (the last chunk).';
COMMENT ON COLUMN shouwen.rebuild_state.finished_at IS
    '完成时间。When the last event was applied.';
INSERT INTO shouwen.rebuild_state (singleton) VALUES (true);

CREATE FUNCTION shouwen.clear_projections() RETURNS void
    LANGUAGE plpgsql AS
$$
BEGIN
    -- register_counts follows cases (its TRUNCATE trigger, 006).
    TRUNCATE shouwen.cases, shouwen.deadlines, shouwen.handoffs, shouwen.breaches,
             shouwen.violations, shouwen.escalations, shouwen.coordinations,
             shouwen.callbacks, shouwen.directory_versions, shouwen.directory_entries;
END
$$;
COMMENT ON FUNCTION shouwen.clear_projections() IS
    'Empties every projection that shouwen.project() writes (the start of a rebuild).  Owner only.';

CREATE FUNCTION shouwen.mark_rebuild_due(version int) RETURNS void
    LANGUAGE sql AS
$$
UPDATE shouwen.rebuild_state s
   SET needed_since_version = CASE
           WHEN s.needed_since_version IS NOT NULL AND s.finished_at IS NULL
           THEN least(s.needed_since_version, version) ELSE version END,
       next_position = NULL, total = NULL, started_at = NULL, finished_at = NULL,
       updated_at = now()
 WHERE s.singleton
$$;
COMMENT ON FUNCTION shouwen.mark_rebuild_due(int) IS
    'Marks the projections'' rebuild as due (a migration that changes project() calls it with '
    'its own version); shouwen-audit --migrate runs it.  Owner only.';

-- One chunk: at most max_events events from next_position on, applied in
-- position order, and the position reached, in the caller's transaction.
-- The log head is locked as rebuild_projections() locks it, so no append
-- interleaves; the state row is read after the lock, so two callers run
-- one after the other and the second goes on where the first stopped.
CREATE FUNCTION shouwen.rebuild_chunk(max_events int)
    RETURNS TABLE (applied bigint, next_position bigint, total bigint, finished boolean)
    LANGUAGE plpgsql AS
$$
#variable_conflict use_column
DECLARE
    s    shouwen.rebuild_state;
    ev   shouwen.events;
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
    FOR ev IN SELECT * FROM shouwen.events e WHERE e.position >= nxt
               ORDER BY e.position LIMIT greatest(max_events, 1) LOOP
        PERFORM shouwen.project(ev);
        n := n + 1;
        nxt := ev.position + 1;
    END LOOP;
    UPDATE shouwen.rebuild_state r
       SET next_position = nxt, total = head, started_at = s.started_at,
           updated_at = clock_timestamp(),
           finished_at = CASE WHEN nxt > head THEN clock_timestamp() END
     WHERE r.singleton;
    RETURN QUERY SELECT n, nxt, head, nxt > head;
END
$$;
COMMENT ON FUNCTION shouwen.rebuild_chunk(int) IS
    'One chunk of a due projection rebuild (at most max_events events, in position order, with '
    'the position reached), in the caller''s transaction; the first chunk empties the projections.  '
    'Returns the events applied, the next position, the last log position and whether it is '
    'finished.  shouwen-audit --migrate calls it until finished.  Owner only.';

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
    RETURN n;
END
$$;
COMMENT ON FUNCTION shouwen.rebuild_projections() IS
    'Recomputes every projection (shouwen.clear_projections(), then shouwen.project() for every '
    'event in position order) in one transaction; completes a due rebuild; returns the number '
    'of events applied.  A large log is better rebuilt by shouwen-audit --migrate, in chunks.  '
    'Owner only.';

CREATE OR REPLACE FUNCTION shouwen.register_count(c shouwen.cases, sign int) RETURNS void
    LANGUAGE plpgsql AS
$$
BEGIN
    INSERT INTO shouwen.register_counts AS r
           (hour, branch_id, inquiries, urgent, complaints, in_scope, transferred,
            outside_organisation, replied, closed)
    VALUES (floor(extract(epoch FROM c.received_at) / 3600)::bigint, coalesce(c.branch_id, ''),
            sign,
            sign * (c.urgency = 'urgent')::int,
            sign * (c.request_kind = 'complaint')::int,
            sign * (c.disposition IS NOT DISTINCT FROM 'in_scope')::int,
            sign * (coalesce(c.hops, 0) > 0)::int,
            sign * (c.disposition IS NOT DISTINCT FROM 'outside_organisation')::int,
            sign * (c.first_replied_at IS NOT NULL)::int,
            sign * (c.state = 'closed')::int)
    ON CONFLICT (hour, branch_id) DO UPDATE
       SET inquiries = r.inquiries + excluded.inquiries,
           urgent = r.urgent + excluded.urgent,
           complaints = r.complaints + excluded.complaints,
           in_scope = r.in_scope + excluded.in_scope,
           transferred = r.transferred + excluded.transferred,
           outside_organisation = r.outside_organisation + excluded.outside_organisation,
           replied = r.replied + excluded.replied,
           closed = r.closed + excluded.closed;
END
$$;

-- A log migrated from before 004 by this version: 004 left its note.
DO $$
BEGIN
    IF to_regclass('shouwen.rebuild_due_004') IS NOT NULL THEN
        IF EXISTS (SELECT 1 FROM shouwen.events) THEN
            PERFORM shouwen.mark_rebuild_due(4);
        END IF;
        DROP SEQUENCE shouwen.rebuild_due_004;
    END IF;
END
$$;

GRANT SELECT ON shouwen.rebuild_state TO shouwen_writer, shouwen_auditor;
REVOKE ALL ON FUNCTION shouwen.clear_projections(), shouwen.mark_rebuild_due(int),
    shouwen.rebuild_chunk(int), shouwen.register_count(shouwen.cases, int) FROM PUBLIC;
