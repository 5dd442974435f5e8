-- shouwen (首问) migration 008: names and Chinese labels for auditors (issue 14).
--
--   labels                          every enum value with its Chinese label (中文标签)
--   label_zh(domain, value)         one label; an unknown value answers itself, never nothing
--   staff_name(id, at)              a person's name (姓名) in the directory in force at a time
--   department_name(id, at)         a department's name (部门名称), likewise
--   branch_name(id, at)             a branch office's name (网点名称), likewise
--   event_summary_zh(type, body, at) the timeline's line in Chinese, with names
--   first_inquiry_register          + _zh labels and the names beside the ids
--   case_timeline(case)             + type_zh, actor_name, summary_zh
--   department_assessment(month)    + department_name (second column)
--   verify_chain(from, to)          a range beyond the log head says so (ok NULL)
--   zpl_entries(text)               no rows for NULL (a position that holds no file)
--   COMMENTs                        every table, view and column auditors read starts in Chinese
--
-- Names come from the organisation directory loaded through the log
-- (directory.loaded, projected into directory_entries as
-- staff/<id>/name, department/<id>/name, branch/<id>/name): the last
-- version loaded at or before the time asked that names the id, so a
-- renamed department shows the name it had then and a person who left
-- keeps the name they had; an id no version at or before that time names
-- takes the first later version's name; NULL when no version names it.

-- ------------------------------------------------------------- labels

CREATE TABLE shouwen.labels (
    domain   text NOT NULL,
    value    text NOT NULL,
    label_zh text NOT NULL,
    PRIMARY KEY (domain, value)
);
COMMENT ON TABLE shouwen.labels IS
    '中文标签表：每个枚举值的中文名称（渠道、事项类别、紧要程度、首问判断、事项状态、时限种类、时限结果、'
    '违规类型、上报层级、交接方式、操作、事件类型、服务）。The Chinese label of every enum value the '
    'projections and views show (lower case without prefix, as shouwen.enum_label writes them).  '
    'Example: SELECT * FROM shouwen.labels WHERE domain = ''disposition'';';
COMMENT ON COLUMN shouwen.labels.domain IS
    '取值范围：channel, request_kind, urgency, disposition, case_state, deadline_kind, deadline_state, '
    'deadline_outcome, violation_type, escalation_level, handoff_kind, command_kind, event_type, '
    'directory_kind, service.';
COMMENT ON COLUMN shouwen.labels.value IS '枚举值（英文，如 other_department）。The value as the views show it.';
COMMENT ON COLUMN shouwen.labels.label_zh IS '中文标签（如 转其他部门）。The Chinese label.';

