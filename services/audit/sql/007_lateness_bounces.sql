-- shouwen (首问) migration 007: lateness in working time, lateness of every
-- kind per person, bounces between departments, and open limits apart in
-- the monthly assessment (issue 14).
--
--   calendar_position(at)               the calendar version in force at an instant
--   working_time(from, to, office)      working time between two instants, by that calendar
--   late_limits                         every late time limit, late by wall clock and working time
--   late_transfers (replaced)           + late_by_wall_clock, late_by_working_time
--   lateness_by_person(month)           every deadline kind per person: kept, late, open, worst
--   bounces_by_department(month)        returns, forwards, re-transfers and locks, who to whom
--   department_assessment(month)        limits_open apart from limits_decided (replaced)
--
-- Working time is counted the way sla counts it (lib/sw_calendar.c): the
-- office's working hours on its working weekdays, less its holiday sets and
-- own holidays, plus make-up working days (调休), in the office's zone.  It
-- is read from the calendar loaded through the log (`shouwen directory load
-- FILE --kind calendar`), the version in force when the limit fell due; NULL
-- when no calendar was ever loaded through the log (sla then runs on the file
-- of its sla.conf, which the log does not hold).  The office is the one named
-- like the case's branch when the calendar has it, else `default` (sla.conf's
-- sla/offices map is not in the log either).

-- ------------------------------------------------------------- working time

CREATE FUNCTION shouwen.calendar_position(at timestamptz) RETURNS bigint
    LANGUAGE sql STABLE AS
$$
SELECT v.position FROM shouwen.directory_versions v
 WHERE v.kind = 'calendar' AND v.parse_error IS NULL AND v.valid_from <= at
 ORDER BY v.valid_from DESC, v.position DESC LIMIT 1
$$;
COMMENT ON FUNCTION shouwen.calendar_position(timestamptz) IS
    '在某一时刻生效的工作日历版本（日志中的位置）。The position of the working-day calendar in force at an '
    'instant (the last one loaded through the log at or before it and read without error); NULL before the first.';

-- The dates a calendar entry key names: "2026-01-01" or "2026-01-01..2026-01-03".
CREATE FUNCTION shouwen.calendar_dates(k text) RETURNS SETOF date
    LANGUAGE sql IMMUTABLE AS
$$
SELECT generate_series(split_part(k, '..', 1)::date,
                       coalesce(nullif(split_part(k, '..', 2), ''), split_part(k, '..', 1))::date,
                       interval '1 day')::date
$$;

CREATE FUNCTION shouwen.working_time(from_at timestamptz, to_at timestamptz,
                                     office text DEFAULT 'default')
    RETURNS interval LANGUAGE plpgsql STABLE AS
