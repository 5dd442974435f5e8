-- shouwen (首问) migration 003: verifying the hash chain (防篡改校验).
--
-- Every row of shouwen.events carries hash = sha256(previous row's hash ||
-- sha256(envelope) || canonical JSON of its other columns) (001_events.sql,
-- shouwen.event_hash).  shouwen.verify_chain recomputes that chain over the
-- whole log or a range of positions in one ordered pass over the primary key
-- and names the first position where it breaks.  The refusal of UPDATE,
-- DELETE and TRUNCATE (triggers events_append_only, events_no_truncate)
-- stays as 001 made it; only a superuser who disables the triggers can
-- change a row, and this function is how an auditor finds out.

CREATE FUNCTION shouwen.verify_chain(from_position bigint DEFAULT 1, to_position bigint DEFAULT NULL)
    RETURNS TABLE (ok boolean, first_bad_position bigint, checked bigint, reason text)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, shouwen, pg_temp AS
$$
#variable_conflict use_column
DECLARE
    lo          bigint := greatest(coalesce(from_position, 1), 1);
    hi          bigint := to_position;
    anchor      bigint;
    prev_hash   bytea;
    head_pos    bigint;
    head_hash   bytea;
    n           bigint;
    first_gap   bigint;
    first_hash  bigint;
    last_pos    bigint;
    last_hash   bytea;
    bad_pos     bigint;
    bad_reason  text;
    expected_end bigint;
BEGIN
    SELECT h.position, h.hash INTO head_pos, head_hash FROM shouwen.log_head h;
    IF hi IS NOT NULL AND hi < lo THEN
        RETURN QUERY SELECT true, NULL::bigint, 0::bigint, 'empty range'::text;
        RETURN;
    END IF;

    -- The link before the range: the genesis hash, or the stored hash of
    -- the previous row (whose own link is checked only by a range holding it).
    IF lo = 1 THEN
        prev_hash := shouwen.chain_genesis();
    ELSE
        SELECT e.hash INTO prev_hash FROM shouwen.events e WHERE e.position = lo - 1;
        IF NOT FOUND AND lo - 1 <= head_pos THEN
            anchor := lo - 1;
            RETURN QUERY SELECT false, anchor, 0::bigint,
                format('position %s is missing: the range cannot be anchored', anchor);
            RETURN;
        END IF;
    END IF;

    -- One pass in position order: each row's link recomputed from the
    -- previous row's stored hash (the expression of shouwen.event_hash,
    -- written out so that no row value has to be built), and each position
    -- compared with the previous one + 1.
    SELECT count(*),
           min(s.prev_position + 1) FILTER (WHERE s.position <> s.prev_position + 1),
           min(s.position) FILTER (WHERE s.hash IS DISTINCT FROM s.recomputed),
           max(s.position)
      INTO n, first_gap, first_hash, last_pos
      FROM (SELECT e.position,
                   lag(e.position, 1, lo - 1) OVER w AS prev_position,
                   e.hash,
                   sha256(coalesce(lag(e.hash) OVER w, prev_hash) || sha256(e.envelope)
                          || convert_to(jsonb_build_array(
                                 e.position, e.event_id, e.type, e.case_id, e.case_version,
                                 e.based_on_version, e.causation_id, e.producer, e.producer_seq,
                                 e.actor, shouwen.ts_to_us(e.occurred_at),
                                 shouwen.ts_to_us(e.committed_at), e.body)::text, 'UTF8'))
                       AS recomputed
              FROM shouwen.events e
             WHERE e.position >= lo AND (hi IS NULL OR e.position <= hi)
            WINDOW w AS (ORDER BY e.position)) s;

    -- The first of the problems found names the position.
    IF first_gap IS NOT NULL THEN
        bad_pos := first_gap;
        bad_reason := format('position %s is missing (deleted, or the log was renumbered)', first_gap);
    END IF;
    IF first_hash IS NOT NULL AND (bad_pos IS NULL OR first_hash < bad_pos) THEN
        bad_pos := first_hash;
        bad_reason := format('position %s: the stored hash does not recompute (the row was altered)', first_hash);
    END IF;
    -- Rows missing at the end of the range (up to the log head).
    expected_end := least(coalesce(hi, head_pos), head_pos);
    IF coalesce(last_pos, lo - 1) < expected_end AND lo <= expected_end THEN
        anchor := coalesce(last_pos, lo - 1) + 1;
        IF bad_pos IS NULL OR anchor < bad_pos THEN
            bad_pos := anchor;
            bad_reason := format('positions %s..%s are missing (the log head is at %s)', anchor, expected_end, head_pos);
        END IF;
    END IF;
    -- A range reaching the head must end exactly at it, with its hash.
    IF hi IS NULL OR hi >= head_pos THEN
        IF last_pos > head_pos THEN
            anchor := greatest(head_pos + 1, lo);
            IF bad_pos IS NULL OR anchor <= bad_pos THEN
                bad_pos := anchor;
                bad_reason := format('position %s lies beyond the log head (%s): inserted outside append_batch', anchor, head_pos);
            END IF;
        END IF;
        IF bad_pos IS NULL AND last_pos IS NOT NULL AND last_pos = head_pos THEN
            SELECT e.hash INTO last_hash FROM shouwen.events e WHERE e.position = last_pos;
            IF last_hash IS DISTINCT FROM head_hash THEN
                bad_pos := last_pos;
                bad_reason := format('position %s: its hash differs from the log head''s', last_pos);
            END IF;
        END IF;
    END IF;
    IF bad_pos IS NOT NULL THEN
        RETURN QUERY SELECT false, bad_pos, n, bad_reason;
        RETURN;
    END IF;

    RETURN QUERY SELECT true, NULL::bigint, n, 'intact'::text;
END
$$;
COMMENT ON FUNCTION shouwen.verify_chain(bigint, bigint) IS
    'Tamper check of the event log (防篡改校验): recomputes the hash chain over positions '
    'from_position..to_position (default: the whole log) in one pass and returns ok, the first '
    'bad position (a row altered, missing, or beyond the log head), the number of rows checked '
    'and the reason.  A range starting after 1 is anchored on the stored hash of the row before it.  '
    'Example: SELECT * FROM shouwen.verify_chain();';

GRANT EXECUTE ON FUNCTION shouwen.verify_chain(bigint, bigint) TO shouwen_writer, shouwen_auditor;
