-- shouwen (首问) migration 009: one summary of an event (issue 13).
--
--   replay_zh(from, max, case)   replay() with, for one case's timeline, each
--                                event's Chinese line (event_summary_zh, names
--                                as of the event), so the CLI's `show` and the
--                                branch's web desk print what auditors read in
--                                case_timeline: the summary is written once, here.
--   event_summary_zh(type, b, at) + a case.routed names the tiered customer's
--                                account manager (R25) and the handler away at
--                                routing who contacts on return (R26); the 008
--                                function stays as event_summary_zh_008.

ALTER FUNCTION shouwen.event_summary_zh(text, jsonb, timestamptz) RENAME TO event_summary_zh_008;
CREATE FUNCTION shouwen.event_summary_zh(type text, b jsonb, at timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, shouwen, pg_temp
RETURN concat_ws('；', shouwen.event_summary_zh_008(type, b, at),
    CASE WHEN type = 'case.routed' THEN
        '客户经理 ' || shouwen.who_zh(nullif(b->>'account_manager_id', ''), at)
            || coalesce('（' || CASE b->>'customer_tier' WHEN 'gold' THEN '金牌客户'
                                                     WHEN 'silver' THEN '银牌客户'
                                                     WHEN 'bronze' THEN '铜牌客户'
                                                     ELSE b->>'customer_tier' END || '）', '')
    END,
    CASE WHEN type = 'case.routed' THEN
        '经办人休假，到岗后联系 ' || shouwen.who_zh(nullif(b->>'away_handler_id', ''), at)
    END);
COMMENT ON FUNCTION shouwen.event_summary_zh(text, jsonb, timestamptz) IS
    '事件的中文摘要，人员和部门以当时目录中的名称显示（含客户经理 R25、到岗后联系 R26）。One readable '
    'Chinese line for an event, names as the directory in force at AT had them; the one summary of an '
    'event: case_timeline, the CLI''s show and the branch desks all print it.';
REVOKE ALL ON FUNCTION shouwen.event_summary_zh(text, jsonb, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION shouwen.event_summary_zh(text, jsonb, timestamptz) TO shouwen_auditor;

CREATE FUNCTION shouwen.replay_zh(from_position bigint, max_events int, only_case text DEFAULT NULL,
                                  time_zone text DEFAULT NULL)
    RETURNS TABLE ("position" bigint, case_version bigint, committed_at_us bigint, envelope bytea,
                   summary_zh text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, shouwen, pg_temp AS
$$
#variable_conflict use_column
BEGIN
    -- the asker's zone for the times in the summaries (an unknown name is
    -- ignored, not an error); SET LOCAL lasts only for this transaction
    IF coalesce(only_case, '') <> '' AND coalesce(time_zone, '') <> ''
       AND EXISTS (SELECT 1 FROM pg_timezone_names z WHERE z.name = time_zone) THEN
        PERFORM set_config('TimeZone', time_zone, true);
    END IF;
    RETURN QUERY
        SELECT r.position, r.case_version, r.committed_at_us, r.envelope,
               CASE WHEN coalesce(only_case, '') <> '' THEN
                   (SELECT shouwen.event_summary_zh(e.type, e.body, e.occurred_at)
                      FROM shouwen.events e WHERE e.position = r.position)
               END
          FROM shouwen.replay(from_position, max_events, only_case) r;
END
$$;
COMMENT ON FUNCTION shouwen.replay_zh(bigint, int, text, text) IS
    '回放事件（单一案件时附中文摘要）。replay() and, when only_case is given, each event''s Chinese '
    'summary (event_summary_zh), its times in time_zone (the asker''s): the one summary the CLI '
    'and the branch desks show.';
REVOKE ALL ON FUNCTION shouwen.replay_zh(bigint, int, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION shouwen.replay_zh(bigint, int, text, text) TO shouwen_writer;
