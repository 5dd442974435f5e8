# fixture_hub.sh: the documentation's hub.  Source it after lib.sh, then
# fixture_hub NAME BASEPORT brings up a hub on a file test clock and drives
# March 2026 of a hotel through the CLI, as staff would: every staff verb,
# a case bounced front office -> housekeeping -> front office, an overnight
# late transfer, breaches, violations and a complaint climbing the ladder.
# docs/auditing.md's examples are what psql prints on it.  Sets the case
# variables named below (C_INSCOPE, C_OVERNIGHT, C_BOUNCE, ...).
#
# The working-day calendar (deploy/calendar/cn-2026.conf: 08:30-12:00 and
# 14:00-17:30 Asia/Shanghai, Monday to Friday) is loaded through the log,
# so the auditor views count working time from it.

fixture_at() { # fixture_at "2026-03-02 09:00": move the hub's clock (Beijing time)
    printf '%s\n' "$(($(date -d "$1 +0800" +%s) * 1000000))" >"$FIXTURE_CLOCK.tmp" &&
        mv "$FIXTURE_CLOCK.tmp" "$FIXTURE_CLOCK"
    sleep 0.05
}

fixture_act() { # a staff action through the CLI; a refusal fails the test
    local err
    err=$("$CLI" "$@" 2>&1 >/dev/null) || fail "action refused: $* -> $err"
}

fixture_wait() { # TYPE COUNT: wait until the log holds COUNT events of TYPE
    wait_sql "select count(*) from shouwen.events where type='$1'" "$2" 20 || fail "waited for $2 $1"
}

fixture_case() { # REQUEST-ID "DAY HH:MM" CATEGORY KIND [submit flags]: a visit to the front office
    fixture_at "$2"
    submit --channel visit --category "$3" --kind "$4" --request-id "$1" --receiver fo-01 \
        --name "客人$1" --phone "13800$(printf '%06d' "$(cksum <<<"$1" | cut -c1-6)")" \
        --matter "${FIXTURE_MATTER:-客人咨询}" "${@:5}"
}

fixture_routed() { # CASE: wait until router has judged it and sla set its limits
    wait_sql "select count(*) > 0 from shouwen.events where type='case.routed' and case_id='$1'" t 20 ||
        fail "routed $1"
    sleep 0.3
}

# what a check-in and a repair reply must tell the customer at once (R3)
FIXTURE_CHECK_IN="有效身份证件原件（居民身份证、护照或港澳台居民来往内地通行证），每位入住客人均需登记,预订确认号或预订人姓名,押金：信用卡预授权或现金 500 元/间，离店时结清退还,在前台填写并签署入住登记单"
FIXTURE_REPAIR="房号、故障设备及现象,方便维修的时间；如需入房维修，客房部派员陪同"

