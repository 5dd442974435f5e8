-- shouwen (首问) migration 005: the auditors' views and functions.
--
-- What the QA office (质检部) and auditors ask of the register, each one
-- documented with a psql example in docs/auditing.md:
--
--   first_inquiry_register          the register (登记簿), one row per case (R1)
--   register_by_day(from, to)       the register counted by day and branch
--   case_timeline(case)             every event of a case, with a readable summary
--   custody_chain(case)             who held a case, hop by hop, signed by whom and when (R13, R14)
--   late_transfers                  transfers made after their 1-hour limit (R10)
--   late_transfers_by_person(month) late transfers and their violations per person (R10, V1)
--   reply_callback_compliance(month) reply (R11) and callback (R16) limits kept, per department
--   department_assessment(month)    the monthly department assessment (月度绩效考核: R15, V1-V3)
--   qa_sample(month, n, seed)       a reproducible QA sample per department (抽查, V4)
--   directory_history               every directory and calendar version with its validity
--   directory_scopes                every category's department and handler, per version
--   responsible_at(category, at)    who was responsible for a category at a time
--   verify_chain(from, to)          the hash chain check (003)
--
-- Days and months are calendar days and months in the session's time zone
-- (SET TimeZone = 'Asia/Shanghai' for Beijing time); every function taking
-- a month accepts any date in it.  All are read-only: views, and functions
-- declared STABLE that run with the caller's privileges.

-- ------------------------------------------------------------- indexes

CREATE INDEX cases_received ON shouwen.cases (received_at);
CREATE INDEX deadlines_holder ON shouwen.deadlines (holder_staff_id, due_at);

-- ------------------------------------------------------------- helpers

-- First instant of the month holding day, in the session's time zone.
CREATE FUNCTION shouwen.month_start(day date) RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
RETURN date_trunc('month', day)::date::timestamptz;

-- First instant of the month after the one holding day.
CREATE FUNCTION shouwen.month_end(day date) RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
RETURN (date_trunc('month', day)::date + interval '1 month')::date::timestamptz;

-- Percentage part/whole with one decimal; NULL when whole is 0.
CREATE FUNCTION shouwen.pct(part bigint, whole bigint) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN whole > 0 THEN round(100.0 * part / whole, 1) END;

COMMENT ON FUNCTION shouwen.month_start(date) IS
    'First instant of the month holding the given day, in the session''s time zone.';
COMMENT ON FUNCTION shouwen.month_end(date) IS
    'First instant of the following month, in the session''s time zone.';
COMMENT ON FUNCTION shouwen.pct(bigint, bigint) IS
    'part as a percentage of whole, one decimal; NULL when whole is 0.';

