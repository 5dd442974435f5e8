-- bench/views_schema.sql: helpers of the auditor-views benchmark (bench/views.sh),
-- created by shouwen_owner in schema bench of the benchmark's own database.
--
-- bench.case_events(first, last, total) describes the events of cases
-- first..last of a year of `total` cases: a hotel-like mix of dispositions,
-- transfers, late transfers and replies, complaints with callbacks and
-- ratings, escalations, coordination sheets, outside-the-organisation
-- cases, in the same JSON form audit writes (see 001_events.sql).
-- bench.load_chunk() appends them to shouwen.events with valid positions,
-- case versions and hash chain, in one INSERT ... SELECT: the chain is a
-- running aggregate, sha256(previous || this row's digest), over the rows
-- in position order.

CREATE SCHEMA IF NOT EXISTS bench;

-- One link of the chain, as shouwen.event_hash computes it, with the
-- previous link as state (start: the hash before the first row).
CREATE FUNCTION bench.chain_step(state bytea, start bytea, digest bytea) RETURNS bytea
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN sha256(coalesce(state, start) || digest);
CREATE AGGREGATE bench.chain(bytea, bytea) (SFUNC = bench.chain_step, STYPE = bytea);

-- The case id of case number i: SW-0000-0001-2345.
CREATE FUNCTION bench.case_id(i bigint) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 'SW-' || substr(lpad(i::text, 12, '0'), 1, 4) || '-' || substr(lpad(i::text, 12, '0'), 5, 4)
       || '-' || substr(lpad(i::text, 12, '0'), 9, 4);

CREATE FUNCTION bench.us(t timestamptz) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (extract(epoch FROM t) * 1000000)::bigint;

-- Events of cases first..last: (case number, order in the case, when it
-- happened, type, producer, actor, body).
CREATE FUNCTION bench.case_events(first bigint, last bigint, total bigint)
    RETURNS TABLE (n bigint, seq int, at timestamptz, type text, producer text, actor text, body jsonb)
    LANGUAGE sql STABLE AS
$$
WITH c AS (
    SELECT i,
           timestamptz '2025-01-01 00:00+08' + (i - 1) * (interval '365 days' / total) AS t0,
           'branch-' || lpad((i % 20)::text, 2, '0') AS branch,
           'staff-' || lpad((i % 400)::text, 3, '0') AS receiver,
           'dept-' || (i % 10) AS rdept,
           (i * 13) % 100 AS u,
           (i % 10 + 1 + i % 9) % 10 AS tdept_no,
           CASE WHEN i % 10 = 3 THEN 'REQUEST_KIND_COMPLAINT'
                ELSE (ARRAY['REQUEST_KIND_CONSULTATION', 'REQUEST_KIND_BUSINESS', 'REQUEST_KIND_HELP'])[i % 3 + 1] END AS kind,
           (ARRAY['CHANNEL_PHONE', 'CHANNEL_VISIT', 'CHANNEL_HOTLINE', 'CHANNEL_LETTER', 'CHANNEL_ONLINE_CHAT'])[i % 5 + 1] AS channel,
           i % 31 = 0 AS late_transfer,
           i % 23 = 0 AS late_reply,
           i % 97 <> 0 AS closes
      FROM generate_series(first, last) AS i
), k AS (
    SELECT c.*,
           CASE WHEN u < 65 THEN 'IN_SCOPE' WHEN u < 85 THEN 'OTHER_DEPARTMENT'
                WHEN u < 88 THEN 'OUTSIDE_ORGANISATION' WHEN u < 90 THEN 'SEVERAL_DEPARTMENTS'
                ELSE 'SAME_DEPARTMENT' END AS disp,
           CASE WHEN u BETWEEN 65 AND 84 OR u BETWEEN 88 AND 89 THEN 'dept-' || tdept_no ELSE rdept END AS dept,
           CASE WHEN u BETWEEN 65 AND 84 OR u BETWEEN 88 AND 89
                THEN 'staff-' || lpad((tdept_no + 10 * (i % 40))::text, 3, '0')
                WHEN u >= 90 THEN 'staff-' || lpad(((i + 10) % 400)::text, 3, '0')
                ELSE receiver END AS handler,
           kind = 'REQUEST_KIND_COMPLAINT' AS complaint
      FROM c
), e AS (
    SELECT k.*, u BETWEEN 65 AND 84 AS transfers,
           CASE WHEN u BETWEEN 65 AND 84 THEN CASE WHEN late_transfer THEN 5400 ELSE 1200 END ELSE 0 END AS xfer_s,
           CASE WHEN late_reply THEN 90000 ELSE 7200 END AS reply_s
      FROM k
)
SELECT i, 1, t0 + 0 * interval '1 second', 'inquiry.received', 'intake', receiver, jsonb_build_object(
           'branch_id', branch, 'request_id', 'r-' || i, 'channel', channel, 'kind', kind,
           'customer', jsonb_build_object('unit', '某公司', 'name', '客户' || (i % 1000), 'phone', '138' || lpad((i % 100000000)::text, 8, '0')),
           'matter', '事项 ' || i, 'category', 'cat-' || (i % 50), 'urgency', CASE WHEN i % 17 = 0 THEN 'URGENCY_URGENT' ELSE 'URGENCY_NORMAL' END,
           'receiver_staff_id', receiver, 'received_at_us', bench.us(t0), 'request_digest', md5(i::text))
  FROM e
UNION ALL
SELECT i, 2, t0 + 60 * interval '1 second', 'case.routed', 'router', 'router', jsonb_build_object(
           'disposition', 'DISPOSITION_' || disp, 'natural_owner_id', receiver,
           'factual_owner_id', receiver, 'handler_id', handler, 'department_id', dept,
           'notification', dept || ' 窗口, 电话 8001', 'directory_version', 'bench-1')
  FROM e
UNION ALL
SELECT i, 3, t0 + 60 * interval '1 second', 'sla.deadline_set', 'sla', 'sla', jsonb_build_object(
           'kind', 'DEADLINE_KIND_REPLY', 'due_at_us', bench.us(t0) + 86460000000,
           'warn_at_us', bench.us(t0) + 82860000000, 'holder_staff_id', handler,
           'department_id', dept, 'policy', 'R11 reply within 1 working day',
           'trigger_event_id', md5('bench/' || i || '/2')::uuid)
  FROM e
UNION ALL
SELECT i, 4, t0 + 60 * interval '1 second', 'sla.deadline_set', 'sla', 'sla', jsonb_build_object(
           'kind', 'DEADLINE_KIND_TRANSFER', 'due_at_us', bench.us(t0) + 3660000000,
           'warn_at_us', bench.us(t0) + 3060000000, 'holder_staff_id', receiver,
           'department_id', rdept, 'policy', 'R10 transfer within 1 hour',
           'trigger_event_id', md5('bench/' || i || '/2')::uuid)
  FROM e WHERE transfers
UNION ALL
SELECT i, 5, t0 + 3660 * interval '1 second', 'sla.breached', 'sla', 'sla', jsonb_build_object(
           'kind', 'DEADLINE_KIND_TRANSFER', 'due_at_us', bench.us(t0) + 3660000000,
           'deadline_event_id', md5('bench/' || i || '/4')::uuid,
           'holder_staff_id', receiver, 'department_id', rdept)
  FROM e WHERE transfers AND late_transfer
UNION ALL
SELECT i, 6, t0 + 3660 * interval '1 second', 'violation.recorded', 'sla', 'sla', jsonb_build_object(
           'type', 'VIOLATION_TYPE_LATE_TRANSFER', 'staff_id', receiver, 'department_id', rdept,
           'penalty_yuan', 100, 'occurrence_in_month', 1, 'rule', 'R10',
           'cause_event_id', md5('bench/' || i || '/5')::uuid)
  FROM e WHERE transfers AND late_transfer
UNION ALL
SELECT i, 7, t0 + xfer_s * interval '1 second', 'case.transferred', 'router', receiver, jsonb_build_object('handoff', jsonb_build_object(
           'from_staff_id', receiver, 'from_department_id', rdept, 'to_staff_id', handler,
           'to_department_id', dept, 'sender_signer_id', receiver,
           'sender_signed_at_us', bench.us(t0) + xfer_s * 1000000::bigint, 'hop', 1))
  FROM e WHERE transfers
UNION ALL
SELECT i, 8, t0 + xfer_s * interval '1 second', 'sla.deadline_cleared', 'sla', 'sla', jsonb_build_object(
           'deadline_event_id', md5('bench/' || i || '/4')::uuid, 'reason', 'met')
  FROM e WHERE transfers
UNION ALL
SELECT i, 9, t0 + (xfer_s + 600) * interval '1 second', 'case.accepted', 'router', 'head-' || dept, jsonb_build_object('handoff', jsonb_build_object(
           'from_staff_id', receiver, 'from_department_id', rdept, 'to_staff_id', handler,
           'to_department_id', dept, 'receiver_signer_id', 'head-' || dept,
           'receiver_signed_at_us', bench.us(t0) + (xfer_s + 600) * 1000000::bigint, 'hop', 1))
  FROM e WHERE transfers
UNION ALL
SELECT i, 10, t0 + 300 * interval '1 second', 'case.coordination', 'router', 'router', jsonb_build_object(
           'lead_department_id', dept, 'assisting_department_ids', jsonb_build_array(rdept),
           'supervisor_id', 'qa-01', 'reason', '多部门', 'ownership_locked', true)
  FROM e WHERE disp = 'SEVERAL_DEPARTMENTS'
UNION ALL
SELECT i, 11, t0 + 86460 * interval '1 second', 'sla.breached', 'sla', 'sla', jsonb_build_object(
           'kind', 'DEADLINE_KIND_REPLY', 'due_at_us', bench.us(t0) + 86460000000,
           'deadline_event_id', md5('bench/' || i || '/3')::uuid,
           'holder_staff_id', handler, 'department_id', dept)
  FROM e WHERE late_reply
UNION ALL
SELECT i, 12, t0 + 86460 * interval '1 second', 'violation.recorded', 'sla', 'sla', jsonb_build_object(
           'type', 'VIOLATION_TYPE_TIME_LIMIT_EXCEEDED', 'staff_id', handler, 'department_id', dept,
           'penalty_yuan', 200, 'occurrence_in_month', 1, 'rule', 'R11',
           'cause_event_id', md5('bench/' || i || '/11')::uuid)
  FROM e WHERE late_reply
UNION ALL
SELECT i, 13, t0 + reply_s * interval '1 second', 'case.replied', 'router', handler, jsonb_build_object(
           'text', '已答复: 所需材料、地点和电话见通知', 'checklist_attested', jsonb_build_array('materials', 'location'))
  FROM e
UNION ALL
SELECT i, 14, t0 + reply_s * interval '1 second', 'sla.deadline_cleared', 'sla', 'sla', jsonb_build_object(
           'deadline_event_id', md5('bench/' || i || '/3')::uuid, 'reason', 'met')
  FROM e
UNION ALL
SELECT i, 15, t0 + 10800 * interval '1 second', 'case.escalated', 'router', 'router', jsonb_build_object(
           'level', CASE WHEN i % 2 = 0 THEN 'ESCALATION_LEVEL_QA_OFFICE' ELSE 'ESCALATION_LEVEL_HEAD' END,
           'to_staff_id', CASE WHEN i % 2 = 0 THEN 'qa-01' ELSE 'head-' || dept END,
           'department_id', dept, 'reason', '顾客不满', 'conflict', i % 2 = 0)
  FROM e WHERE complaint AND i % 7 = 0
UNION ALL
SELECT i, 16, t0 + 100000 * interval '1 second', 'case.resolved', 'router', handler, jsonb_build_object('summary', '已办结')
  FROM e WHERE complaint
UNION ALL
SELECT i, 17, t0 + 100000 * interval '1 second', 'sla.deadline_set', 'sla', 'sla', jsonb_build_object(
           'kind', 'DEADLINE_KIND_CALLBACK', 'due_at_us', bench.us(t0) + 272800000000,
           'warn_at_us', bench.us(t0) + 269200000000, 'holder_staff_id', receiver,
           'department_id', rdept, 'policy', 'R16 callback within 2 days',
           'trigger_event_id', md5('bench/' || i || '/16')::uuid)
  FROM e WHERE complaint
UNION ALL
SELECT i, 18, t0 + 180000 * interval '1 second', 'case.callback', 'router', receiver, jsonb_build_object(
           'reached', true, 'rating', 1 + i % 5, 'note', '回访')
  FROM e WHERE complaint
UNION ALL
SELECT i, 19, t0 + 180000 * interval '1 second', 'sla.deadline_cleared', 'sla', 'sla', jsonb_build_object(
           'deadline_event_id', md5('bench/' || i || '/17')::uuid, 'reason', 'met')
  FROM e WHERE complaint
UNION ALL
SELECT i, 20, t0 + 200000 * interval '1 second', 'case.closed', 'router', receiver, jsonb_strip_nulls(jsonb_build_object(
           'reason', CASE WHEN disp = 'OUTSIDE_ORGANISATION' THEN 'outside the organisation' ELSE 'done' END,
           'guidance', CASE WHEN disp = 'OUTSIDE_ORGANISATION' THEN '请咨询有关单位' END))
  FROM e WHERE closes
$$;

-- Appends the events of cases first..last after the current log head, in
-- (case, order in the case) order, with positions, case versions, commit
-- times (occurred + 5 ms) and the hash chain; moves the log head.  Returns
-- the number of events.
CREATE FUNCTION bench.load_chunk(first bigint, last bigint, total bigint) RETURNS bigint
    LANGUAGE plpgsql AS
$$
DECLARE
    head_pos  bigint;
    head_hash bytea;
    n         bigint;
BEGIN
    SELECT position, hash INTO head_pos, head_hash FROM shouwen.log_head FOR UPDATE;
    INSERT INTO shouwen.events
    SELECT r.position, r.event_id, r.type, r.case_id, r.case_version, 0, NULL, r.producer,
           r.position, r.actor, r.occurred_at, r.committed_at, r.body, r.envelope,
           bench.chain(head_hash, sha256(r.envelope) || convert_to(jsonb_build_array(
               r.position, r.event_id, r.type, r.case_id, r.case_version, 0, NULL,
               r.producer, r.position, r.actor, shouwen.ts_to_us(r.occurred_at),
               shouwen.ts_to_us(r.committed_at), r.body)::text, 'UTF8'))
               OVER (ORDER BY r.position ROWS UNBOUNDED PRECEDING)
      FROM (SELECT head_pos + row_number() OVER w AS position,
                   md5('bench/' || v.n || '/' || v.seq)::uuid AS event_id,
                   v.type, bench.case_id(v.n) AS case_id,
                   row_number() OVER (PARTITION BY v.n ORDER BY v.seq) AS case_version,
                   v.producer, v.actor, v.at AS occurred_at,
                   v.at + interval '5 milliseconds' AS committed_at, v.body,
                   decode(repeat(md5(v.n || '/' || v.seq), 4), 'hex') AS envelope
              FROM bench.case_events(first, last, total) v
            WINDOW w AS (ORDER BY v.n, v.seq)) r
     ORDER BY r.position;
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE shouwen.log_head h
       SET position = e.position, hash = e.hash
      FROM (SELECT position, hash FROM shouwen.events ORDER BY position DESC LIMIT 1) e
     WHERE h.singleton;
    RETURN n;
END
$$;

-- The projections of the events at positions lo..hi (whole cases: a chunk
-- loaded by bench.load_chunk), computed set-based for the event mix above
-- (no waiting, reopening, returns or forwards), with the values
-- shouwen.project() gives event by event: the bench checks this on a small
-- log against shouwen.rebuild_projections().
CREATE FUNCTION bench.project_chunk(lo bigint, hi bigint) RETURNS void
    LANGUAGE plpgsql AS
$$
BEGIN
    INSERT INTO shouwen.deadlines
        (deadline_event_id, case_id, kind, due_at, warn_at, holder_staff_id, department_id,
         policy, trigger_event_id, state, set_position, updated_position,
         warned_at, breached_at, cleared_at, clear_reason)
    SELECT d.event_id, d.case_id, shouwen.enum_label(d.body->>'kind', 'DEADLINE_KIND_'),
           shouwen.us_to_ts(shouwen.json_int(d.body->'due_at_us')),
           shouwen.us_to_ts(shouwen.json_int(d.body->'warn_at_us')),
           nullif(d.body->>'holder_staff_id', ''), nullif(d.body->>'department_id', ''),
           nullif(d.body->>'policy', ''), shouwen.uuid_or_null(d.body->>'trigger_event_id'),
           CASE WHEN x.cleared_pos IS NOT NULL THEN 'cleared' WHEN x.breached_pos IS NOT NULL THEN 'breached'
                ELSE 'open' END,
           d.position, greatest(d.position, x.breached_pos, x.cleared_pos),
           NULL, x.breached_at, x.cleared_at, x.clear_reason
      FROM shouwen.events d
      LEFT JOIN (SELECT shouwen.uuid_or_null(e.body->>'deadline_event_id') AS id,
                        min(e.position) FILTER (WHERE e.type = 'sla.breached') AS breached_pos,
                        min(e.occurred_at) FILTER (WHERE e.type = 'sla.breached') AS breached_at,
                        min(e.position) FILTER (WHERE e.type = 'sla.deadline_cleared') AS cleared_pos,
                        min(e.occurred_at) FILTER (WHERE e.type = 'sla.deadline_cleared') AS cleared_at,
                        min(nullif(e.body->>'reason', '')) FILTER (WHERE e.type = 'sla.deadline_cleared') AS clear_reason
                   FROM shouwen.events e
                  WHERE e.position BETWEEN lo AND hi
                    AND e.type IN ('sla.breached', 'sla.deadline_cleared')
                  GROUP BY 1) x ON x.id = d.event_id
     WHERE d.position BETWEEN lo AND hi AND d.type = 'sla.deadline_set';

    INSERT INTO shouwen.breaches
    SELECT e.position, e.event_id, e.case_id, shouwen.enum_label(e.body->>'kind', 'DEADLINE_KIND_'),
           shouwen.us_to_ts(shouwen.json_int(e.body->'due_at_us')), e.occurred_at,
           shouwen.uuid_or_null(e.body->>'deadline_event_id'),
           nullif(e.body->>'holder_staff_id', ''), nullif(e.body->>'department_id', '')
      FROM shouwen.events e WHERE e.position BETWEEN lo AND hi AND e.type = 'sla.breached';

    INSERT INTO shouwen.violations
    SELECT e.position, e.event_id, e.case_id, shouwen.enum_label(e.body->>'type', 'VIOLATION_TYPE_'),
           nullif(e.body->>'staff_id', ''), nullif(e.body->>'department_id', ''),
           coalesce(shouwen.json_int(e.body->'penalty_yuan'), 0),
           shouwen.json_int(e.body->'occurrence_in_month'), shouwen.json_bool(e.body->'self_criticism'),
           nullif(e.body->>'rule', ''), shouwen.uuid_or_null(e.body->>'cause_event_id'), e.occurred_at
      FROM shouwen.events e WHERE e.position BETWEEN lo AND hi AND e.type = 'violation.recorded';

    INSERT INTO shouwen.handoffs
    SELECT e.position, e.event_id, e.case_id, substr(e.type, 6), shouwen.json_int(h->'hop'),
           nullif(h->>'from_staff_id', ''), nullif(h->>'from_department_id', ''),
           nullif(h->>'to_staff_id', ''), nullif(h->>'to_department_id', ''),
           nullif(h->>'sender_signer_id', ''), shouwen.us_to_ts(shouwen.json_int(h->'sender_signed_at_us')),
           nullif(h->>'receiver_signer_id', ''), shouwen.us_to_ts(shouwen.json_int(h->'receiver_signed_at_us')),
           nullif(h->>'opinion', ''), nullif(e.body->>'reason', ''), e.actor, e.occurred_at
      FROM shouwen.events e, LATERAL (SELECT e.body->'handoff' AS h) x
     WHERE e.position BETWEEN lo AND hi
       AND e.type IN ('case.transferred', 'case.accepted', 'case.returned', 'case.forwarded');

    INSERT INTO shouwen.coordinations
    SELECT e.position, e.event_id, e.case_id, nullif(e.body->>'lead_department_id', ''),
           ARRAY(SELECT jsonb_array_elements_text(e.body->'assisting_department_ids')),
           nullif(e.body->>'supervisor_id', ''), nullif(e.body->>'reason', ''),
           shouwen.json_bool(e.body->'ownership_locked'), e.occurred_at
      FROM shouwen.events e WHERE e.position BETWEEN lo AND hi AND e.type = 'case.coordination';

    -- Cases: the registration, then for each column the last event that sets it.
    INSERT INTO shouwen.cases
        (case_id, version, opened_position, opened_event_id, branch_id, request_id, channel,
         request_kind, category, urgency, customer_unit, customer_name, customer_phone,
         customer_address, matter, receiver_staff_id, named_employee_id, linked_case_id,
         received_at, natural_owner_id, factual_owner_id, handler_id, department_id,
         disposition, state, reply_due_at, updated_position, updated_at, hops,
         first_replied_at, replied_at, resolved_at, callback_at, callback_reached,
         callback_rating, escalations, escalation_level, conflict_escalated,
         lead_department_id, assisting_department_ids, ownership_locked, closed_at,
         close_reason, close_guidance)
    SELECT i.case_id, a.version, i.position, i.event_id,
           nullif(b->>'branch_id', ''), nullif(b->>'request_id', ''),
           shouwen.enum_label(b->>'channel', 'CHANNEL_'), shouwen.enum_label(b->>'kind', 'REQUEST_KIND_'),
           nullif(b->>'category', ''), shouwen.enum_label(b->>'urgency', 'URGENCY_'),
           nullif(b#>>'{customer,unit}', ''), nullif(b#>>'{customer,name}', ''),
           nullif(b#>>'{customer,phone}', ''), nullif(b#>>'{customer,address}', ''),
           nullif(b->>'matter', ''), nullif(b->>'receiver_staff_id', ''),
           nullif(b->>'named_employee_id', ''), nullif(b->>'linked_case_id', ''),
           shouwen.us_to_ts(shouwen.json_int(b->'received_at_us')),
           nullif(a.routed->>'natural_owner_id', ''),
           coalesce(nullif(a.accepted->>'to_staff_id', ''), nullif(a.routed->>'factual_owner_id', '')),
           coalesce(nullif(a.accepted->>'to_staff_id', ''), nullif(a.routed->>'handler_id', '')),
           coalesce(a.lead, nullif(a.accepted->>'to_department_id', ''), nullif(a.routed->>'department_id', '')),
           CASE WHEN a.routed IS NOT NULL THEN shouwen.enum_label(a.routed->>'disposition', 'DISPOSITION_') END,
           a.state, a.reply_due, a.updated_position, a.updated_at, a.hops,
           a.first_replied, a.last_replied, a.resolved, a.callback_at, a.reached, a.rating,
           a.escalations, a.escalation_level, a.conflict, a.lead,
           CASE WHEN a.assisting IS NOT NULL THEN ARRAY(SELECT jsonb_array_elements_text(a.assisting)) END,
           coalesce(a.locked, false), a.closed_at, a.close_reason, a.close_guidance
      FROM (
            SELECT e.case_id, count(*) AS version, max(e.position) AS updated_position,
                   (array_agg(e.committed_at ORDER BY e.position DESC))[1] AS updated_at,
                   (array_agg(e.body ORDER BY e.position DESC) FILTER (WHERE e.type = 'case.routed'))[1] AS routed,
                   (array_agg(e.body->'handoff' ORDER BY e.position DESC) FILTER (WHERE e.type = 'case.accepted'))[1] AS accepted,
                   (array_agg(CASE e.type
                        WHEN 'inquiry.received' THEN 'received' WHEN 'case.routed' THEN 'routed'
                        WHEN 'case.transferred' THEN 'transferring' WHEN 'case.accepted' THEN 'in_progress'
                        WHEN 'case.replied' THEN 'replied' WHEN 'case.resolved' THEN 'resolved'
                        WHEN 'case.callback' THEN 'called_back' WHEN 'case.closed' THEN 'closed' END
                        ORDER BY e.position DESC)
                      FILTER (WHERE e.type IN ('inquiry.received', 'case.routed', 'case.transferred',
                                               'case.accepted', 'case.replied', 'case.resolved',
                                               'case.closed')
                                 OR (e.type = 'case.callback' AND shouwen.json_bool(e.body->'reached'))))[1] AS state,
                   (array_agg(shouwen.us_to_ts(shouwen.json_int(e.body->'due_at_us')) ORDER BY e.position DESC)
                      FILTER (WHERE e.type = 'sla.deadline_set' AND e.body->>'kind' = 'DEADLINE_KIND_REPLY'))[1] AS reply_due,
                   count(*) FILTER (WHERE e.type IN ('case.transferred', 'case.forwarded', 'case.returned'))::int AS hops,
                   min(e.occurred_at) FILTER (WHERE e.type = 'case.replied') AS first_replied,
                   (array_agg(e.occurred_at ORDER BY e.position DESC) FILTER (WHERE e.type = 'case.replied'))[1] AS last_replied,
                   (array_agg(e.occurred_at ORDER BY e.position DESC) FILTER (WHERE e.type = 'case.resolved'))[1] AS resolved,
                   (array_agg(e.occurred_at ORDER BY e.position DESC) FILTER (WHERE e.type = 'case.callback'))[1] AS callback_at,
                   (array_agg(shouwen.json_bool(e.body->'reached') ORDER BY e.position DESC) FILTER (WHERE e.type = 'case.callback'))[1] AS reached,
                   (array_agg(shouwen.json_int(e.body->'rating')::smallint ORDER BY e.position DESC)
                      FILTER (WHERE e.type = 'case.callback' AND shouwen.json_int(e.body->'rating') BETWEEN 1 AND 5))[1] AS rating,
                   count(*) FILTER (WHERE e.type = 'case.escalated')::int AS escalations,
                   (array_agg(shouwen.enum_label(e.body->>'level', 'ESCALATION_LEVEL_') ORDER BY e.position DESC)
                      FILTER (WHERE e.type = 'case.escalated'))[1] AS escalation_level,
                   coalesce(bool_or(shouwen.json_bool(e.body->'conflict')) FILTER (WHERE e.type = 'case.escalated'), false) AS conflict,
                   (array_agg(nullif(e.body->>'lead_department_id', '') ORDER BY e.position DESC)
                      FILTER (WHERE e.type = 'case.coordination'))[1] AS lead,
                   (array_agg(e.body->'assisting_department_ids' ORDER BY e.position DESC)
                      FILTER (WHERE e.type = 'case.coordination'))[1] AS assisting,
                   bool_or(shouwen.json_bool(e.body->'ownership_locked')) FILTER (WHERE e.type = 'case.coordination') AS locked,
                   (array_agg(e.occurred_at ORDER BY e.position DESC) FILTER (WHERE e.type = 'case.closed'))[1] AS closed_at,
                   (array_agg(nullif(e.body->>'reason', '') ORDER BY e.position DESC) FILTER (WHERE e.type = 'case.closed'))[1] AS close_reason,
                   (array_agg(nullif(e.body->>'guidance', '') ORDER BY e.position DESC) FILTER (WHERE e.type = 'case.closed'))[1] AS close_guidance
              FROM shouwen.events e
             WHERE e.position BETWEEN lo AND hi
             GROUP BY e.case_id) a
      JOIN shouwen.events i ON i.case_id = a.case_id AND i.type = 'inquiry.received'
                           AND i.position BETWEEN lo AND hi
      JOIN LATERAL (SELECT i.body AS b) bb ON true;

    INSERT INTO shouwen.escalations
    SELECT e.position, e.event_id, e.case_id, shouwen.enum_label(e.body->>'level', 'ESCALATION_LEVEL_'),
           shouwen.escalation_rank(shouwen.enum_label(e.body->>'level', 'ESCALATION_LEVEL_')),
           nullif(e.body->>'to_staff_id', ''), nullif(e.body->>'department_id', ''),
           nullif(e.body->>'reason', ''), shouwen.json_bool(e.body->'conflict'),
           shouwen.uuid_or_null(e.body->>'cause_event_id'), e.actor, e.occurred_at
      FROM shouwen.events e WHERE e.position BETWEEN lo AND hi AND e.type = 'case.escalated';

    -- Callbacks keep the case's department and factual owner then: in this
    -- mix nothing changes them after the callback.
    INSERT INTO shouwen.callbacks
    SELECT e.position, e.event_id, e.case_id, e.actor, c.department_id, c.factual_owner_id,
           shouwen.json_bool(e.body->'reached'),
           CASE WHEN shouwen.json_int(e.body->'rating') BETWEEN 1 AND 5
                THEN shouwen.json_int(e.body->'rating')::smallint END,
           nullif(e.body->>'note', ''), e.occurred_at
      FROM shouwen.events e JOIN shouwen.cases c USING (case_id)
     WHERE e.position BETWEEN lo AND hi AND e.type = 'case.callback';
END
$$;