fixture_hub() {
    FIXTURE_CLOCK=$SHOUWEN_BUILD/itest/$1.clock
    mkdir -p "$(dirname "$FIXTURE_CLOCK")"
    fixture_at "2026-03-01 08:00"
    HUB_CLOCK=file:$FIXTURE_CLOCK itest_hub "$1" "$2"
    local A=fixture_act
    fixture_at "2026-03-01 09:00"
    $A directory load "$SHOUWEN_SOURCE/deploy/directory/hotel.conf" --by gm-01
    $A directory load "$SHOUWEN_SOURCE/deploy/calendar/cn-2026.conf" --kind calendar --by gm-01
    fixture_wait directory.loaded 2

    # Mon 03-02: answered in scope by the front office (R3)
    C_INSCOPE=$(FIXTURE_MATTER="询问入住时间" fixture_case f-01 "2026-03-02 09:00" check_in consultation)
    fixture_routed "$C_INSCOPE"
    fixture_at "2026-03-02 09:10"
    $A reply "$C_INSCOPE" --staff fo-01 --text "下午两点后可办理入住" --checklist "$FIXTURE_CHECK_IN"
    $A resolve "$C_INSCOPE" --staff fo-01 --summary "已告知"
    $A close "$C_INSCOPE" --staff fo-01 --reason "客人满意"

    # Mon 03-02: a room cleaning request transferred on time to housekeeping
    C_ONTIME=$(FIXTURE_MATTER="房间需要打扫" fixture_case f-02 "2026-03-02 10:00" room_cleaning help)
    fixture_routed "$C_ONTIME"
    fixture_at "2026-03-02 10:20"
    $A transfer "$C_ONTIME" --staff fo-01 --to-department housekeeping --reason "客房部负责"
    $A accept "$C_ONTIME" --staff hk-01
    fixture_at "2026-03-02 11:00"
    $A reply "$C_ONTIME" --staff hk-01 --text "已安排打扫"
    $A resolve "$C_ONTIME" --staff hk-01 --summary "打扫完毕"
    $A close "$C_ONTIME" --staff fo-01 --reason "已办结"

    # Mon 03-02 16:00: the overnight transfer, due 17:00, handed over Tue 09:30:
    # 16 h 30 min late on the wall clock, 1 h 30 min of working time
    # (17:00-17:30 Monday, 08:30-09:30 Tuesday)
    C_OVERNIGHT=$(FIXTURE_MATTER="房间空调漏水需要清理" fixture_case f-03 "2026-03-02 16:00" room_cleaning help)
    fixture_routed "$C_OVERNIGHT"
    fixture_at "2026-03-02 17:00"
    fixture_wait sla.breached 1
    fixture_at "2026-03-03 09:30"
    $A transfer "$C_OVERNIGHT" --staff fo-01 --to-department housekeeping --reason "客房部负责"
    $A accept "$C_OVERNIGHT" --staff hk-01
    fixture_at "2026-03-03 10:00"
    $A reply "$C_OVERNIGHT" --staff hk-01 --text "已清理"
    $A resolve "$C_OVERNIGHT" --staff hk-01 --summary "已清理完毕"
    $A close "$C_OVERNIGHT" --staff fo-01 --reason "已办结"

    # Tue 03-03: bounced front office -> housekeeping -> front office (R13),
    # then to the concierge, who takes it
    C_BOUNCE=$(FIXTURE_MATTER="寄存的行李找不到了" fixture_case f-04 "2026-03-03 11:00" room_cleaning help)
    fixture_routed "$C_BOUNCE"
    fixture_at "2026-03-03 11:10"
    $A transfer "$C_BOUNCE" --staff fo-01 --to-department housekeeping --reason "以为是客房问题"
    fixture_at "2026-03-03 11:20"
    $A return "$C_BOUNCE" --staff hk-01 --opinion "行李寄存由礼宾部负责，请前厅部转礼宾部"
    fixture_at "2026-03-03 11:30"
    $A transfer "$C_BOUNCE" --staff fo-01 --to-department concierge --reason "行李寄存"
    $A accept "$C_BOUNCE" --staff cg-head
    fixture_at "2026-03-03 14:30"
    $A reply "$C_BOUNCE" --staff cg-head --text "行李已找到"
    $A resolve "$C_BOUNCE" --staff cg-head --summary "行李已交还客人"
    $A close "$C_BOUNCE" --staff fo-01 --reason "已办结"

    # Wed 03-04: transferred to engineering, forwarded to housekeeping with an
    # opinion (R13), handled; the customer called back (R16) and praises it
    C_FORWARD=$(FIXTURE_MATTER="投诉：浴室有异味" fixture_case f-05 "2026-03-04 09:00" repair complaint)
    fixture_routed "$C_FORWARD"
    fixture_at "2026-03-04 09:20"
    $A transfer "$C_FORWARD" --staff fo-01 --to-department engineering --reason "设备问题"
    fixture_at "2026-03-04 09:40"
    $A forward "$C_FORWARD" --staff en-01 --to-department housekeeping --opinion "经查为清洁问题，转客房部处理"
    $A accept "$C_FORWARD" --staff hk-01
    fixture_at "2026-03-04 10:30"
    $A progress "$C_FORWARD" --staff hk-01 --text "正在处理"
    $A reply "$C_FORWARD" --staff hk-01 --text "已处理" --checklist "$FIXTURE_REPAIR"
    $A resolve "$C_FORWARD" --staff hk-01 --summary "已彻底清洁"
    fixture_at "2026-03-04 15:00"
    $A callback "$C_FORWARD" --staff fo-01 --reached yes --rating 5 --text "客人满意"
    $A close "$C_FORWARD" --staff fo-01 --reason "回访满意"

    # Thu 03-05: the front office's own reply, a working day late (R11)
    C_LATEREPLY=$(FIXTURE_MATTER="办理开具发票" fixture_case f-06 "2026-03-05 09:00" billing business)
    fixture_routed "$C_LATEREPLY"
    fixture_at "2026-03-06 10:00"
    fixture_wait sla.breached 2
    $A reply "$C_LATEREPLY" --staff fo-01 --text "发票已开具"
    $A resolve "$C_LATEREPLY" --staff fo-01 --summary "已开具"
    $A close "$C_LATEREPLY" --staff fo-01 --reason "已办结"

    # Mon 03-09: outside the organisation (R6), closed with guidance
    C_OUTSIDE=$(FIXTURE_MATTER="咨询签证办理" fixture_case f-07 "2026-03-09 09:00" visa consultation)
    fixture_routed "$C_OUTSIDE"
    fixture_at "2026-03-09 09:20"
    $A close "$C_OUTSIDE" --staff fo-01 --reason "已告知办理渠道" \
        --guidance "签证与居留事宜请咨询杭州市公安局出入境管理局（电话 0571-87280600）"

    # Mon 03-09: waiting on the customer, resumed, resolved, reopened
    C_WAIT=$(FIXTURE_MATTER="房间加床" fixture_case f-08 "2026-03-09 10:00" room_cleaning help)
    fixture_routed "$C_WAIT"
    fixture_at "2026-03-09 10:20"
    $A transfer "$C_WAIT" --staff fo-01 --to-department housekeeping --reason "客房部负责"
    $A accept "$C_WAIT" --staff hk-02
    $A wait "$C_WAIT" --staff hk-02 --reason "客人外出，等客人回房"
    fixture_at "2026-03-09 15:00"
    $A resume "$C_WAIT" --staff hk-02 --reason "客人已回房"
    $A reply "$C_WAIT" --staff hk-02 --text "已加床"
    $A resolve "$C_WAIT" --staff hk-02 --summary "已加床"
    fixture_at "2026-03-09 16:00"
    $A reopen "$C_WAIT" --staff hk-02 --reason "客人要求再加一床"
    $A resolve "$C_WAIT" --staff hk-02 --summary "已再加一床"
    $A close "$C_WAIT" --staff fo-01 --reason "已办结"

    # Tue 03-10: a complaint bounced twice between front office and
    # engineering: ownership locked, shirking recorded (R18, V1)
    C_PINGPONG=$(FIXTURE_MATTER="投诉：房间太吵" fixture_case f-09 "2026-03-10 09:00" room_cleaning complaint)
    fixture_routed "$C_PINGPONG"
    for i in 1 2; do
        fixture_at "2026-03-10 09:$((i * 2))0"
        $A transfer "$C_PINGPONG" --staff fo-01 --to-department engineering --reason "第${i}次转交：可能是设备噪音"
        $A return "$C_PINGPONG" --staff en-01 --opinion "第${i}次退回：非设备问题，属客房管理"
    done
    fixture_wait case.coordination 1

    # Wed 03-11: a wedding banquet coordinated by food & beverage (R9)
    C_COORD=$(FIXTURE_MATTER="婚宴预订" fixture_case f-10 "2026-03-11 09:00" wedding_banquet business)
    fixture_routed "$C_COORD"
    fixture_at "2026-03-11 09:30"
    $A coordinate "$C_COORD" --staff fo-01 --to-department food_beverage --assisting front_office,engineering --reason "婚宴协调"

    # Thu 03-12: the front office escalates to its head; a leader's contact (R19)
    C_ESCALATE=$(FIXTURE_MATTER="要求见总经理" fixture_case f-11 "2026-03-12 09:00" parking consultation)
    fixture_routed "$C_ESCALATE"
    fixture_at "2026-03-12 09:10"
    $A escalate "$C_ESCALATE" --staff fo-01 --reason "客人情绪激动"
    "$CLI" contact-leader "$C_ESCALATE" --staff fo-01 --to-staff dgm-01 >/dev/null || fail "contact-leader"
    $A grant-contact "$C_ESCALATE" --staff dgm-01

    # Mon 03-16: a phone complaint nobody acts on climbs the ladder (R8, R15)
    fixture_at "2026-03-16 09:00"
    C_LADDER=$(submit --channel phone --kind complaint --category room_cleaning --request-id f-12 \
        --receiver fo-02 --name 客人f-12 --phone 13800001212 --matter "投诉：房间三天没有打扫")
    fixture_routed "$C_LADDER"
    local n=0 t
    for t in "2026-03-16 10:01" "2026-03-16 17:31" "2026-03-17 09:01" "2026-03-19 09:01" "2026-03-23 09:01"; do
        fixture_at "$t"
        n=$((n + 1))
        wait_sql "select count(*) from shouwen.events where type='case.escalated' and case_id='$C_LADDER'" $n 20 ||
            fail "ladder: escalation $n"
    done

    # Tue 03-24 .. Fri 03-27: the ordinary days, answered in scope by fo-02
    local d k=13
    for d in 24 25 26 27; do
        for t in 09:00 11:00; do
            C_DAY=$(FIXTURE_MATTER="询问早餐时间" fixture_case f-$k "2026-03-$d $t" check_in consultation)
            fixture_routed "$C_DAY"
            $A reply "$C_DAY" --staff fo-01 --text "早餐六点半开始" --checklist "$FIXTURE_CHECK_IN"
            $A resolve "$C_DAY" --staff fo-01 --summary "已告知"
            $A close "$C_DAY" --staff fo-01 --reason "客人满意"
            k=$((k + 1))
        done
    done
    # Mon 03-30 16:00: still open at the end of the month
    C_OPEN=$(FIXTURE_MATTER="房间需要熨衣服" fixture_case f-$k "2026-03-30 16:00" room_cleaning help)
    fixture_routed "$C_OPEN"
    fixture_at "2026-03-31 12:00"
    sleep 1
}
