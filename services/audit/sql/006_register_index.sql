-- The register by day over long periods (a year: every case) reads a
-- narrow covering index instead of the wide cases table: the columns that
-- register_by_day counts, in the order it groups them.
CREATE INDEX cases_register ON shouwen.cases (received_at, branch_id)
    INCLUDE (urgency, request_kind, disposition, hops, first_replied_at, state);

COMMENT ON INDEX shouwen.cases_register IS
    'Covering index for shouwen.register_by_day (登记簿 by day and branch)';
