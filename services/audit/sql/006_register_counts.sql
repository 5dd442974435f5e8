-- The register by day and branch (登记簿, R1) over long periods.
--
-- register_by_day used to read every case of the period: a year of
-- 1,000,000 cases took 1.1-1.8 s.  Now a counter table keeps, per branch and
-- hour of receipt (UTC), the figures the report sums; triggers on
-- shouwen.cases keep it exact in the same transaction as the projection.
-- Hours give the local day exactly wherever the session's time zone is a
-- whole number of hours from UTC (China, and most of the world); in a zone
-- with a half or quarter hour offset the report reads the cases instead.

CREATE TABLE shouwen.register_counts (
    hour                 bigint NOT NULL,  -- floor(epoch of received_at / 3600)
    branch_id            text   NOT NULL,
    inquiries            bigint NOT NULL DEFAULT 0,
    urgent               bigint NOT NULL DEFAULT 0,
    complaints           bigint NOT NULL DEFAULT 0,
    in_scope             bigint NOT NULL DEFAULT 0,
    transferred          bigint NOT NULL DEFAULT 0,
    outside_organisation bigint NOT NULL DEFAULT 0,
    replied              bigint NOT NULL DEFAULT 0,
    closed               bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, branch_id)
);
COMMENT ON TABLE shouwen.register_counts IS
    'Register figures per branch and hour of receipt, kept by triggers on shouwen.cases (for register_by_day)';

-- Add (sign 1) or take away (sign -1) one case's contribution.
CREATE FUNCTION shouwen.register_count(c shouwen.cases, sign int) RETURNS void
    LANGUAGE sql AS
$$
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
       closed = r.closed + excluded.closed
$$;

CREATE FUNCTION shouwen.register_counts_track() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE shouwen.register_counts;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM shouwen.register_count(OLD, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM shouwen.register_count(NEW, 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER cases_register_insert AFTER INSERT OR DELETE ON shouwen.cases
    FOR EACH ROW EXECUTE FUNCTION shouwen.register_counts_track();
-- Most case events change none of the counted figures: the trigger fires
-- only when one of them changes.
CREATE TRIGGER cases_register_update AFTER UPDATE ON shouwen.cases
    FOR EACH ROW
    WHEN (OLD.received_at IS DISTINCT FROM NEW.received_at
          OR OLD.branch_id IS DISTINCT FROM NEW.branch_id
          OR OLD.urgency IS DISTINCT FROM NEW.urgency
          OR OLD.request_kind IS DISTINCT FROM NEW.request_kind
          OR OLD.disposition IS DISTINCT FROM NEW.disposition
          OR (coalesce(OLD.hops, 0) > 0) <> (coalesce(NEW.hops, 0) > 0)
          OR (OLD.first_replied_at IS NULL) <> (NEW.first_replied_at IS NULL)
          OR (OLD.state = 'closed') <> (NEW.state = 'closed'))
    EXECUTE FUNCTION shouwen.register_counts_track();
CREATE TRIGGER cases_register_truncate AFTER TRUNCATE ON shouwen.cases
    FOR EACH STATEMENT EXECUTE FUNCTION shouwen.register_counts_track();

-- The cases already registered.
INSERT INTO shouwen.register_counts
SELECT floor(extract(epoch FROM received_at) / 3600)::bigint, coalesce(branch_id, ''),
       count(*),
       count(*) FILTER (WHERE urgency = 'urgent'),
       count(*) FILTER (WHERE request_kind = 'complaint'),
       count(*) FILTER (WHERE disposition = 'in_scope'),
       count(*) FILTER (WHERE coalesce(hops, 0) > 0),
       count(*) FILTER (WHERE disposition = 'outside_organisation'),
       count(*) FILTER (WHERE first_replied_at IS NOT NULL),
       count(*) FILTER (WHERE state = 'closed')
  FROM shouwen.cases
 GROUP BY 1, 2;

CREATE OR REPLACE FUNCTION shouwen.register_by_day(from_day date, to_day date, branch text DEFAULT NULL)
    RETURNS TABLE (day date, branch_id text, inquiries bigint, urgent bigint, complaints bigint,
                   in_scope bigint, transferred bigint, outside_organisation bigint,
                   replied bigint, closed bigint, still_open bigint)
    LANGUAGE sql STABLE AS
$$
SELECT to_timestamp(r.hour * 3600)::date, nullif(r.branch_id, ''),
       sum(r.inquiries)::bigint, sum(r.urgent)::bigint, sum(r.complaints)::bigint,
       sum(r.in_scope)::bigint, sum(r.transferred)::bigint,
       sum(r.outside_organisation)::bigint, sum(r.replied)::bigint, sum(r.closed)::bigint,
       (sum(r.inquiries) - sum(r.closed))::bigint
  FROM shouwen.register_counts r
 WHERE extract(timezone_minute FROM now()) = 0
   AND r.hour >= floor(extract(epoch FROM from_day::timestamptz) / 3600)::bigint
   AND r.hour < floor(extract(epoch FROM (to_day + 1)::timestamptz) / 3600)::bigint
   AND (branch IS NULL OR r.branch_id = branch)
   AND r.inquiries > 0
 GROUP BY 1, 2
UNION ALL
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
 WHERE extract(timezone_minute FROM now()) <> 0
   AND c.received_at >= from_day::timestamptz
   AND c.received_at < (to_day + 1)::timestamptz
   AND (branch IS NULL OR c.branch_id = branch)
 GROUP BY 1, 2
 ORDER BY 1, 2
$$;

GRANT SELECT ON shouwen.register_counts TO shouwen_auditor, shouwen_writer;
REVOKE ALL ON FUNCTION shouwen.register_count(shouwen.cases, int),
    shouwen.register_counts_track() FROM PUBLIC;
