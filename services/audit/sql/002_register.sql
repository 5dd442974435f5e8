-- shouwen (首问) migration 002: the first-inquiry register (首问登记簿, R1).
--
-- The paper register records, for every inquiry, the customer's unit, name,
-- phone (and address), the time, channel, matter, urgency and the natural
-- first owner, "for later query and assessment" (以备查询和考核).  Here it is a
-- view over the cases projection, so it always agrees with the event log.

CREATE VIEW shouwen.first_inquiry_register AS
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
       c.opened_position AS position
  FROM shouwen.cases c;

COMMENT ON VIEW shouwen.first_inquiry_register IS
    'The first-inquiry register (首问登记簿, R1): one row per case with who asked (customer '
    'unit 单位, name, phone, address), when, by which channel (渠道), what (matter, category), '
    'how urgent (紧要程度), who was first contacted and who owns it (自然/事实首问责任人), the '
    'first owner''s judgement (disposition), the handling department (承办部门), the reply '
    'deadline (R11) and the state.  position is the log position of the registration; '
    'order by it for the register''s order.';
COMMENT ON COLUMN shouwen.first_inquiry_register.received_at IS 'When the branch took the inquiry (登记时间).';
COMMENT ON COLUMN shouwen.first_inquiry_register.channel IS '渠道: visit 来访, phone 来电, letter 来信, hotline, ...';
COMMENT ON COLUMN shouwen.first_inquiry_register.request_kind IS 'consultation 咨询, business 办理, complaint 投诉, report 举报, help 求助, ...';
COMMENT ON COLUMN shouwen.first_inquiry_register.customer_unit IS '服务对象单位.';
COMMENT ON COLUMN shouwen.first_inquiry_register.matter IS '事由: what the customer asked.';
COMMENT ON COLUMN shouwen.first_inquiry_register.urgency IS '紧要程度: normal or urgent.';
COMMENT ON COLUMN shouwen.first_inquiry_register.receiver_staff_id IS 'Staff member first contacted (首问人).';
COMMENT ON COLUMN shouwen.first_inquiry_register.natural_owner_id IS '自然首问责任人 (set when routed).';
COMMENT ON COLUMN shouwen.first_inquiry_register.disposition IS 'in_scope (R3), same_department (R4), other_department (R5), several_departments (R9), outside_organisation (R6), unclear (R7), urgent_escalation (R8).';
COMMENT ON COLUMN shouwen.first_inquiry_register.department_id IS '承办部门: handling (or lead) department.';
COMMENT ON COLUMN shouwen.first_inquiry_register.factual_owner_id IS '事实首问责任人.';
COMMENT ON COLUMN shouwen.first_inquiry_register.handler_id IS '经办人.';
COMMENT ON COLUMN shouwen.first_inquiry_register.reply_due_at IS 'Reply deadline (R11: 1 working day).';
COMMENT ON COLUMN shouwen.first_inquiry_register.position IS 'Log position of the inquiry.received event.';

GRANT SELECT ON shouwen.first_inquiry_register TO shouwen_writer, shouwen_auditor;