INSERT INTO shouwen.labels (domain, value, label_zh) VALUES
    -- 渠道 (proto Channel)
    ('channel', 'unspecified', '未指明'),
    ('channel', 'visit', '来访'),
    ('channel', 'phone', '来电'),
    ('channel', 'letter', '来信'),
    ('channel', 'fax', '传真'),
    ('channel', 'email', '电子邮件'),
    ('channel', 'hotline', '呼叫中心（热线）'),
    ('channel', 'online_chat', '在线客服'),
    ('channel', 'forum', 'BBS论坛'),
    ('channel', 'weibo', '专用微博'),
    ('channel', 'meeting', '会议'),
    ('channel', 'callback', '回访'),
    ('channel', 'hand_delivery', '专人递交'),
    ('channel', 'mailbox', '专用邮箱'),
    -- 事项类别 (RequestKind)
    ('request_kind', 'unspecified', '未指明'),
    ('request_kind', 'consultation', '咨询'),
    ('request_kind', 'business', '办理'),
    ('request_kind', 'complaint', '投诉'),
    ('request_kind', 'report', '举报'),
    ('request_kind', 'help', '求助'),
    ('request_kind', 'suggestion', '建议'),
    ('request_kind', 'repair', '报修'),
    ('request_kind', 'bug_report', '产品BUG反馈'),
    ('request_kind', 'on_site_support', '现场支持'),
    ('request_kind', 'training', '培训认证'),
    -- 紧要程度 (Urgency)
    ('urgency', 'unspecified', '未指明'),
    ('urgency', 'normal', '一般'),
    ('urgency', 'urgent', '紧急'),
    -- 首问判断 (Disposition, R3-R9)
    ('disposition', 'unspecified', '未判断'),
    ('disposition', 'in_scope', '本人职责范围内办理'),
    ('disposition', 'same_department', '转本部门经办人'),
    ('disposition', 'other_department', '转其他部门'),
    ('disposition', 'several_departments', '多部门办理'),
    ('disposition', 'outside_organisation', '不属本单位职责（解释指导）'),
    ('disposition', 'unclear', '职责不明（报分管领导）'),
    ('disposition', 'urgent_escalation', '紧急事项逐级上报'),
    -- 事项状态 (cases.state)
    ('case_state', 'received', '已登记'),
    ('case_state', 'routed', '已分派'),
    ('case_state', 'transferring', '转交中（待签收）'),
    ('case_state', 'in_progress', '办理中'),
    ('case_state', 'returned', '已退回'),
    ('case_state', 'replied', '已答复'),
    ('case_state', 'resolved', '已办结'),
    ('case_state', 'called_back', '已回访'),
    ('case_state', 'closed', '已结案'),
    ('case_state', 'waiting', '等待服务对象'),
    -- 时限种类 (DeadlineKind)
    ('deadline_kind', 'unspecified', '未指明'),
    ('deadline_kind', 'transfer', '转交'),
    ('deadline_kind', 'reply', '答复'),
    ('deadline_kind', 'phone_same_day', '来电当天答复'),
    ('deadline_kind', 'callback', '回访'),
    ('deadline_kind', 'completion', '限时办结'),
    ('deadline_kind', 'stage_feedback', '阶段性反馈'),
    ('deadline_kind', 'return_contact', '到岗后联系'),
    -- 时限状态 (deadlines.state) and 结果 (deadlines.outcome)
    ('deadline_state', 'open', '计时中'),
    ('deadline_state', 'warned', '已预警'),
    ('deadline_state', 'breached', '已超时'),
    ('deadline_state', 'cleared', '已解除'),
    ('deadline_outcome', 'open', '未决'),
    ('deadline_outcome', 'on_time', '按时'),
    ('deadline_outcome', 'late', '超时'),
    ('deadline_outcome', 'void', '作废（到期前解除）'),
    -- 违规类型 (ViolationType, V1)
    ('violation_type', 'unspecified', '未指明'),
    ('violation_type', 'late_transfer', '未及时移交'),
    ('violation_type', 'no_contact_after_return', '到岗后未及时联系'),
    ('violation_type', 'notification_missing', '应告知而未告知'),
    ('violation_type', 'shirking', '推诿扯皮'),
    ('violation_type', 'time_limit_exceeded', '未在时限内完成'),
    ('violation_type', 'cold_treatment', '冷漠待人'),
    ('violation_type', 'favours', '吃拿卡要'),
    -- 上报层级 (EscalationLevel, R8, R15)
    ('escalation_level', 'unspecified', '未指明'),
    ('escalation_level', 'head', '部门负责人'),
    ('escalation_level', 'supervising_leader', '分管领导'),
    ('escalation_level', 'qa_office', '质检部'),
    ('escalation_level', 'deputy_gm', '分管副总经理'),
    ('escalation_level', 'gm', '总经理'),
    -- 交接方式 (handoffs.kind; custody_chain's steps)
    ('handoff_kind', 'received', '首问接待'),
    ('handoff_kind', 'routed', '首问判断'),
    ('handoff_kind', 'transferred', '转交'),
    ('handoff_kind', 'accepted', '签收'),
    ('handoff_kind', 'returned', '退回'),
    ('handoff_kind', 'forwarded', '转交下一部门'),
    ('handoff_kind', 'coordination', '协调单'),
    ('handoff_kind', 'locked', '锁定首问责任'),
    -- 操作 (CommandKind)
    ('command_kind', 'unspecified', '未指明'),
    ('command_kind', 'transfer', '转交'),
    ('command_kind', 'accept', '签收'),
    ('command_kind', 'return', '退回'),
    ('command_kind', 'forward', '转交下一部门'),
    ('command_kind', 'reply', '答复'),
    ('command_kind', 'progress', '阶段性反馈'),
    ('command_kind', 'resolve', '办结'),
    ('command_kind', 'callback', '回访'),
    ('command_kind', 'reopen', '重新办理'),
    ('command_kind', 'escalate', '上报'),
    ('command_kind', 'coordinate', '协调'),
    ('command_kind', 'close', '结案'),
    ('command_kind', 'contact_leader', '联系领导'),
    ('command_kind', 'grant_contact', '同意告知联系方式'),
    ('command_kind', 'wait_customer', '等待服务对象'),
    ('command_kind', 'resume', '恢复办理'),
    -- 事件类型 (events.type)
    ('event_type', 'inquiry.received', '首问登记'),
    ('event_type', 'case.routed', '首问判断'),
    ('event_type', 'case.transferred', '转交'),
    ('event_type', 'case.accepted', '签收'),
    ('event_type', 'case.returned', '退回'),
    ('event_type', 'case.forwarded', '转交下一部门'),
    ('event_type', 'case.escalated', '上报'),
    ('event_type', 'case.coordination', '协调单'),
    ('event_type', 'case.replied', '答复'),
    ('event_type', 'case.progress', '阶段性反馈'),
    ('event_type', 'case.resolved', '办结'),
    ('event_type', 'case.callback', '回访'),
    ('event_type', 'case.reopened', '重新办理'),
    ('event_type', 'case.closed', '结案'),
    ('event_type', 'case.leader_contact', '联系领导'),
    ('event_type', 'case.waiting', '等待／恢复'),
    ('event_type', 'command.received', '收到操作'),
    ('event_type', 'command.rejected', '操作被拒'),
    ('event_type', 'sla.deadline_set', '设定时限'),
    ('event_type', 'sla.warning', '时限预警'),
    ('event_type', 'sla.breached', '超时'),
    ('event_type', 'sla.deadline_cleared', '时限解除'),
    ('event_type', 'violation.recorded', '记录违规'),
    ('event_type', 'directory.loaded', '载入目录'),
    -- 目录种类 (directory_versions.kind)
    ('directory_kind', 'organisation', '组织目录'),
    ('directory_kind', 'calendar', '工作日历'),
    -- the hub's services, as actors of the events they decide
    ('service', 'intake', '受理服务'),
    ('service', 'router', '分派服务'),
    ('service', 'sla', '时限服务'),
    ('service', 'audit', '审计服务');

CREATE FUNCTION shouwen.label_zh(domain text, value text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE WHEN value IS NOT NULL THEN
    coalesce((SELECT l.label_zh FROM shouwen.labels l
               WHERE l.domain = label_zh.domain AND l.value = label_zh.value), value) END;
COMMENT ON FUNCTION shouwen.label_zh(text, text) IS
    '枚举值的中文标签（如 label_zh(''disposition'', ''other_department'') = 转其他部门）；未知的值原样返回，'
    'NULL 返回 NULL。The Chinese label of a value from shouwen.labels; a value it does not know answers itself.';

-- ------------------------------------------------------------- names

CREATE INDEX directory_entries_by_path ON shouwen.directory_entries (path, directory_position);

-- The value of SECTION/ID/name in the organisation directory as in force at AT.
CREATE FUNCTION shouwen.directory_name(section text, id text, at timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS
$$
SELECT e.value
  FROM shouwen.directory_entries e
  JOIN shouwen.directory_versions v ON v.position = e.directory_position AND v.kind = 'organisation'
 WHERE e.path = section || '/' || id || '/name' AND nullif(id, '') IS NOT NULL
 ORDER BY v.valid_from <= coalesce(at, 'infinity') DESC,
          CASE WHEN v.valid_from <= coalesce(at, 'infinity') THEN -v.position ELSE v.position END
 LIMIT 1
$$;
COMMENT ON FUNCTION shouwen.directory_name(text, text, timestamptz) IS
    '目录中某一时刻的名称。The name SECTION/ID/name (section staff, department or branch) in the '
    'organisation directory as in force at AT: the last version loaded at or before AT that names '
    'the id, else the first later one; NULL when none does.';

CREATE FUNCTION shouwen.staff_name(staff_id text, at timestamptz DEFAULT NULL) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
RETURN shouwen.directory_name('staff', staff_id, at);
CREATE FUNCTION shouwen.department_name(department_id text, at timestamptz DEFAULT NULL) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
RETURN shouwen.directory_name('department', department_id, at);
CREATE FUNCTION shouwen.branch_name(branch_id text, at timestamptz DEFAULT NULL) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
RETURN shouwen.directory_name('branch', branch_id, at);
COMMENT ON FUNCTION shouwen.staff_name(text, timestamptz) IS
    '人员姓名（按当时生效的组织目录）。A staff member''s name in the directory in force at AT (default: the latest). '
    'Example: SELECT shouwen.staff_name(''fo-01'', ''2026-03-02'');';
COMMENT ON FUNCTION shouwen.department_name(text, timestamptz) IS
    '部门名称（按当时生效的组织目录）。A department''s name in the directory in force at AT (default: the latest).';
COMMENT ON FUNCTION shouwen.branch_name(text, timestamptz) IS
    '网点名称（按当时生效的组织目录）。A branch office''s name in the directory in force at AT (default: the latest).';

-- A person or department in a Chinese line: the name, else the id.
CREATE FUNCTION shouwen.who_zh(staff_id text, at timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
RETURN coalesce(shouwen.staff_name(staff_id, at), nullif(staff_id, ''));
CREATE FUNCTION shouwen.dept_zh(department_id text, at timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
RETURN coalesce(shouwen.department_name(department_id, at), nullif(department_id, ''));
COMMENT ON FUNCTION shouwen.who_zh(text, timestamptz) IS '人员姓名，目录中没有时为编号。A person''s name at AT, else the id.';
COMMENT ON FUNCTION shouwen.dept_zh(text, timestamptz) IS '部门名称，目录中没有时为编号。A department''s name at AT, else the id.';

-- ------------------------------------------------------------- the register

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
       c.escalation_level,
       shouwen.branch_name(c.branch_id, c.received_at) AS branch_name,
       shouwen.label_zh('channel', c.channel) AS channel_zh,
       shouwen.label_zh('request_kind', c.request_kind) AS request_kind_zh,
       shouwen.label_zh('urgency', c.urgency) AS urgency_zh,
       shouwen.staff_name(c.receiver_staff_id, c.received_at) AS receiver_staff_name,
       shouwen.staff_name(c.natural_owner_id, c.received_at) AS natural_owner_name,
       shouwen.label_zh('disposition', c.disposition) AS disposition_zh,
       shouwen.department_name(c.department_id, c.received_at) AS department_name,
       shouwen.staff_name(c.factual_owner_id, c.received_at) AS factual_owner_name,
       shouwen.staff_name(c.handler_id, c.received_at) AS handler_name,
       shouwen.label_zh('case_state', c.state) AS state_zh,
       shouwen.label_zh('escalation_level', c.escalation_level) AS escalation_level_zh
  FROM shouwen.cases c;
COMMENT ON COLUMN shouwen.first_inquiry_register.branch_name IS '受理网点名称。The branch office''s name.';
COMMENT ON COLUMN shouwen.first_inquiry_register.channel_zh IS '渠道（中文）。channel in Chinese (来访, 来电, ...).';
COMMENT ON COLUMN shouwen.first_inquiry_register.request_kind_zh IS '事项类别（中文）。request_kind in Chinese (咨询, 投诉, ...).';
COMMENT ON COLUMN shouwen.first_inquiry_register.urgency_zh IS '紧要程度（中文）。urgency in Chinese (一般, 紧急).';
COMMENT ON COLUMN shouwen.first_inquiry_register.receiver_staff_name IS '首问人姓名。Name of the staff member first contacted.';
COMMENT ON COLUMN shouwen.first_inquiry_register.natural_owner_name IS '自然首问责任人姓名。Name of the natural first owner.';
COMMENT ON COLUMN shouwen.first_inquiry_register.disposition_zh IS '首问判断（中文，如 转其他部门）。disposition in Chinese.';
COMMENT ON COLUMN shouwen.first_inquiry_register.department_name IS '承办部门名称。Name of the handling department.';
COMMENT ON COLUMN shouwen.first_inquiry_register.factual_owner_name IS '事实首问责任人姓名。Name of the factual first owner.';
COMMENT ON COLUMN shouwen.first_inquiry_register.handler_name IS '经办人姓名。Name of the handler.';
COMMENT ON COLUMN shouwen.first_inquiry_register.state_zh IS '事项状态（中文，如 已结案）。state in Chinese.';
COMMENT ON COLUMN shouwen.first_inquiry_register.escalation_level_zh IS '最近一次上报层级（中文）。escalation_level in Chinese.';

-- ------------------------------------------------------------- the timeline in Chinese

CREATE FUNCTION shouwen.handoff_summary_zh(kind text, b jsonb, at timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
RETURN concat_ws('；',
    shouwen.label_zh('handoff_kind', kind) || coalesce('（第' || (b#>>'{handoff,hop}') || '次）', '') || '：'
        || nullif(concat_ws('／', shouwen.who_zh(b#>>'{handoff,from_staff_id}', at),
                            shouwen.dept_zh(b#>>'{handoff,from_department_id}', at)), '')
        || ' → ' || coalesce(nullif(concat_ws('／', shouwen.who_zh(b#>>'{handoff,to_staff_id}', at),
                                             shouwen.dept_zh(b#>>'{handoff,to_department_id}', at)), ''), '？'),
    '发出签名 ' || nullif(concat_ws(' ', shouwen.who_zh(b#>>'{handoff,sender_signer_id}', at),
        shouwen.us_to_ts(shouwen.json_int(b#>'{handoff,sender_signed_at_us}'))::text), ''),
    '签收签名 ' || nullif(concat_ws(' ', shouwen.who_zh(b#>>'{handoff,receiver_signer_id}', at),
        shouwen.us_to_ts(shouwen.json_int(b#>'{handoff,receiver_signed_at_us}'))::text), ''),
    '意见：' || nullif(b#>>'{handoff,opinion}', ''),
    '理由：' || nullif(b->>'reason', ''));

CREATE FUNCTION shouwen.event_summary_zh(type text, b jsonb, at timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE type
    WHEN 'inquiry.received' THEN concat_ws('；',
        shouwen.label_zh('channel', shouwen.enum_label(b->>'channel', 'CHANNEL_'))
            || shouwen.label_zh('request_kind', shouwen.enum_label(b->>'kind', 'REQUEST_KIND_'))
            || CASE WHEN b->>'urgency' = 'URGENCY_URGENT' THEN '（紧急）' ELSE '' END
            || coalesce('，' || nullif(concat_ws(' ', b#>>'{customer,unit}', b#>>'{customer,name}',
                                                  b#>>'{customer,phone}'), ''), '')
            || '：' || coalesce(b->>'matter', '') || coalesce('［' || (b->>'category') || '］', ''),
        '首问人 ' || shouwen.who_zh(b->>'receiver_staff_id', at),
        '指名 ' || shouwen.who_zh(b->>'named_employee_id', at),
        '关联事项 ' || nullif(b->>'linked_case_id', ''))
    WHEN 'case.routed' THEN concat_ws('；',
        shouwen.label_zh('disposition', shouwen.enum_label(b->>'disposition', 'DISPOSITION_')),
        '承办部门 ' || shouwen.dept_zh(b->>'department_id', at),
        '自然首问责任人 ' || shouwen.who_zh(b->>'natural_owner_id', at),
        '事实首问责任人 ' || shouwen.who_zh(b->>'factual_owner_id', at),
        '经办人 ' || shouwen.who_zh(b->>'handler_id', at),
        '分管领导 ' || shouwen.who_zh(b->>'leader_id', at),
        '告知：' || nullif(b->>'notification', ''),
        '指导：' || nullif(b->>'guidance', ''))
    WHEN 'case.transferred' THEN shouwen.handoff_summary_zh('transferred', b, at)
    WHEN 'case.accepted' THEN shouwen.handoff_summary_zh('accepted', b, at)
    WHEN 'case.returned' THEN shouwen.handoff_summary_zh('returned', b, at)
    WHEN 'case.forwarded' THEN shouwen.handoff_summary_zh('forwarded', b, at)
    WHEN 'case.escalated' THEN concat_ws('；',
        '上报' || shouwen.label_zh('escalation_level', shouwen.enum_label(b->>'level', 'ESCALATION_LEVEL_'))
            || coalesce(' ' || shouwen.who_zh(b->>'to_staff_id', at), ''),
        CASE WHEN shouwen.json_bool(b->'conflict') THEN '矛盾升级' END,
        '计入 ' || shouwen.dept_zh(b->>'department_id', at),
        nullif(b->>'reason', ''))
    WHEN 'case.coordination' THEN concat_ws('；',
        '协调单：主办部门 ' || coalesce(shouwen.dept_zh(b->>'lead_department_id', at), '？'),
        '协办部门 ' || nullif(array_to_string(ARRAY(SELECT shouwen.dept_zh(x, at) FROM jsonb_array_elements_text(
            CASE WHEN jsonb_typeof(b->'assisting_department_ids') = 'array'
                 THEN b->'assisting_department_ids' ELSE '[]' END) x), '、'), ''),
        '督办 ' || shouwen.who_zh(b->>'supervisor_id', at),
        CASE WHEN shouwen.json_bool(b->'ownership_locked') THEN '首问责任锁定' END,
        nullif(b->>'reason', ''))
    WHEN 'case.replied' THEN concat_ws('；', '答复：' || coalesce(b->>'text', ''),
        '已一次性告知：' || nullif(array_to_string(ARRAY(SELECT jsonb_array_elements_text(
            CASE WHEN jsonb_typeof(b->'checklist_attested') = 'array'
                 THEN b->'checklist_attested' ELSE '[]' END)), '，'), ''),
        CASE WHEN shouwen.json_bool(b->'phrase_override')
             THEN '服务忌语经确认放行：' || coalesce(b->>'override_reason', '') END)
    WHEN 'case.progress' THEN '阶段性反馈：' || coalesce(b->>'text', '')
    WHEN 'case.resolved' THEN '办结：' || coalesce(b->>'summary', '')
    WHEN 'case.callback' THEN concat_ws('；',
        CASE WHEN shouwen.json_bool(b->'reached') THEN '回访：已联系上服务对象' ELSE '回访：未联系上服务对象' END,
        '评价 ' || nullif(b->>'rating', '0') || ' 分', nullif(b->>'note', ''))
    WHEN 'case.reopened' THEN '重新办理：' || coalesce(b->>'reason', '')
    WHEN 'case.closed' THEN concat_ws('；', '结案：' || coalesce(b->>'reason', ''),
        '指导：' || nullif(b->>'guidance', ''))
    WHEN 'case.leader_contact' THEN concat_ws('；', '联系领导 ' || shouwen.who_zh(b->>'leader_id', at),
        CASE WHEN shouwen.json_bool(b->'disclosed') THEN '经领导同意告知联系方式'
             ELSE '未告知领导联系方式，已转达来访者联系方式 ' || coalesce(b->>'visitor_contact_passed', '') END)
    WHEN 'case.waiting' THEN CASE WHEN shouwen.json_bool(b->'waiting')
        THEN concat_ws('：', '等待服务对象', nullif(b->>'reason', ''))
        ELSE concat_ws('：', '恢复办理', nullif(b->>'reason', '')) END
    WHEN 'command.received' THEN concat_ws('；',
        shouwen.label_zh('command_kind', shouwen.enum_label(b#>>'{command,kind}', 'COMMAND_KIND_'))
            || coalesce('：' || shouwen.who_zh(b#>>'{command,staff_id}', at), ''),
        '对象 ' || nullif(concat_ws('／', shouwen.who_zh(b#>>'{command,to_staff_id}', at),
                                     shouwen.dept_zh(b#>>'{command,to_department_id}', at)), ''),
        '网点 ' || coalesce(shouwen.branch_name(b->>'branch_id', at), nullif(b->>'branch_id', '')))
    WHEN 'command.rejected' THEN '操作被拒：' || concat_ws('：', b->>'code', b->>'message')
    WHEN 'sla.deadline_set' THEN concat_ws('；',
        shouwen.label_zh('deadline_kind', shouwen.enum_label(b->>'kind', 'DEADLINE_KIND_'))
            || '时限 ' || coalesce(shouwen.us_to_ts(shouwen.json_int(b->'due_at_us'))::text, '？'),
        '责任人 ' || nullif(concat_ws('／', shouwen.who_zh(b->>'holder_staff_id', at),
                                       shouwen.dept_zh(b->>'department_id', at)), ''),
        nullif(b->>'policy', ''))
    WHEN 'sla.warning' THEN concat_ws('；', '时限预警：'
            || shouwen.label_zh('deadline_kind', shouwen.enum_label(b->>'kind', 'DEADLINE_KIND_'))
            || '时限 ' || coalesce(shouwen.us_to_ts(shouwen.json_int(b->'due_at_us'))::text, '？'),
        '提醒 ' || shouwen.who_zh(b->>'holder_staff_id', at))
    WHEN 'sla.breached' THEN concat_ws('；', '超时：'
            || shouwen.label_zh('deadline_kind', shouwen.enum_label(b->>'kind', 'DEADLINE_KIND_'))
            || '时限 ' || coalesce(shouwen.us_to_ts(shouwen.json_int(b->'due_at_us'))::text, '？'),
        '责任人 ' || nullif(concat_ws('／', shouwen.who_zh(b->>'holder_staff_id', at),
                                       shouwen.dept_zh(b->>'department_id', at)), ''))
    WHEN 'sla.deadline_cleared' THEN concat_ws('：', '时限解除', nullif(b->>'reason', ''))
    WHEN 'violation.recorded' THEN concat_ws('；',
        '违规：' || shouwen.label_zh('violation_type', shouwen.enum_label(b->>'type', 'VIOLATION_TYPE_'))
            || coalesce('，' || nullif(concat_ws('／', shouwen.who_zh(b->>'staff_id', at),
                                                 shouwen.dept_zh(b->>'department_id', at)), ''), ''),
        '罚款 ' || coalesce(b->>'penalty_yuan', '0') || ' 元',
        '本月第 ' || (b->>'occurrence_in_month') || ' 次',
        CASE WHEN shouwen.json_bool(b->'self_criticism') THEN '须作书面检查' END,
        '依据 ' || (b->>'rule'))
    WHEN 'directory.loaded' THEN concat_ws('；',
        '载入' || shouwen.label_zh('directory_kind', coalesce(nullif(b->>'kind', ''), 'organisation'))
            || coalesce(' ' || (b->>'version'), ''),
        '载入人 ' || shouwen.who_zh(b->>'loaded_by', at))
    ELSE shouwen.event_summary(type, b)
END;
COMMENT ON FUNCTION shouwen.event_summary_zh(text, jsonb, timestamptz) IS
    '事件的中文摘要，人员和部门以当时目录中的名称显示。One readable Chinese line for an event of the given '
    'type and body, with the names of people and departments as the directory in force at AT had them '
    '(used by case_timeline''s summary_zh).';
COMMENT ON FUNCTION shouwen.handoff_summary_zh(text, jsonb, timestamptz) IS
    '交接（转交、签收、退回、转交下一部门）的中文摘要。One Chinese line for a handoff body.';

DROP FUNCTION shouwen.case_timeline(text);
CREATE FUNCTION shouwen.case_timeline(case_id text)
    RETURNS TABLE ("position" bigint, case_version bigint, occurred_at timestamptz,
                   committed_at timestamptz, type text, actor text, producer text,
                   summary text, body jsonb, type_zh text, actor_name text, summary_zh text)
    LANGUAGE sql STABLE AS
$$
SELECT e.position, e.case_version, e.occurred_at, e.committed_at, e.type, e.actor, e.producer,
       shouwen.event_summary(e.type, e.body), e.body,
       shouwen.label_zh('event_type', e.type),
       coalesce(shouwen.staff_name(e.actor, e.occurred_at),
                (SELECT l.label_zh FROM shouwen.labels l WHERE l.domain = 'service' AND l.value = e.actor)),
       shouwen.event_summary_zh(e.type, e.body, e.occurred_at)
  FROM shouwen.events e
 WHERE e.case_id = case_timeline.case_id
 ORDER BY e.position
$$;
COMMENT ON FUNCTION shouwen.case_timeline(text) IS
    '事项经过：某事项的每一个事件，按日志顺序，含时间、操作人（姓名）、中文类型和中文摘要。A case''s timeline '
    '(事项经过): every event of the case in log order with its time, actor and a readable summary '
    '(registration, routing, handoffs, escalations, replies, time limits, violations, callback, closing), '
    'then type_zh (the event type in Chinese), actor_name (the actor''s name in the directory in force '
    'then, or the service''s Chinese name) and summary_zh (the summary in Chinese with names).  '
    'Example: SELECT position, occurred_at, type_zh, actor_name, summary_zh '
    'FROM shouwen.case_timeline(''SW-0001-0001-0001'');';

-- ------------------------------------------------------------- the assessment

-- 007's assessment keeps its figures under a new name; department_assessment
-- puts the department's name beside its id.
ALTER FUNCTION shouwen.department_assessment(date) RENAME TO department_figures;
COMMENT ON FUNCTION shouwen.department_figures(date) IS
    '月度部门考核的各项数字（按部门编号）；department_assessment 在此基础上加上部门名称。The figures of the '
    'monthly department assessment by department id (migration 007); department_assessment adds the names.';

CREATE FUNCTION shouwen.department_assessment(month date)
    RETURNS TABLE (department_id text, department_name text, cases bigint, closed bigint,
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
SELECT f.department_id,
       shouwen.department_name(f.department_id, least(shouwen.month_end(month), now()) - interval '1 microsecond'),
       f.cases, f.closed, f.limits_due, f.limits_decided, f.limits_on_time, f.limits_late,
       f.limits_open, f.on_time_rate, f.transfer_on_time_rate, f.reply_on_time_rate,
       f.callback_on_time_rate, f.late_by_working_time, f.breaches, f.violations,
       f.penalties_yuan, f.self_criticisms, f.ratings, f.average_rating, f.praise,
       f.escalations, f.conflict_escalations
  FROM shouwen.department_figures(month) f
 ORDER BY f.department_id
$$;
COMMENT ON FUNCTION shouwen.department_assessment(date) IS
    '月度部门绩效考核：每个部门一行，部门编号和名称（按月末生效的组织目录），登记事项及结案数，到期时限'
    '（已决＝按时＋超时，另列未决）、按时率、超时的工作时间，超时、违规、罚款、书面检查，群众评价，上报及矛盾升级。'
    'The monthly department assessment (月度绩效考核, R15, V1-V3), one row per department, its name '
    '(as the directory in force at the month''s end had it) beside its id: '
    'cases registered in the month now handled by it and how many are closed; its time limits due in '
    'the month (superseded ones left out): limits_due = limits_decided (on time + late) + limits_open '
    '(still running, neither met nor breached), the on-time rates (% of those decided) overall and for '
    'transfer, reply and callback, and the total working time its late limits ran over; breaches '
    'reported; violations recorded against it with penalties (yuan) and written self-criticisms (V1, '
    'V2); customer ratings given at callback, their average and praise (ratings of 4 or 5, V3); '
    'escalations counted against it and how many were conflict escalations (矛盾升级, R15).  '
    'Example: SELECT * FROM shouwen.department_assessment(''2026-03-01'');';

-- ------------------------------------------------------------- leftovers

-- A range beyond the log head says so instead of "intact, 0 checked".
ALTER FUNCTION shouwen.verify_chain(bigint, bigint) RENAME TO verify_chain_range;
COMMENT ON FUNCTION shouwen.verify_chain_range(bigint, bigint) IS
    '哈希链校验的计算部分（003）；请用 verify_chain。The chain check of migration 003, called by verify_chain.';
CREATE FUNCTION shouwen.verify_chain(from_position bigint DEFAULT 1, to_position bigint DEFAULT NULL)
    RETURNS TABLE (ok boolean, first_bad_position bigint, checked bigint, reason text)
    LANGUAGE sql STABLE AS
$$
SELECT CASE WHEN beyond THEN NULL ELSE r.ok END,
       r.first_bad_position, r.checked,
       CASE WHEN beyond
            THEN format('%s lie beyond the log head (%s): nothing to check',
                        CASE WHEN to_position IS NULL THEN format('positions from %s on', lo)
                             ELSE format('positions %s..%s', lo, to_position) END, head)
            WHEN r.ok AND to_position > head
            THEN format('intact up to the log head (%s); %s..%s lie beyond it', head,
                        greatest(head + 1, lo), to_position)
            ELSE r.reason END
  FROM (SELECT greatest(coalesce(from_position, 1), 1) AS lo,
               (SELECT h.position FROM shouwen.log_head h) AS head) p,
       LATERAL shouwen.verify_chain_range(from_position, to_position) r,
       -- the whole log (no range given) is intact even when empty
       LATERAL (SELECT r.ok AND r.checked = 0 AND p.lo > p.head
                       AND (to_position IS NOT NULL OR p.lo > 1)
                       AND (to_position IS NULL OR to_position >= p.lo) AS beyond) x
$$;
COMMENT ON FUNCTION shouwen.verify_chain(bigint, bigint) IS
    '防篡改校验：重算事件日志的哈希链，给出第一个出错的位置。Tamper check of the event log (防篡改校验): '
    'recomputes the hash chain over positions from_position..to_position (default: the whole log) in one '
    'pass and returns ok, the first bad position (a row altered, missing, or beyond the log head), the '
    'number of rows checked and the reason.  A range starting after 1 is anchored on the stored hash of '
    'the row before it.  A range wholly beyond the log head has nothing to check: ok is NULL and the '
    'reason says so; one reaching past it says where the head is.  '
    'Example: SELECT * FROM shouwen.verify_chain();';

-- zpl_entries((SELECT content FROM directory_versions WHERE position = N))
-- on a position that holds no file (or a file that was not text): no rows.
ALTER FUNCTION shouwen.zpl_entries(text) STRICT;
COMMENT ON FUNCTION shouwen.zpl_entries(text) IS
    '目录和日历文件（ZPL 文本）的条目，每个节点一行；NULL 时无结果。The entries of a ZPL text (rfc.zeromq.org/spec:4, '
    'the format of the directory and calendar files), one row per node in file order: line, path from '
    'the root (scope/repair/department) and value; no rows for NULL (a position that holds no file); '
    'an error naming the line where czmq''s zconfig would refuse the text.  '
    'Example: SELECT * FROM shouwen.zpl_entries((SELECT content FROM shouwen.directory_versions WHERE position = 1));';

-- ------------------------------------------------------------- Chinese comments

-- Every table and view auditors read, and every column of them, gets a
-- comment that starts in Chinese (the English that was there follows).
-- Comments that already start in Chinese are left as they are.  A column
-- found without one makes the migration fail, so none is forgotten.
DO $$
DECLARE
    r        record;
    zh       text;
    missing  text[] := '{}';
BEGIN
    CREATE TEMP TABLE zh_rel (rel text PRIMARY KEY, zh text NOT NULL) ON COMMIT DROP;
    INSERT INTO zh_rel VALUES
        ('events', '事件日志（只增不改、哈希链）：每个已提交的事件一行'),
        ('log_head', '日志头：最后一个位置及其哈希'),
        ('schema_version', '已执行的数据库迁移'),
        ('cases', '事项投影：每个事项一行，登记、分派、当前状态和责任人、办理经过'),
        ('deadlines', '时限投影：sla 设定的每一个时限'),
        ('handoffs', '交接投影：每一次转交、签收、退回、转交下一部门'),
        ('breaches', '超时投影：sla 报告的每一次超时'),
        ('violations', '违规投影：记录的每一次违规及罚款'),
        ('escalations', '上报投影：每一次上报及其层级'),
        ('coordinations', '协调单投影'),
        ('callbacks', '回访投影：每一次回访及群众评价'),
        ('directory_versions', '目录版本：每一次载入的组织目录或工作日历'),
        ('directory_entries', '目录条目：每个目录版本解析出的条目'),
        ('register_counts', '登记簿按网点和小时的计数'),
        ('event_chain_check', '哈希链逐行校验'),
        ('first_inquiry_register', '首问登记簿：每个事项一行'),
        ('late_transfers', '转交超时：每一条超时的转交时限'),
        ('late_limits', '超时的时限'),
        ('directory_history', '目录版本历史'),
        ('directory_scopes', '职责范围：每个目录版本中各类事项的承办部门和经办人');

    CREATE TEMP TABLE zh_col (rel text NOT NULL, col text NOT NULL, zh text NOT NULL,
                              PRIMARY KEY (rel, col)) ON COMMIT DROP;
    -- rel '' : the column of that name wherever no entry for its relation exists
    INSERT INTO zh_col VALUES
        ('', 'actor', '操作人（人员编号或服务名）'),
        ('', 'applied_at', '执行时间'),
        ('', 'assisting_department_ids', '协办部门'),
        ('', 'based_on_version', '决定所依据的事项版本'),
        ('', 'body', '事件内容（JSON）'),
        ('', 'branch_id', '网点编号'),
        ('', 'breached_at', '超时时间'),
        ('', 'callback_at', '回访时间'),
        ('', 'callback_rating', '回访评价（1..5）'),
        ('', 'callback_reached', '回访是否联系上服务对象'),
        ('', 'case_id', '事项编号'),
        ('', 'case_version', '事项版本号'),
        ('', 'category', '事项分类'),
        ('', 'causation_id', '起因事件编号'),
        ('', 'cause_event_id', '起因事件编号'),
        ('', 'channel', '渠道'),
        ('', 'clear_reason', '解除原因'),
        ('', 'cleared_at', '解除时间'),
        ('', 'close_guidance', '结案指导意见'),
        ('', 'close_reason', '结案理由'),
        ('', 'closed', '已结案数'),
        ('', 'closed_at', '结案时间'),
        ('', 'committed_at', '提交时间'),
        ('', 'complaints', '投诉数'),
        ('', 'conflict', '是否矛盾升级'),
        ('', 'conflict_escalated', '是否发生矛盾升级'),
        ('', 'content', '文件内容'),
        ('', 'content_bytes', '文件字节数'),
        ('', 'customer_address', '服务对象地址'),
        ('', 'customer_name', '服务对象姓名'),
        ('', 'customer_phone', '服务对象联系电话'),
        ('', 'customer_unit', '服务对象单位'),
        ('', 'deadline_event_id', '时限编号（设定时限的事件）'),
        ('', 'department_id', '部门编号'),
        ('', 'digest', '文件摘要'),
        ('', 'directory_position', '目录版本（日志位置）'),
        ('', 'directory_version', '目录版本号'),
        ('', 'disposition', '首问判断'),
        ('', 'done_at', '履行时间'),
        ('', 'due_at', '到期时间'),
        ('', 'entries', '条目数'),
        ('', 'envelope', '原始报文（protobuf）'),
        ('', 'escalation_level', '上报层级'),
        ('', 'escalations', '上报次数'),
        ('', 'event_id', '事件编号'),
        ('', 'factual_owner_id', '事实首问责任人编号'),
        ('', 'first_replied_at', '首次答复时间'),
        ('', 'from_department_id', '移交部门编号'),
        ('', 'from_staff_id', '移交人编号'),
        ('', 'gapless', '位置是否连续'),
        ('', 'handler_id', '经办人编号'),
        ('', 'hash', '哈希值'),
        ('', 'hash_ok', '哈希是否正确'),
        ('', 'holder_staff_id', '时限责任人编号'),
        ('', 'hop', '第几次转交'),
        ('', 'hops', '转交次数'),
        ('', 'hour', '小时'),
        ('', 'in_scope', '本人职责范围内办理数'),
        ('', 'inquiries', '登记数'),
        ('', 'kind', '种类'),
        ('', 'late_by', '超时多久'),
        ('', 'lead_department_id', '主办部门编号'),
        ('', 'level', '上报层级'),
        ('', 'level_rank', '上报层级序号'),
        ('', 'line', '行号'),
        ('', 'linked_case_id', '关联事项编号'),
        ('', 'loaded_by', '载入人编号'),
        ('', 'matter', '事由'),
        ('', 'name', '名称'),
        ('', 'named_employee_id', '服务对象指名的人员编号'),
        ('', 'natural_owner_id', '自然首问责任人编号'),
        ('', 'note', '备注'),
        ('', 'occurred_at', '发生时间'),
        ('', 'occurrence_in_month', '本月第几次'),
        ('', 'opened_event_id', '登记事件编号'),
        ('', 'opened_position', '登记事件的日志位置'),
        ('', 'opinion', '签注意见'),
        ('', 'outcome', '时限结果'),
        ('', 'outside_guidance', '本单位职责外事项的指导意见'),
        ('', 'outside_organisation', '不属本单位职责数'),
        ('', 'ownership_locked', '首问责任是否锁定'),
        ('', 'parse_error', '解析错误'),
        ('', 'path', '条目路径'),
        ('', 'penalty_yuan', '罚款（元）'),
        ('', 'policy', '所依规定'),
        ('', 'position', '日志位置'),
        ('', 'producer', '产生事件的服务'),
        ('', 'producer_seq', '服务内序号'),
        ('', 'rating', '评价（1..5）'),
        ('', 'reached', '是否联系上服务对象'),
        ('', 'reason', '理由'),
        ('', 'received_at', '登记时间'),
        ('', 'receiver_signed_at', '签收时间'),
        ('', 'receiver_signer_id', '签收人编号'),
        ('', 'receiver_staff_id', '首问人编号'),
        ('', 'reopened', '重新办理次数'),
        ('', 'replied', '已答复数'),
        ('', 'replied_at', '最近答复时间'),
        ('', 'reply_due_at', '答复期限'),
        ('', 'request_id', '网点请求编号'),
        ('', 'request_kind', '事项类别'),
        ('', 'resolved_at', '办结时间'),
        ('', 'rule', '违反的规定'),
        ('', 'self_criticism', '是否须作书面检查'),
        ('', 'sender_signed_at', '移交签名时间'),
        ('', 'sender_signer_id', '移交签名人编号'),
        ('', 'set_position', '设定时限的日志位置'),
        ('', 'singleton', '唯一行标记'),
        ('', 'staff_id', '人员编号'),
        ('', 'state', '状态'),
        ('', 'state_before_waiting', '等待前的状态'),
        ('', 'supervisor_id', '督办人编号'),
        ('', 'to_department_id', '接收部门编号'),
        ('', 'to_staff_id', '接收人编号'),
        ('', 'transfer_position', '随后转交的日志位置'),
        ('', 'transferred', '有转交的事项数'),
        ('', 'transferred_at', '实际转交时间'),
        ('', 'trigger_event_id', '引起时限的事件编号'),
        ('', 'type', '类型'),
        ('', 'updated_at', '最近更新时间（提交）'),
        ('', 'updated_position', '最近更新的日志位置'),
        ('', 'urgency', '紧要程度'),
        ('', 'urgent', '紧急事项数'),
        ('', 'valid_from', '生效时间'),
        ('', 'valid_until', '失效时间'),
        ('', 'value', '条目值'),
        ('', 'version', '版本号'),
        ('', 'waiting', '是否等待服务对象'),
        ('', 'warn_at', '预警时间'),
        ('', 'warned_at', '已预警时间'),
        -- the same name, another meaning
        ('events', 'type', '事件类型'),
        ('events', 'position', '日志位置（从 1 起连续）'),
        ('events', 'actor', '操作人（人员编号或服务名）'),
        ('violations', 'type', '违规类型'),
        ('violations', 'staff_id', '违规人员编号'),
        ('violations', 'department_id', '违规计入的部门编号'),
        ('deadlines', 'kind', '时限种类'),
        ('deadlines', 'state', '时限状态'),
        ('deadlines', 'department_id', '时限计入的部门编号'),
        ('breaches', 'kind', '时限种类'),
        ('late_limits', 'kind', '时限种类'),
        ('late_limits', 'staff_id', '时限责任人编号'),
        ('late_transfers', 'staff_id', '应转交的人员编号'),
        ('handoffs', 'kind', '交接方式'),
        ('handoffs', 'reason', '转交理由'),
        ('handoffs', 'actor', '操作人编号'),
        ('escalations', 'reason', '上报原因'),
        ('escalations', 'to_staff_id', '上报至（人员编号）'),
        ('escalations', 'department_id', '上报计入的部门编号'),
        ('coordinations', 'reason', '协调原因'),
        ('callbacks', 'staff_id', '回访人编号'),
        ('callbacks', 'department_id', '回访时的承办部门编号'),
        ('callbacks', 'factual_owner_id', '回访时的事实首问责任人编号'),
        ('directory_versions', 'kind', '目录种类'),
        ('directory_history', 'kind', '目录种类'),
        ('directory_versions', 'version', '目录版本号'),
        ('directory_history', 'version', '目录版本号'),
        ('directory_versions', 'position', '载入事件的日志位置'),
        ('directory_history', 'position', '载入事件的日志位置'),
        ('cases', 'version', '事项版本号（已有事件数）'),
        ('cases', 'state', '事项状态'),
        ('cases', 'department_id', '承办部门编号'),
        ('first_inquiry_register', 'state', '事项状态'),
        ('first_inquiry_register', 'department_id', '承办部门编号'),
        ('first_inquiry_register', 'position', '登记事件的日志位置'),
        ('first_inquiry_register', 'closed_at', '结案时间'),
        ('schema_version', 'version', '迁移编号'),
        ('schema_version', 'name', '迁移文件名'),
        ('log_head', 'position', '最后一个日志位置'),
        ('log_head', 'hash', '最后一个事件的哈希'),
        ('register_counts', 'closed', '已结案数'),
        ('directory_scopes', 'department_id', '承办部门编号'),
        ('directory_scopes', 'handler_id', '指定经办人编号');

    -- relations
    FOR r IN SELECT c.oid, c.relname, c.relkind, obj_description(c.oid, 'pg_class') AS old
               FROM pg_class c
              WHERE c.relnamespace = 'shouwen'::regnamespace AND c.relkind IN ('r', 'v')
                AND has_table_privilege('shouwen_auditor', c.oid, 'SELECT')
              ORDER BY c.relname LOOP
        CONTINUE WHEN coalesce(r.old, '') ~ '^[一-鿿]';
        SELECT z.zh INTO zh FROM zh_rel z WHERE z.rel = r.relname;
        IF zh IS NULL THEN
            missing := missing || r.relname::text;
            CONTINUE;
        END IF;
        EXECUTE format('COMMENT ON %s shouwen.%I IS %L',
                       CASE r.relkind WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END, r.relname,
                       zh || '。' || coalesce(r.old, ''));
    END LOOP;
    -- columns
    FOR r IN SELECT c.relname, a.attname, col_description(c.oid, a.attnum) AS old
               FROM pg_class c
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
              WHERE c.relnamespace = 'shouwen'::regnamespace AND c.relkind IN ('r', 'v')
                AND has_table_privilege('shouwen_auditor', c.oid, 'SELECT')
              ORDER BY c.relname, a.attnum LOOP
        CONTINUE WHEN coalesce(r.old, '') ~ '^[一-鿿]';
        SELECT z.zh INTO zh FROM zh_col z WHERE z.rel = r.relname AND z.col = r.attname;
        IF zh IS NULL THEN
            SELECT z.zh INTO zh FROM zh_col z WHERE z.rel = '' AND z.col = r.attname;
        END IF;
        IF zh IS NULL THEN
            missing := missing || (r.relname || '.' || r.attname);
            CONTINUE;
        END IF;
        EXECUTE format('COMMENT ON COLUMN shouwen.%I.%I IS %L', r.relname, r.attname,
                       zh || '。' || coalesce(r.old, ''));
    END LOOP;
    IF cardinality(missing) > 0 THEN
        RAISE EXCEPTION 'no Chinese comment for: %', array_to_string(missing, ', ');
    END IF;
END
$$;

-- The auditing functions' comments start in Chinese too.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT p.oid::regprocedure AS f, v.zh, obj_description(p.oid, 'pg_proc') AS old
               FROM (VALUES
                    ('shouwen.register_by_day(date,date,text)'::regprocedure, '登记簿按日按网点计数'),
                    ('shouwen.custody_chain(text)', '交接链：事项逐次由谁持有、谁签名、何时'),
                    ('shouwen.late_transfers_by_person(date)', '按人员统计转交超时及违规（月）'),
                    ('shouwen.reply_callback_compliance(date)', '按部门统计答复与回访时限执行情况（月）'),
                    ('shouwen.qa_sample(date,integer,text)', '可复现的质检抽查样本（月）'),
                    ('shouwen.responsible_at(text,timestamp with time zone)', '某一时刻某类事项由谁负责'),
                    ('shouwen.event_summary(text,jsonb)', '事件的英文摘要'),
                    ('shouwen.deadline_outcome(timestamp with time zone,timestamp with time zone,timestamp with time zone,text)', '时限结果'),
                    ('shouwen.escalation_rank(text)', '上报层级序号')) v(p, zh)
               JOIN pg_proc p ON p.oid = v.p LOOP
        CONTINUE WHEN coalesce(r.old, '') ~ '^[一-鿿]';
        EXECUTE format('COMMENT ON FUNCTION %s IS %L', r.f, r.zh || '。' || coalesce(r.old, ''));
    END LOOP;
END
$$;

-- ------------------------------------------------------------- grants

REVOKE ALL ON FUNCTION shouwen.label_zh(text, text),
    shouwen.directory_name(text, text, timestamptz), shouwen.staff_name(text, timestamptz),
    shouwen.department_name(text, timestamptz), shouwen.branch_name(text, timestamptz),
    shouwen.who_zh(text, timestamptz), shouwen.dept_zh(text, timestamptz),
    shouwen.handoff_summary_zh(text, jsonb, timestamptz),
    shouwen.event_summary_zh(text, jsonb, timestamptz), shouwen.case_timeline(text),
    shouwen.department_figures(date), shouwen.department_assessment(date),
    shouwen.verify_chain_range(bigint, bigint), shouwen.verify_chain(bigint, bigint)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION shouwen.label_zh(text, text),
    shouwen.directory_name(text, text, timestamptz), shouwen.staff_name(text, timestamptz),
    shouwen.department_name(text, timestamptz), shouwen.branch_name(text, timestamptz),
    shouwen.who_zh(text, timestamptz), shouwen.dept_zh(text, timestamptz),
    shouwen.handoff_summary_zh(text, jsonb, timestamptz),
    shouwen.event_summary_zh(text, jsonb, timestamptz), shouwen.case_timeline(text),
    shouwen.department_figures(date), shouwen.department_assessment(date),
    shouwen.verify_chain_range(bigint, bigint), shouwen.verify_chain(bigint, bigint)
    TO shouwen_auditor;
GRANT EXECUTE ON FUNCTION shouwen.verify_chain(bigint, bigint) TO shouwen_writer;
GRANT SELECT ON shouwen.labels TO shouwen_writer, shouwen_auditor;
