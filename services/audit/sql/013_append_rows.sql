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

CREATE FUNCTION shouwen.append_rows(
    after_position bigint, after_hash bytea,
    event_ids uuid[], types text[], case_ids text[], case_versions bigint[],
    based_on_versions bigint[], causation_ids uuid[], producers text[],
    producer_seqs bigint[], actors text[], occurred_us bigint[], committed_us bigint[],
    bodies jsonb[], envelopes bytea[], hashes bytea[])
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, shouwen, pg_temp AS
$$
DECLARE
    head_position bigint;
    head_hash     bytea;
    n             int := coalesce(cardinality(event_ids), 0);
    ev            shouwen.events;
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

    FOR ev IN SELECT * FROM shouwen.events e
               WHERE e.position > after_position ORDER BY e.position LOOP
        PERFORM shouwen.project(ev);
    END LOOP;

    UPDATE shouwen.log_head h SET position = after_position + n, hash = hashes[n]
     WHERE h.singleton;
    RETURN after_position + n;
END
$$;
COMMENT ON FUNCTION shouwen.append_rows(bigint, bytea, uuid[], text[], text[], bigint[], bigint[],
                                         uuid[], text[], bigint[], text[], bigint[], bigint[],
                                         jsonb[], bytea[], bytea[]) IS
    '追加一批已编号的事件。Appends a batch audit numbered and hash-chained in C after '
    'after_position/after_hash (refused with SQLSTATE SW409 when the head is elsewhere), one '
    'array per column, projects it and moves the head; returns the new head position.';

REVOKE ALL ON FUNCTION shouwen.append_rows(bigint, bytea, uuid[], text[], text[], bigint[],
                                           bigint[], uuid[], text[], bigint[], text[],
                                           bigint[], bigint[], jsonb[], bytea[], bytea[])
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION shouwen.append_rows(bigint, bytea, uuid[], text[], text[], bigint[],
                                              bigint[], uuid[], text[], bigint[], text[],
                                              bigint[], bigint[], jsonb[], bytea[], bytea[])
    TO shouwen_writer;