-- The readable line of a handoff body (see event_summary).
CREATE FUNCTION shouwen.handoff_summary(kind text, b jsonb) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
RETURN concat_ws(' ', kind, 'hop ' || (b#>>'{handoff,hop}') || ':',
    concat_ws(' / ', b#>>'{handoff,from_staff_id}', b#>>'{handoff,from_department_id}'), '->',
    concat_ws(' / ', b#>>'{handoff,to_staff_id}', b#>>'{handoff,to_department_id}'),
    '- sender signed ' || nullif(concat_ws(' at ', b#>>'{handoff,sender_signer_id}',
        shouwen.us_to_ts(shouwen.json_int(b#>'{handoff,sender_signed_at_us}'))::text), ''),
    '- receiver signed ' || nullif(concat_ws(' at ', b#>>'{handoff,receiver_signer_id}',
        shouwen.us_to_ts(shouwen.json_int(b#>'{handoff,receiver_signed_at_us}'))::text), ''),
    '- opinion: ' || nullif(b#>>'{handoff,opinion}', ''),
    '- reason: ' || nullif(b->>'reason', ''));

-- One line describing an event for the timeline, from its type and body.
CREATE FUNCTION shouwen.event_summary(type text, b jsonb) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE type
    WHEN 'inquiry.received' THEN concat_ws(' ',
        shouwen.enum_label(b->>'channel', 'CHANNEL_'), shouwen.enum_label(b->>'kind', 'REQUEST_KIND_'),
        CASE WHEN b->>'urgency' = 'URGENCY_URGENT' THEN '(urgent)' END,
        'from ' || nullif(concat_ws(' ', b#>>'{customer,unit}', b#>>'{customer,name}', b#>>'{customer,phone}'), '') || ':',
        b->>'matter', '[' || (b->>'category') || ']',
        '- first contacted ' || (b->>'receiver_staff_id'),
        '- asked for ' || (b->>'named_employee_id'),
        '- about case ' || (b->>'linked_case_id'))
    WHEN 'case.routed' THEN concat_ws(' ',
        shouwen.enum_label(b->>'disposition', 'DISPOSITION_') || ':',
        'department ' || (b->>'department_id'),
        '- natural owner ' || (b->>'natural_owner_id'),
        '- factual owner ' || (b->>'factual_owner_id'),
        '- handler ' || (b->>'handler_id'),
        '- leader ' || (b->>'leader_id'),
        '- told: ' || nullif(b->>'notification', ''),
        '- guidance: ' || nullif(b->>'guidance', ''))
    WHEN 'case.transferred' THEN shouwen.handoff_summary('transferred', b)
    WHEN 'case.accepted' THEN shouwen.handoff_summary('accepted', b)
    WHEN 'case.returned' THEN shouwen.handoff_summary('returned', b)
    WHEN 'case.forwarded' THEN shouwen.handoff_summary('forwarded', b)
    WHEN 'case.escalated' THEN concat_ws(' ',
        'to ' || shouwen.enum_label(b->>'level', 'ESCALATION_LEVEL_'),
        '(' || (b->>'to_staff_id') || ')',
        CASE WHEN shouwen.json_bool(b->'conflict') THEN 'conflict escalation' END,
        'against ' || (b->>'department_id'), '- ' || nullif(b->>'reason', ''))
    WHEN 'case.coordination' THEN concat_ws(' ',
        'lead department ' || (b->>'lead_department_id'),
        'assisted by ' || nullif(array_to_string(ARRAY(SELECT jsonb_array_elements_text(
            CASE WHEN jsonb_typeof(b->'assisting_department_ids') = 'array'
                 THEN b->'assisting_department_ids' ELSE '[]' END)), ', '), ''),
        '- supervisor ' || (b->>'supervisor_id'),
        CASE WHEN shouwen.json_bool(b->'ownership_locked') THEN '- ownership locked' END,
        '- ' || nullif(b->>'reason', ''))
    WHEN 'case.replied' THEN concat_ws(' ', b->>'text',
        '- notified: ' || nullif(array_to_string(ARRAY(SELECT jsonb_array_elements_text(
            CASE WHEN jsonb_typeof(b->'checklist_attested') = 'array'
                 THEN b->'checklist_attested' ELSE '[]' END)), ', '), ''),
        CASE WHEN shouwen.json_bool(b->'phrase_override')
             THEN '- forbidden phrase overridden: ' || coalesce(b->>'override_reason', '') END)
    WHEN 'case.progress' THEN b->>'text'
    WHEN 'case.resolved' THEN b->>'summary'
    WHEN 'case.callback' THEN concat_ws(' ',
        CASE WHEN shouwen.json_bool(b->'reached') THEN 'customer reached' ELSE 'customer not reached' END,
        '- rating ' || nullif(b->>'rating', '0'), '- ' || nullif(b->>'note', ''))
    WHEN 'case.reopened' THEN b->>'reason'
    WHEN 'case.closed' THEN concat_ws(' ', b->>'reason', '- guidance: ' || nullif(b->>'guidance', ''))
    WHEN 'case.leader_contact' THEN concat_ws(' ', 'leader ' || (b->>'leader_id'),
        CASE WHEN shouwen.json_bool(b->'disclosed') THEN '- contact disclosed with permission'
             ELSE '- not disclosed; visitor contact passed: ' || coalesce(b->>'visitor_contact_passed', '') END)
    WHEN 'case.waiting' THEN CASE WHEN shouwen.json_bool(b->'waiting')
        THEN concat_ws(' ', 'waiting on the customer', '- ' || nullif(b->>'reason', ''))
        ELSE concat_ws(' ', 'resumed', '- ' || nullif(b->>'reason', '')) END
    WHEN 'command.received' THEN concat_ws(' ',
        shouwen.enum_label(b#>>'{command,kind}', 'COMMAND_KIND_'), 'by ' || (b#>>'{command,staff_id}'),
        'to ' || nullif(concat_ws('/', b#>>'{command,to_staff_id}', b#>>'{command,to_department_id}'), ''),
        'from branch ' || (b->>'branch_id'))
    WHEN 'command.rejected' THEN concat_ws(': ', b->>'code', b->>'message')
    WHEN 'sla.deadline_set' THEN concat_ws(' ', shouwen.enum_label(b->>'kind', 'DEADLINE_KIND_'),
        'due ' || shouwen.us_to_ts(shouwen.json_int(b->'due_at_us')),
        '- held by ' || nullif(concat_ws(' / ', b->>'holder_staff_id', b->>'department_id'), ''),
        '- ' || nullif(b->>'policy', ''))
    WHEN 'sla.warning' THEN concat_ws(' ', 'warning:', shouwen.enum_label(b->>'kind', 'DEADLINE_KIND_'),
        'due ' || shouwen.us_to_ts(shouwen.json_int(b->'due_at_us')), '- to ' || (b->>'holder_staff_id'))
    WHEN 'sla.breached' THEN concat_ws(' ', 'breached:', shouwen.enum_label(b->>'kind', 'DEADLINE_KIND_'),
        'due ' || shouwen.us_to_ts(shouwen.json_int(b->'due_at_us')),
        '- held by ' || nullif(concat_ws(' / ', b->>'holder_staff_id', b->>'department_id'), ''))
    WHEN 'sla.deadline_cleared' THEN concat_ws(' ', 'cleared', '- ' || nullif(b->>'reason', ''))
    WHEN 'violation.recorded' THEN concat_ws(' ', shouwen.enum_label(b->>'type', 'VIOLATION_TYPE_'),
        'by ' || nullif(concat_ws(' / ', b->>'staff_id', b->>'department_id'), ''),
        '- penalty ' || coalesce(b->>'penalty_yuan', '0') || ' yuan',
        '- offence ' || (b->>'occurrence_in_month') || ' this month',
        CASE WHEN shouwen.json_bool(b->'self_criticism') THEN '- written self-criticism' END,
        '- rule ' || (b->>'rule'))
    WHEN 'directory.loaded' THEN concat_ws(' ', b->>'kind', b->>'version', 'loaded by ' || (b->>'loaded_by'))
END;

COMMENT ON FUNCTION shouwen.event_summary(text, jsonb) IS
    'One readable line for an event of the given type and body (used by case_timeline).';
COMMENT ON FUNCTION shouwen.handoff_summary(text, jsonb) IS
    'One readable line for a handoff body (transferred, accepted, returned, forwarded).';

-- ------------------------------------------------------------- the register

-- The 002 register with the case's later course appended.
CREATE OR REPLACE VIEW shouwen.first_inquiry_register AS
SELECT c.case_id,
       c.received_at,
       c.branch_id,
       c.channel,
       c.request_kind,
       c.customer_unit,
       c.customer_name,
       c.customer_phone,
       c.customer_address,
       c.matter,
       c.category,
       c.urgency,
       c.receiver_staff_id,
       c.natural_owner_id,
       c.disposition,
       c.department_id,
       c.factual_owner_id,
       c.handler_id,
       c.reply_due_at,
       c.state,
       c.opened_position AS position,
       c.first_replied_at,
       c.resolved_at,
       c.closed_at,
       c.callback_rating,
       c.hops,
       c.escalation_level
  FROM shouwen.cases c;
COMMENT ON COLUMN shouwen.first_inquiry_register.first_replied_at IS 'First reply to the customer (R11).';
COMMENT ON COLUMN shouwen.first_inquiry_register.resolved_at IS 'Resolution (办结).';
COMMENT ON COLUMN shouwen.first_inquiry_register.closed_at IS 'Closing.';
COMMENT ON COLUMN shouwen.first_inquiry_register.callback_rating IS 'Customer rating at callback (回访, 1..5).';
COMMENT ON COLUMN shouwen.first_inquiry_register.hops IS 'Handoffs sent (transfers, returns, forwards).';
COMMENT ON COLUMN shouwen.first_inquiry_register.escalation_level IS 'Level of the last escalation, if any.';

CREATE FUNCTION shouwen.register_by_day(from_day date, to_day date, branch text DEFAULT NULL)
    RETURNS TABLE (day date, branch_id text, inquiries bigint, urgent bigint, complaints bigint,
                   in_scope bigint, transferred bigint, outside_organisation bigint,
                   replied bigint, closed bigint, still_open bigint)
    LANGUAGE sql STABLE AS
$$
SELECT c.received_at::date, c.branch_id,
       count(*),
       count(*) FILTER (WHERE c.urgency = 'urgent'),
       count(*) FILTER (WHERE c.request_kind = 'complaint'),
       count(*) FILTER (WHERE c.disposition = 'in_scope'),
       count(*) FILTER (WHERE c.hops > 0),
       count(*) FILTER (WHERE c.disposition = 'outside_organisation'),
       count(*) FILTER (WHERE c.first_replied_at IS NOT NULL),
       count(*) FILTER (WHERE c.state = 'closed'),
       count(*) FILTER (WHERE c.state <> 'closed')
  FROM shouwen.cases c
 WHERE c.received_at >= from_day::timestamptz
   AND c.received_at < (to_day + 1)::timestamptz
   AND (branch IS NULL OR c.branch_id = branch)
 GROUP BY 1, 2
 ORDER BY 1, 2
$$;
COMMENT ON FUNCTION shouwen.register_by_day(date, date, text) IS
    'The first-inquiry register (首问登记簿, R1) counted by day and branch, for the days from_day..to_day '
    '(inclusive, in the session''s time zone) and one branch or all: inquiries registered, urgent '
    '(紧要), complaints (投诉), handled in scope (R3), transferred at least once, outside the '
    'organisation (R6), replied, closed, still open.  '
    'Example: SELECT * FROM shouwen.register_by_day(''2026-03-01'', ''2026-03-31'');';

-- ------------------------------------------------------------- one case

CREATE FUNCTION shouwen.case_timeline(case_id text)
    RETURNS TABLE ("position" bigint, case_version bigint, occurred_at timestamptz,
                   committed_at timestamptz, type text, actor text, producer text,
                   summary text, body jsonb)
    LANGUAGE sql STABLE AS
$$
SELECT e.position, e.case_version, e.occurred_at, e.committed_at, e.type, e.actor, e.producer,
       shouwen.event_summary(e.type, e.body), e.body
  FROM shouwen.events e
 WHERE e.case_id = case_timeline.case_id
 ORDER BY e.position
$$;
COMMENT ON FUNCTION shouwen.case_timeline(text) IS
    'A case''s timeline (事项经过): every event of the case in log order with its time, actor and a '
    'readable summary (registration, routing, handoffs, escalations, replies, time limits, '
    'violations, callback, closing).  Example: SELECT position, occurred_at, type, summary '
    'FROM shouwen.case_timeline(''SW-0001-0001-0001'');';

CREATE FUNCTION shouwen.custody_chain(case_id text)
    RETURNS TABLE (step int, kind text, hop bigint,
                   from_staff_id text, from_department_id text,
                   to_staff_id text, to_department_id text,
                   sender_signer_id text, sender_signed_at timestamptz,
                   receiver_signer_id text, receiver_signed_at timestamptz,
                   opinion text, sent_position bigint, accepted_position bigint,
                   held_from timestamptz, held_until timestamptz)
    LANGUAGE sql STABLE AS
$$
WITH c AS (
    SELECT * FROM shouwen.cases x WHERE x.case_id = custody_chain.case_id
), sends AS (
    SELECT h.*, lead(h.position) OVER (ORDER BY h.position) AS next_send
      FROM shouwen.handoffs h
     WHERE h.case_id = custody_chain.case_id AND h.kind <> 'accepted'
), steps AS (
    -- The person first contacted holds it from registration (R1).
    SELECT 'received'::text AS kind, NULL::bigint AS hop,
           NULL::text AS from_staff_id, NULL::text AS from_department_id,
           c.receiver_staff_id AS to_staff_id, NULL::text AS to_department_id,
           NULL::text AS sender_signer_id, NULL::timestamptz AS sender_signed_at,
           NULL::text AS receiver_signer_id, NULL::timestamptz AS receiver_signed_at,
           NULL::text AS opinion, c.opened_position AS sent_position,
           NULL::bigint AS accepted_position, c.received_at AS held_from
      FROM c
    UNION ALL
    -- The first owner's judgement names the factual owner (R3-R9).
    SELECT 'routed', NULL, c.receiver_staff_id, NULL,
           nullif(e.body->>'factual_owner_id', ''), nullif(e.body->>'department_id', ''),
           NULL, NULL, NULL, NULL, nullif(e.body->>'reason', ''), e.position, NULL, e.occurred_at
      FROM c JOIN shouwen.events e ON e.case_id = c.case_id AND e.type = 'case.routed'
    UNION ALL
    -- Each handoff with the signature of the side that took it (R13, R14).
    SELECT s.kind, s.hop, s.from_staff_id, s.from_department_id,
           coalesce(a.to_staff_id, s.to_staff_id), coalesce(a.to_department_id, s.to_department_id),
           s.sender_signer_id, s.sender_signed_at,
           coalesce(a.receiver_signer_id, s.receiver_signer_id),
           coalesce(a.receiver_signed_at, s.receiver_signed_at),
           coalesce(s.opinion, a.opinion), s.position, a.position,
           coalesce(a.receiver_signed_at, a.occurred_at, s.receiver_signed_at,
                    CASE WHEN s.kind = 'returned' THEN coalesce(s.sender_signed_at, s.occurred_at) END)
      FROM sends s
      LEFT JOIN LATERAL (
            SELECT * FROM shouwen.handoffs x
             WHERE x.case_id = s.case_id AND x.kind = 'accepted' AND x.position > s.position
               AND (s.next_send IS NULL OR x.position < s.next_send)
             ORDER BY x.position LIMIT 1) a ON true
    UNION ALL
    -- A coordination sheet makes the lead department accountable (R9, R18).
    SELECT 'coordination', NULL, NULL, NULL, NULL, k.lead_department_id, NULL, NULL,
           k.supervisor_id, NULL, k.reason, k.position, NULL, k.occurred_at
      FROM shouwen.coordinations k WHERE k.case_id = custody_chain.case_id
)
SELECT (row_number() OVER w - 1)::int, s.kind, s.hop, s.from_staff_id, s.from_department_id,
       s.to_staff_id, s.to_department_id, s.sender_signer_id, s.sender_signed_at,
       s.receiver_signer_id, s.receiver_signed_at, s.opinion, s.sent_position,
       s.accepted_position, s.held_from,
       -- held until the next step takes effect (the next handoff is signed
       -- by its sender, or the next step begins)
       lead(coalesce(s.sender_signed_at, s.held_from)) OVER w
  FROM steps s
WINDOW w AS (ORDER BY s.sent_position)
 ORDER BY s.sent_position
$$;
COMMENT ON FUNCTION shouwen.custody_chain(text) IS
    'A case''s custody chain (交接链, R13, R14): step 0 the person first contacted, then the routing '
    '(factual owner and department as judged), then every transfer, return and forward with the '
    'sender''s signature and the receiving side''s signature (from the matching acceptance), the '
    'written opinion, and when custody began (held_from: signed for by the receiver; NULL while a '
    'transfer awaits acceptance) and ended (held_until: when the next step began), and coordination '
    'sheets naming a lead department.  '
    'Example: SELECT * FROM shouwen.custody_chain(''SW-0001-0001-0001'');';

-- ------------------------------------------------------------- late transfers

CREATE VIEW shouwen.late_transfers AS
SELECT d.case_id,
       d.holder_staff_id AS staff_id,
       d.department_id,
       d.due_at,
       d.breached_at,
       t.transferred_at,
       t.position AS transfer_position,
       coalesce(t.transferred_at, d.cleared_at) - d.due_at AS late_by,
       d.deadline_event_id
  FROM shouwen.deadlines d
  LEFT JOIN LATERAL (
        SELECT coalesce(h.sender_signed_at, h.occurred_at) AS transferred_at, h.position
          FROM shouwen.handoffs h
         WHERE h.case_id = d.case_id AND h.position > d.set_position
           AND h.kind IN ('transferred', 'forwarded')
         ORDER BY h.position LIMIT 1) t ON true
 WHERE d.kind = 'transfer' AND d.outcome = 'late';
COMMENT ON VIEW shouwen.late_transfers IS
    'Late transfers (转交超时, R10: within 1 hour): one row per transfer time limit that was breached '
    'or cleared after it was due, with who held it, when it was due, when the case was in fact '
    'handed over (the next transfer or forward signed by the sender; NULL if never) and how late.  '
    'Example: SELECT * FROM shouwen.late_transfers WHERE due_at >= ''2026-03-01'' ORDER BY late_by DESC;';
COMMENT ON COLUMN shouwen.late_transfers.staff_id IS 'Who had to transfer (the holder of the time limit).';
COMMENT ON COLUMN shouwen.late_transfers.transferred_at IS 'When the sender signed the transfer that followed.';
COMMENT ON COLUMN shouwen.late_transfers.late_by IS 'How late the transfer was (or the limit was cleared); NULL while still not transferred.';

CREATE FUNCTION shouwen.late_transfers_by_person(month date)
    RETURNS TABLE (staff_id text, department_id text, transfers_due bigint, on_time bigint,
                   late bigint, still_open bigint, late_rate numeric, worst_late_by interval,
                   violations bigint, penalties_yuan bigint)
    LANGUAGE sql STABLE AS
$$
WITH d AS (
    SELECT x.holder_staff_id AS staff_id, x.department_id,
           count(*) AS due,
           count(*) FILTER (WHERE x.outcome = 'on_time') AS on_time,
           count(*) FILTER (WHERE x.outcome = 'late') AS late,
           count(*) FILTER (WHERE x.outcome = 'open') AS open
      FROM shouwen.deadlines x
     WHERE x.kind = 'transfer' AND x.outcome <> 'void'
       AND x.due_at >= shouwen.month_start(month) AND x.due_at < shouwen.month_end(month)
     GROUP BY 1, 2
), w AS (
    -- lateness as handed over (the transfer that followed), as in late_transfers
    SELECT l.staff_id, l.department_id, max(l.late_by) AS worst
      FROM shouwen.late_transfers l
     WHERE l.due_at >= shouwen.month_start(month) AND l.due_at < shouwen.month_end(month)
     GROUP BY 1, 2
), v AS (
    SELECT y.staff_id, y.department_id, count(*) AS n, sum(y.penalty_yuan)::bigint AS yuan
      FROM shouwen.violations y
     WHERE y.type = 'late_transfer'
       AND y.occurred_at >= shouwen.month_start(month) AND y.occurred_at < shouwen.month_end(month)
     GROUP BY 1, 2
)
SELECT coalesce(d.staff_id, v.staff_id), coalesce(d.department_id, v.department_id),
       coalesce(d.due, 0), coalesce(d.on_time, 0), coalesce(d.late, 0), coalesce(d.open, 0),
       shouwen.pct(d.late, d.on_time + d.late), w.worst,
       coalesce(v.n, 0), coalesce(v.yuan, 0)
  FROM d FULL JOIN v ON coalesce(v.staff_id, '') = coalesce(d.staff_id, '')
                    AND coalesce(v.department_id, '') = coalesce(d.department_id, '')
  LEFT JOIN w ON coalesce(w.staff_id, '') = coalesce(d.staff_id, v.staff_id, '')
             AND coalesce(w.department_id, '') = coalesce(d.department_id, v.department_id, '')
 ORDER BY coalesce(d.late, 0) + coalesce(v.n, 0) DESC, 1
$$;
COMMENT ON FUNCTION shouwen.late_transfers_by_person(date) IS
    'Late transfers by person for a month (R10, V1): per holder of transfer time limits due in the month '
    '(those lifted before they were due for another reason than being met are left out), '
    'how many were due, kept, late and still open, the late rate (of those decided, %), the worst '
    'lateness (as in late_transfers: when the case was in fact handed over), and the late-transfer violations recorded against the person that month with their '
    'penalties (V2).  Example: SELECT * FROM shouwen.late_transfers_by_person(''2026-03-01'');';

-- ------------------------------------------------------------- compliance

CREATE FUNCTION shouwen.reply_callback_compliance(month date)
    RETURNS TABLE (department_id text,
                   replies_due bigint, replies_on_time bigint, replies_late bigint,
                   replies_open bigint, reply_on_time_rate numeric,
                   callbacks_due bigint, callbacks_on_time bigint, callbacks_late bigint,
                   callbacks_open bigint, callback_on_time_rate numeric,
                   callbacks_made bigint, customers_reached bigint, average_rating numeric)
    LANGUAGE sql STABLE AS
$$
WITH d AS (
    SELECT x.department_id,
           count(*) FILTER (WHERE x.kind = 'reply') AS r_due,
           count(*) FILTER (WHERE x.kind = 'reply' AND x.outcome = 'on_time') AS r_ok,
           count(*) FILTER (WHERE x.kind = 'reply' AND x.outcome = 'late') AS r_late,
           count(*) FILTER (WHERE x.kind = 'reply' AND x.outcome = 'open') AS r_open,
           count(*) FILTER (WHERE x.kind = 'callback') AS c_due,
           count(*) FILTER (WHERE x.kind = 'callback' AND x.outcome = 'on_time') AS c_ok,
           count(*) FILTER (WHERE x.kind = 'callback' AND x.outcome = 'late') AS c_late,
           count(*) FILTER (WHERE x.kind = 'callback' AND x.outcome = 'open') AS c_open
      FROM shouwen.deadlines x
     WHERE x.kind IN ('reply', 'callback') AND x.outcome <> 'void'
       AND x.due_at >= shouwen.month_start(month) AND x.due_at < shouwen.month_end(month)
     GROUP BY 1
), k AS (
    SELECT y.department_id, count(*) AS made, count(*) FILTER (WHERE y.reached) AS reached,
           round(avg(y.rating), 2) AS rating
      FROM shouwen.callbacks y
     WHERE y.occurred_at >= shouwen.month_start(month) AND y.occurred_at < shouwen.month_end(month)
     GROUP BY 1
)
SELECT coalesce(d.department_id, k.department_id),
       coalesce(d.r_due, 0), coalesce(d.r_ok, 0), coalesce(d.r_late, 0), coalesce(d.r_open, 0),
       shouwen.pct(d.r_ok, d.r_ok + d.r_late),
       coalesce(d.c_due, 0), coalesce(d.c_ok, 0), coalesce(d.c_late, 0), coalesce(d.c_open, 0),
       shouwen.pct(d.c_ok, d.c_ok + d.c_late),
       coalesce(k.made, 0), coalesce(k.reached, 0), k.rating
  FROM d FULL JOIN k ON coalesce(k.department_id, '') = coalesce(d.department_id, '')
 ORDER BY 1
$$;
COMMENT ON FUNCTION shouwen.reply_callback_compliance(date) IS
    'Reply and callback compliance by department for a month: reply time limits (R11: 1 working day) '
    'and callback time limits (R16: 2 days after handling) due in the month, kept, late and still '
    'open (limits superseded before they were due, e.g. by a transfer that moved the duty, are left '
    'out), with the on-time rate (% of those decided); callbacks made in the month, customers '
    'reached, average rating (V3).  Example: SELECT * FROM shouwen.reply_callback_compliance(''2026-03-01'');';

-- ------------------------------------------------------------- assessment

CREATE FUNCTION shouwen.department_assessment(month date)
    RETURNS TABLE (department_id text, cases bigint, closed bigint,
                   limits_due bigint, limits_on_time bigint, limits_late bigint,
                   on_time_rate numeric, transfer_on_time_rate numeric,
                   reply_on_time_rate numeric, callback_on_time_rate numeric,
                   breaches bigint, violations bigint, penalties_yuan bigint,
                   self_criticisms bigint, ratings bigint, average_rating numeric,
                   praise bigint, escalations bigint, conflict_escalations bigint)
    LANGUAGE sql STABLE AS
$$
WITH c AS (
    SELECT x.department_id, count(*) AS n, count(*) FILTER (WHERE x.state = 'closed') AS closed
      FROM shouwen.cases x
     WHERE x.received_at >= shouwen.month_start(month) AND x.received_at < shouwen.month_end(month)
     GROUP BY 1
), d AS (
    SELECT x.department_id,
           count(*) AS due,
           count(*) FILTER (WHERE x.outcome = 'on_time') AS ok,
           count(*) FILTER (WHERE x.outcome = 'late') AS late,
           count(*) FILTER (WHERE x.kind = 'transfer' AND x.outcome = 'on_time') AS t_ok,
           count(*) FILTER (WHERE x.kind = 'transfer' AND x.outcome <> 'open') AS t_dec,
           count(*) FILTER (WHERE x.kind = 'reply' AND x.outcome = 'on_time') AS r_ok,
           count(*) FILTER (WHERE x.kind = 'reply' AND x.outcome <> 'open') AS r_dec,
           count(*) FILTER (WHERE x.kind = 'callback' AND x.outcome = 'on_time') AS c_ok,
           count(*) FILTER (WHERE x.kind = 'callback' AND x.outcome <> 'open') AS c_dec
      FROM shouwen.deadlines x
     WHERE x.outcome <> 'void'
       AND x.due_at >= shouwen.month_start(month) AND x.due_at < shouwen.month_end(month)
     GROUP BY 1
), b AS (
    SELECT x.department_id, count(*) AS n
      FROM shouwen.breaches x
     WHERE x.breached_at >= shouwen.month_start(month) AND x.breached_at < shouwen.month_end(month)
     GROUP BY 1
), v AS (
    SELECT x.department_id, count(*) AS n, sum(x.penalty_yuan)::bigint AS yuan,
           count(*) FILTER (WHERE x.self_criticism) AS sc
      FROM shouwen.violations x
     WHERE x.occurred_at >= shouwen.month_start(month) AND x.occurred_at < shouwen.month_end(month)
     GROUP BY 1
), r AS (
    SELECT x.department_id, count(x.rating) AS n, round(avg(x.rating), 2) AS avg,
           count(*) FILTER (WHERE x.rating >= 4) AS praise
      FROM shouwen.callbacks x
     WHERE x.occurred_at >= shouwen.month_start(month) AND x.occurred_at < shouwen.month_end(month)
     GROUP BY 1
), e AS (
    SELECT x.department_id, count(*) AS n, count(*) FILTER (WHERE x.conflict) AS conflict
      FROM shouwen.escalations x
     WHERE x.occurred_at >= shouwen.month_start(month) AND x.occurred_at < shouwen.month_end(month)
     GROUP BY 1
), depts AS (
    SELECT department_id FROM c UNION SELECT department_id FROM d
    UNION SELECT department_id FROM b UNION SELECT department_id FROM v
    UNION SELECT department_id FROM r UNION SELECT department_id FROM e
)
SELECT k.department_id,
       coalesce(c.n, 0), coalesce(c.closed, 0),
       coalesce(d.due, 0), coalesce(d.ok, 0), coalesce(d.late, 0),
       shouwen.pct(d.ok, d.ok + d.late), shouwen.pct(d.t_ok, d.t_dec),
       shouwen.pct(d.r_ok, d.r_dec), shouwen.pct(d.c_ok, d.c_dec),
       coalesce(b.n, 0), coalesce(v.n, 0), coalesce(v.yuan, 0), coalesce(v.sc, 0),
       coalesce(r.n, 0), r.avg, coalesce(r.praise, 0),
       coalesce(e.n, 0), coalesce(e.conflict, 0)
  FROM depts k
  LEFT JOIN c ON c.department_id IS NOT DISTINCT FROM k.department_id
  LEFT JOIN d ON d.department_id IS NOT DISTINCT FROM k.department_id
  LEFT JOIN b ON b.department_id IS NOT DISTINCT FROM k.department_id
  LEFT JOIN v ON v.department_id IS NOT DISTINCT FROM k.department_id
  LEFT JOIN r ON r.department_id IS NOT DISTINCT FROM k.department_id
  LEFT JOIN e ON e.department_id IS NOT DISTINCT FROM k.department_id
 ORDER BY 1
$$;
COMMENT ON FUNCTION shouwen.department_assessment(date) IS
    'The monthly department assessment (月度绩效考核, R15, V1-V3), one row per department: cases '
    'registered in the month now handled by it and how many are closed; its time limits due in the '
    'month (transfer R10, reply R11, callback R16, same-day R21, completion R22 ...; superseded ones '
    'left out) kept and late, '
    'with on-time rates (% of those decided) overall and for transfer, reply and callback; breaches '
    'reported; violations recorded against it with penalties (yuan) and written self-criticisms '
    '(V1, V2); customer ratings given at callback, their average and praise (ratings of 4 or 5, V3); '
    'escalations counted against it and how many were conflict escalations (矛盾升级, R15).  '
    'Example: SELECT * FROM shouwen.department_assessment(''2026-03-01'');';

-- ------------------------------------------------------------- QA sample

CREATE FUNCTION shouwen.qa_sample(month date, per_department int, seed text)
    RETURNS TABLE (department_id text, pick int, case_id text, received_at timestamptz,
                   branch_id text, channel text, request_kind text, category text,
                   matter text, factual_owner_id text, state text, callback_rating smallint,
                   sample_key text)
    LANGUAGE sql STABLE AS
$$
SELECT s.department_id, s.pick::int, s.case_id, s.received_at, s.branch_id, s.channel,
       s.request_kind, s.category, s.matter, s.factual_owner_id, s.state, s.callback_rating,
       s.sample_key
  FROM (SELECT x.*, row_number() OVER (PARTITION BY x.department_id
                                       ORDER BY x.sample_key, x.case_id) AS pick
          FROM (SELECT c.*, encode(sha256(convert_to(seed || '/' || c.case_id, 'UTF8')), 'hex') AS sample_key
                  FROM shouwen.cases c
                 WHERE c.received_at >= shouwen.month_start(month)
                   AND c.received_at < shouwen.month_end(month)) x) s
 WHERE s.pick <= per_department
 ORDER BY s.department_id, s.pick
$$;
COMMENT ON FUNCTION shouwen.qa_sample(date, int, text) IS
    'A reproducible QA sample (质检抽查, V4): for each handling department, per_department cases '
    'registered in the month, chosen by the order of sha256(seed || ''/'' || case_id): the same month, '
    'number and seed give the same cases on any machine, another seed another sample.  Record the '
    'seed with the findings.  Example: SELECT * FROM shouwen.qa_sample(''2026-03-01'', 5, ''QA-2026-03'');';

-- ------------------------------------------------------------- directory

CREATE VIEW shouwen.directory_history AS
SELECT v.position,
       v.kind,
       v.version,
       v.loaded_by,
       v.valid_from,
       lead(v.valid_from) OVER (PARTITION BY v.kind ORDER BY v.position) AS valid_until,
       v.content_bytes,
       v.digest,
       (SELECT count(*) FROM shouwen.directory_entries n WHERE n.directory_position = v.position) AS entries,
       v.parse_error
  FROM shouwen.directory_versions v;
COMMENT ON VIEW shouwen.directory_history IS
    'Every organisation directory and calendar ever loaded (目录版本), with who loaded it, when it came '
    'into force (valid_from) and when the next load of the same kind replaced it (valid_until, NULL for '
    'the one in force).  The text is in directory_versions.content, the parsed entries in '
    'directory_entries.  Example: SELECT * FROM shouwen.directory_history ORDER BY position;';

CREATE VIEW shouwen.directory_scopes AS
SELECT h.position AS directory_position,
       h.version AS directory_version,
       h.valid_from,
       h.valid_until,
       split_part(n.path, '/', 2) AS category,
       max(n.value) FILTER (WHERE n.path LIKE 'scope/%/department') AS department_id,
       max(n.value) FILTER (WHERE n.path LIKE 'scope/%/handler') AS handler_id,
       max(n.value) FILTER (WHERE n.path LIKE 'outside/%/guidance') AS outside_guidance
  FROM shouwen.directory_history h
  JOIN shouwen.directory_entries n ON n.directory_position = h.position
 WHERE h.kind = 'organisation'
   AND (n.path ~ '^scope/[^/]+/(department|handler)$' OR n.path ~ '^outside/[^/]+/guidance$')
 GROUP BY 1, 2, 3, 4, 5;
COMMENT ON VIEW shouwen.directory_scopes IS
    'Who handles which category (职责范围), per organisation directory version: the scope''s department '
    'and handler, or the guidance for a category outside the organisation (R6), with the version''s '
    'validity.  Example: SELECT * FROM shouwen.directory_scopes WHERE category = ''repair'' ORDER BY valid_from;';

CREATE FUNCTION shouwen.responsible_at(category text, at timestamptz)
    RETURNS TABLE (department_id text, department_name text, handler_id text,
                   head_id text, leader_id text, outside_guidance text,
                   directory_version text, valid_from timestamptz, directory_position bigint)
    LANGUAGE sql STABLE AS
$$
WITH v AS (
    SELECT d.position, d.version, d.valid_from
      FROM shouwen.directory_versions d
     WHERE d.kind = 'organisation' AND d.valid_from <= responsible_at.at
     ORDER BY d.position DESC
     LIMIT 1
), e AS (
    SELECT n.path, n.value
      FROM v JOIN shouwen.directory_entries n ON n.directory_position = v.position
), s AS (
    SELECT (SELECT value FROM e WHERE path = 'scope/' || responsible_at.category || '/department') AS dept,
           (SELECT value FROM e WHERE path = 'scope/' || responsible_at.category || '/handler') AS handler,
           (SELECT value FROM e WHERE path = 'outside/' || responsible_at.category || '/guidance') AS guidance
)
SELECT s.dept,
       (SELECT value FROM e WHERE path = 'department/' || s.dept || '/name'),
       s.handler,
       (SELECT value FROM e WHERE path = 'department/' || s.dept || '/head'),
       (SELECT value FROM e WHERE path = 'department/' || s.dept || '/leader'),
       s.guidance, v.version, v.valid_from, v.position
  FROM v, s
$$;
COMMENT ON FUNCTION shouwen.responsible_at(text, timestamptz) IS
    'Who was responsible for a category at a given time (某时某类事项由谁负责): from the organisation '
    'directory in force then (the last one loaded at or before it), the scope''s department with its '
    'name, head and supervising leader, the named handler, or the guidance when the category was '
    'outside the organisation (R6); NULL fields when that directory had no scope for it; no row before '
    'the first directory.  Example: SELECT * FROM shouwen.responsible_at(''repair'', ''2026-03-10 09:00+08'');';

-- ------------------------------------------------------------- grants

REVOKE ALL ON FUNCTION shouwen.month_start(date), shouwen.month_end(date),
    shouwen.pct(bigint, bigint), shouwen.event_summary(text, jsonb),
    shouwen.handoff_summary(text, jsonb),
    shouwen.register_by_day(date, date, text), shouwen.case_timeline(text),
    shouwen.custody_chain(text), shouwen.late_transfers_by_person(date),
    shouwen.reply_callback_compliance(date), shouwen.department_assessment(date),
    shouwen.qa_sample(date, int, text), shouwen.responsible_at(text, timestamptz)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION shouwen.month_start(date), shouwen.month_end(date),
    shouwen.pct(bigint, bigint), shouwen.event_summary(text, jsonb),
    shouwen.handoff_summary(text, jsonb),
    shouwen.register_by_day(date, date, text), shouwen.case_timeline(text),
    shouwen.custody_chain(text), shouwen.late_transfers_by_person(date),
    shouwen.reply_callback_compliance(date), shouwen.department_assessment(date),
    shouwen.qa_sample(date, int, text), shouwen.responsible_at(text, timestamptz)
    TO shouwen_auditor;
GRANT SELECT ON shouwen.first_inquiry_register, shouwen.late_transfers,
    shouwen.directory_history, shouwen.directory_scopes
    TO shouwen_writer, shouwen_auditor;