$$
DECLARE
    cal      bigint := shouwen.calendar_position(from_at);
    o        text;
    zone     text;
    hours    text;
    weekdays text;
    sets     text[];
    dows     int[] := '{}';
    off      date[];
    extra    date[];
    names    text[] := ARRAY['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
    item     text;
    lo       int;
    hi       int;
    span     text;
    day      date;
    s        timestamptz;
    e        timestamptz;
    total    interval := interval '0';
BEGIN
    IF from_at IS NULL OR to_at IS NULL OR cal IS NULL THEN
        RETURN NULL;
    END IF;
    IF to_at <= from_at THEN
        RETURN interval '0';
    END IF;
    o := CASE WHEN EXISTS (SELECT 1 FROM shouwen.directory_entries x
                            WHERE x.directory_position = cal AND split_part(x.path, '/', 1) = 'offices'
                              AND split_part(x.path, '/', 2) = office)
              THEN office ELSE 'default' END;
    SELECT max(x.value) FILTER (WHERE x.path = 'offices/' || o || '/zone'),
           max(x.value) FILTER (WHERE x.path = 'offices/' || o || '/hours'),
           max(x.value) FILTER (WHERE x.path = 'offices/' || o || '/weekdays'),
           string_to_array(replace(max(x.value) FILTER (WHERE x.path = 'offices/' || o || '/holidays'), ' ', ''), ',')
      INTO zone, hours, weekdays, sets
      FROM shouwen.directory_entries x WHERE x.directory_position = cal;
    zone := coalesce(zone, 'Asia/Shanghai');
    IF hours IS NULL OR weekdays IS NULL THEN
        RETURN NULL;
    END IF;
    FOREACH item IN ARRAY string_to_array(replace(lower(weekdays), ' ', ''), ',') LOOP
        lo := array_position(names, split_part(item, '-', 1));
        hi := coalesce(array_position(names, nullif(split_part(item, '-', 2), '')), lo);
        IF lo IS NULL OR hi IS NULL THEN
            RETURN NULL;
        END IF;
        FOR i IN 0..6 LOOP
            IF (lo <= hi AND lo + i <= hi) OR (lo > hi AND (lo + i <= 7 OR lo + i - 7 <= hi)) THEN
                dows := dows || (CASE WHEN lo + i > 7 THEN lo + i - 7 ELSE lo + i END);
            END IF;
        END LOOP;
    END LOOP;
    -- days off (放假) and make-up working days (调休上班): of the office's sets, and its own
    SELECT coalesce(array_agg(d) FILTER (WHERE kind = 'holiday'), '{}'),
           coalesce(array_agg(d) FILTER (WHERE kind = 'workday'), '{}')
      INTO off, extra
      FROM (SELECT CASE WHEN split_part(x.path, '/', 1) = 'holidays' THEN split_part(x.path, '/', 3)
                        ELSE split_part(x.path, '/', 3) END AS kind,
                   shouwen.calendar_dates(split_part(x.path, '/', 4)) AS d
              FROM shouwen.directory_entries x
             WHERE x.directory_position = cal
               AND split_part(x.path, '/', 3) IN ('holiday', 'workday')
               AND split_part(x.path, '/', 4) <> ''
               AND ((split_part(x.path, '/', 1) = 'holidays' AND split_part(x.path, '/', 2) = ANY (sets))
                 OR (split_part(x.path, '/', 1) = 'offices' AND split_part(x.path, '/', 2) = o))) y;
    FOR day IN SELECT generate_series((from_at AT TIME ZONE zone)::date, (to_at AT TIME ZONE zone)::date,
                                      interval '1 day')::date LOOP
        CONTINUE WHEN NOT (day = ANY (extra)
                           OR (extract(isodow FROM day)::int = ANY (dows) AND NOT day = ANY (off)));
        FOREACH span IN ARRAY string_to_array(replace(hours, ' ', ''), ',') LOOP
            s := (day + split_part(span, '-', 1)::time) AT TIME ZONE zone;
            e := (day + split_part(span, '-', 2)::time) AT TIME ZONE zone;
            IF least(e, to_at) > greatest(s, from_at) THEN
                total := total + (least(e, to_at) - greatest(s, from_at));
            END IF;
        END LOOP;
    END LOOP;
    RETURN total;
END
$$;
COMMENT ON FUNCTION shouwen.working_time(timestamptz, timestamptz, text) IS
    '两个时刻之间的工作时间（按当时生效的工作日历）。Working time between two instants, counted as sla counts '
    'it: the office''s working hours on its working days (weekdays less holidays, plus make-up working '
    'days 调休), in its zone, from the calendar loaded through the log that was in force at from_at; '
    'the office named, or default when the calendar has no such office; NULL when no calendar was '
    'loaded through the log.  Example: SELECT shouwen.working_time(''2026-03-02 17:00+08'', ''2026-03-03 09:30+08'');';

-- The office whose calendar a case follows, as far as the log tells: the
-- office named like its branch, else default.
CREATE FUNCTION shouwen.case_office(case_id text) RETURNS text
    LANGUAGE sql STABLE AS
$$
SELECT coalesce((SELECT c.branch_id FROM shouwen.cases c WHERE c.case_id = case_office.case_id), 'default')
$$;

-- ------------------------------------------------------------- late limits

-- When the duty behind a time limit was done: a transfer when the case was in
-- fact handed over (the next transfer or forward, as signed by the sender);
-- any other kind by the first event after the limit was set that does the
-- duty (a breached limit stays breached: sla does not clear it when the duty
-- is done late), else when sla cleared it.
CREATE FUNCTION shouwen.limit_done_at(case_id text, kind text, set_position bigint,
                                      cleared_at timestamptz)
    RETURNS timestamptz LANGUAGE sql STABLE AS
$$
SELECT CASE WHEN kind = 'transfer' THEN
            coalesce((SELECT coalesce(h.sender_signed_at, h.occurred_at) FROM shouwen.handoffs h
                       WHERE h.case_id = limit_done_at.case_id AND h.position > set_position
                         AND h.kind IN ('transferred', 'forwarded')
                       ORDER BY h.position LIMIT 1), cleared_at)
       ELSE coalesce((SELECT e.occurred_at FROM shouwen.events e
                       WHERE e.case_id = limit_done_at.case_id AND e.position > set_position
                         AND e.type = ANY (CASE kind
                                 WHEN 'reply' THEN ARRAY['case.replied']
                                 WHEN 'phone_same_day' THEN ARRAY['case.replied']
                                 WHEN 'return_contact' THEN ARRAY['case.replied']
                                 WHEN 'callback' THEN ARRAY['case.callback']
                                 WHEN 'completion' THEN ARRAY['case.resolved']
                                 WHEN 'stage_feedback' THEN ARRAY['case.progress', 'case.replied']
                                 ELSE ARRAY[]::text[] END)
                       ORDER BY e.position LIMIT 1), cleared_at)
       END
$$;
COMMENT ON FUNCTION shouwen.limit_done_at(text, text, bigint, timestamptz) IS
    '时限对应义务的履行时间。When the duty behind a time limit was done: a transfer when handed over; a '
    'reply or same-day answer at the next reply, a callback at the callback, a completion at the '
    'resolution, stage feedback at the next progress note or reply; else when sla cleared the limit.';

CREATE VIEW shouwen.late_limits AS
SELECT d.case_id,
       d.kind,
       d.holder_staff_id AS staff_id,
       d.department_id,
       d.due_at,
       d.breached_at,
       x.done_at,
       x.done_at - d.due_at AS late_by_wall_clock,
       shouwen.working_time(d.due_at, x.done_at, shouwen.case_office(d.case_id)) AS late_by_working_time,
       d.clear_reason,
       d.deadline_event_id
  FROM shouwen.deadlines d
  CROSS JOIN LATERAL (SELECT shouwen.limit_done_at(d.case_id, d.kind, d.set_position, d.cleared_at) AS done_at) x
 WHERE d.outcome = 'late';
COMMENT ON VIEW shouwen.late_limits IS
    '超时的时限：每一条超时的时限，按自然时间和工作时间分别计算超时多久。Every time limit that was late '
    '(breached, or cleared after it was due), of every kind: who held it, when it was due, when the '
    'duty was done (a transfer: when the case was in fact handed over; otherwise when sla cleared the '
    'limit; NULL while still not done) and how late, in wall-clock time and in working time (the '
    'calendar''s working hours only, as sla counts limits).  '
    'Example: SELECT * FROM shouwen.late_limits WHERE due_at >= ''2026-03-01'' ORDER BY late_by_working_time DESC;';
COMMENT ON COLUMN shouwen.late_limits.done_at IS '履行时间：时限对应的义务完成的时间。When the duty was done (transfer: handed over; else cleared).';
COMMENT ON COLUMN shouwen.late_limits.late_by_wall_clock IS '超时（自然时间）。How late, on the wall clock (nights and holidays included).';
COMMENT ON COLUMN shouwen.late_limits.late_by_working_time IS '超时（工作时间）。How late, in working time by the calendar in force (NULL: no calendar in the log, or not yet done).';

CREATE OR REPLACE VIEW shouwen.late_transfers AS
SELECT d.case_id,
       d.holder_staff_id AS staff_id,
       d.department_id,
       d.due_at,
       d.breached_at,
       t.transferred_at,
       t.position AS transfer_position,
       coalesce(t.transferred_at, d.cleared_at) - d.due_at AS late_by,
       d.deadline_event_id,
       coalesce(t.transferred_at, d.cleared_at) - d.due_at AS late_by_wall_clock,
       shouwen.working_time(d.due_at, coalesce(t.transferred_at, d.cleared_at),
                            shouwen.case_office(d.case_id)) AS late_by_working_time
  FROM shouwen.deadlines d
  LEFT JOIN LATERAL (
        SELECT coalesce(h.sender_signed_at, h.occurred_at) AS transferred_at, h.position
          FROM shouwen.handoffs h
         WHERE h.case_id = d.case_id AND h.position > d.set_position
           AND h.kind IN ('transferred', 'forwarded')
         ORDER BY h.position LIMIT 1) t ON true
 WHERE d.kind = 'transfer' AND d.outcome = 'late';
COMMENT ON COLUMN shouwen.late_transfers.late_by IS '超时（自然时间，同 late_by_wall_clock）。How late on the wall clock (the same as late_by_wall_clock, kept for existing queries).';
COMMENT ON COLUMN shouwen.late_transfers.late_by_wall_clock IS '超时（自然时间）。How late the transfer was on the wall clock.';
COMMENT ON COLUMN shouwen.late_transfers.late_by_working_time IS '超时（工作时间）。How late in working time by the calendar in force (as R10''s 1 working hour is counted).';

-- ------------------------------------------------------------- lateness by person

CREATE FUNCTION shouwen.lateness_by_person(month date)
    RETURNS TABLE (staff_id text, department_id text, kind text, limits_due bigint,
                   on_time bigint, late bigint, still_open bigint, late_rate numeric,
                   worst_late_by_working_time interval, total_late_by_working_time interval,
                   worst_late_by_wall_clock interval)
    LANGUAGE sql STABLE AS
$$
SELECT x.holder_staff_id, x.department_id, x.kind,
       count(*),
       count(*) FILTER (WHERE x.outcome = 'on_time'),
       count(*) FILTER (WHERE x.outcome = 'late'),
       count(*) FILTER (WHERE x.outcome = 'open'),
       shouwen.pct(count(*) FILTER (WHERE x.outcome = 'late'),
                   count(*) FILTER (WHERE x.outcome IN ('on_time', 'late'))),
       max(l.late_by_working_time), sum(l.late_by_working_time), max(l.late_by_wall_clock)
  FROM shouwen.deadlines x
  LEFT JOIN shouwen.late_limits l ON l.deadline_event_id = x.deadline_event_id
 WHERE x.outcome <> 'void'
   AND x.due_at >= shouwen.month_start(month) AND x.due_at < shouwen.month_end(month)
 GROUP BY 1, 2, 3
 ORDER BY count(*) FILTER (WHERE x.outcome = 'late') DESC, max(l.late_by_working_time) DESC NULLS LAST, 1, 3
$$;
COMMENT ON FUNCTION shouwen.lateness_by_person(date) IS
    '按人员统计各类时限的超时情况（月）。Lateness by person for a month: per holder, department and kind '
    'of time limit (transfer R10, reply R11, same-day R21, callback R16, completion R22, stage feedback '
    'R3, ...) due in the month, how many were due, kept, late and still open, the late rate (% of those '
    'decided), and the worst and total lateness in working time (the calendar''s working hours, as sla '
    'counts limits) beside the worst on the wall clock.  Most late first.  '
    'Example: SELECT * FROM shouwen.lateness_by_person(''2026-03-01'');';

-- ------------------------------------------------------------- bounces

CREATE FUNCTION shouwen.bounces_by_department(month date)
    RETURNS TABLE (department_id text, counterpart_department_id text, cases bigint,
                   transfers bigint, returns bigint, forwards bigint, re_transfers bigint,
                   locks bigint, bounces bigint)
    LANGUAGE sql STABLE AS
$$
WITH h AS (
    -- every handoff sent in the month, from the sender's department to the receiver's
    SELECT s.case_id, s.kind, s.from_department_id AS dept, s.to_department_id AS other,
           EXISTS (SELECT 1 FROM shouwen.handoffs p
                    WHERE p.case_id = s.case_id AND p.position < s.position AND p.kind <> 'accepted')
               AS again
      FROM shouwen.handoffs s
     WHERE s.kind <> 'accepted'
       AND s.occurred_at >= shouwen.month_start(month) AND s.occurred_at < shouwen.month_end(month)
), l AS (
    -- an ownership lock (R18): against the department it was locked with (the
    -- one that bounced it once too often), towards the other side of the last handoff
    SELECT k.case_id, 'locked'::text AS kind, k.lead_department_id AS dept,
           (SELECT CASE WHEN p.from_department_id = k.lead_department_id
                        THEN p.to_department_id ELSE p.from_department_id END
              FROM shouwen.handoffs p
             WHERE p.case_id = k.case_id AND p.position < k.position AND p.kind <> 'accepted'
             ORDER BY p.position DESC LIMIT 1) AS other, true AS again
      FROM shouwen.coordinations k
     WHERE k.ownership_locked
       AND k.occurred_at >= shouwen.month_start(month) AND k.occurred_at < shouwen.month_end(month)
), a AS (SELECT * FROM h UNION ALL SELECT * FROM l)
SELECT a.dept, a.other, count(DISTINCT a.case_id),
       count(*) FILTER (WHERE a.kind = 'transferred'),
       count(*) FILTER (WHERE a.kind = 'returned'),
       count(*) FILTER (WHERE a.kind = 'forwarded'),
       count(*) FILTER (WHERE a.kind = 'transferred' AND a.again),
       count(*) FILTER (WHERE a.kind = 'locked'),
       count(*) FILTER (WHERE a.kind IN ('returned', 'forwarded', 'locked')
                           OR (a.kind = 'transferred' AND a.again))
  FROM a
 GROUP BY 1, 2
HAVING count(*) FILTER (WHERE a.kind IN ('returned', 'forwarded', 'locked')
                           OR (a.kind = 'transferred' AND a.again)) > 0
    OR bool_or(EXISTS (SELECT 1 FROM h b WHERE b.case_id = a.case_id AND b.kind IN ('returned', 'forwarded')))
 ORDER BY 9 DESC, 1, 2
$$;
COMMENT ON FUNCTION shouwen.bounces_by_department(date) IS
    '部门间推诿往返统计（月）：谁把事项退回、转出或再次转交给谁。Bounces between departments for a month '
    '(the ping-pong R13 and R18 punish): per department and counterpart department, the handoffs it '
    'sent in the month — transfers, returns (退回), forwards (转下一部门), re-transfers (a transfer of a '
    'case that had already been handed on) — and ownership locks (R18, counted against the department '
    'the case was locked with, towards the other side of its last handoff); bounces = returns + forwards + '
    're-transfers + locks.  Pairs without a bounce are shown only when one of their cases bounced.  '
    'Example: SELECT * FROM shouwen.bounces_by_department(''2026-03-01'');';

-- ------------------------------------------------------------- assessment

DROP FUNCTION shouwen.department_assessment(date);
CREATE FUNCTION shouwen.department_assessment(month date)
    RETURNS TABLE (department_id text, cases bigint, closed bigint,
                   limits_due bigint, limits_decided bigint, limits_on_time bigint,
                   limits_late bigint, limits_open bigint,
                   on_time_rate numeric, transfer_on_time_rate numeric,
                   reply_on_time_rate numeric, callback_on_time_rate numeric,
                   late_by_working_time interval,
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
           count(*) FILTER (WHERE x.outcome = 'open') AS open,
           count(*) FILTER (WHERE x.kind = 'transfer' AND x.outcome = 'on_time') AS t_ok,
           count(*) FILTER (WHERE x.kind = 'transfer' AND x.outcome <> 'open') AS t_dec,
           count(*) FILTER (WHERE x.kind = 'reply' AND x.outcome = 'on_time') AS r_ok,
           count(*) FILTER (WHERE x.kind = 'reply' AND x.outcome <> 'open') AS r_dec,
           count(*) FILTER (WHERE x.kind = 'callback' AND x.outcome = 'on_time') AS c_ok,
           count(*) FILTER (WHERE x.kind = 'callback' AND x.outcome <> 'open') AS c_dec,
           sum(l.late_by_working_time) AS late_working
      FROM shouwen.deadlines x
      LEFT JOIN shouwen.late_limits l ON l.deadline_event_id = x.deadline_event_id
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
       coalesce(d.due, 0), coalesce(d.ok, 0) + coalesce(d.late, 0), coalesce(d.ok, 0),
       coalesce(d.late, 0), coalesce(d.open, 0),
       shouwen.pct(d.ok, d.ok + d.late), shouwen.pct(d.t_ok, d.t_dec),
       shouwen.pct(d.r_ok, d.r_dec), shouwen.pct(d.c_ok, d.c_dec),
       d.late_working,
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
    '月度部门绩效考核。The monthly department assessment (月度绩效考核, R15, V1-V3), one row per department: '
    'cases registered in the month now handled by it and how many are closed; its time limits due in '
    'the month (superseded ones left out): limits_due = limits_decided (on time + late) + limits_open '
    '(still running, neither met nor breached), the on-time rates (% of those decided) overall and for '
    'transfer, reply and callback, and the total working time its late limits ran over; breaches '
    'reported; violations recorded against it with penalties (yuan) and written self-criticisms (V1, '
    'V2); customer ratings given at callback, their average and praise (ratings of 4 or 5, V3); '
    'escalations counted against it and how many were conflict escalations (矛盾升级, R15).  '
    'Example: SELECT * FROM shouwen.department_assessment(''2026-03-01'');';

-- ------------------------------------------------------------- grants

REVOKE ALL ON FUNCTION shouwen.calendar_position(timestamptz), shouwen.calendar_dates(text),
    shouwen.limit_done_at(text, text, bigint, timestamptz),
    shouwen.working_time(timestamptz, timestamptz, text), shouwen.case_office(text),
    shouwen.lateness_by_person(date), shouwen.bounces_by_department(date),
    shouwen.department_assessment(date)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION shouwen.calendar_position(timestamptz), shouwen.calendar_dates(text),
    shouwen.limit_done_at(text, text, bigint, timestamptz),
    shouwen.working_time(timestamptz, timestamptz, text), shouwen.case_office(text),
    shouwen.lateness_by_person(date), shouwen.bounces_by_department(date),
    shouwen.department_assessment(date)
    TO shouwen_auditor;
GRANT SELECT ON shouwen.late_limits TO shouwen_writer, shouwen_auditor;
