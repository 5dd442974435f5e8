#!/usr/bin/env bash
# Issue 14, acceptance 2: an auditor's own login, made as docs/operations.md
# says (its ```sql block under "Auditor logins", run as postgres), connects
# over TCP with its password, reads the log, and can change nothing.
source "$(dirname "$0")/sqllib.sh"
sqllib_cluster auditor_login 32450 32499
sqllib_migrate
DOC=$SRC/docs/operations.md
block=$(awk '/^### Auditor logins/ { on = 1 } on && /^```sql$/ { inside = 1; next }
             inside && /^```$/ { exit } inside { print }' "$DOC")
[[ "$block" == *"IN ROLE shouwen_auditor"* ]] && check "operations.md: the login's statements" found found ||
    check "operations.md: the login's statements" found "missing"
grep -Eq '^host +shouwen +\+shouwen_auditor +127\.0\.0\.1/32 +scram-sha-256' "$DOC" &&
    check "operations.md: the pg_hba line" found found || check "operations.md: the pg_hba line" found missing
secret=$(sed -n "s/.*PASSWORD '\([^']*\)'.*/\1/p" <<<"$block")
check "the login is created as documented" "" "$(sql postgres <<<"$block" | grep -v '^$')"
port=$(cat "$D/port")
tcp() { # PASSWORD SQL: as audit_wang over TCP on loopback
    PGPASSWORD=$1 PGCONNECT_TIMEOUT=10 psql \
        -X -q -A -t -v ON_ERROR_STOP=1 "host=127.0.0.1 port=$port dbname=$DB user=audit_wang" -c "$2" 2>&1
}
check "over TCP with the password: who, read-only, search_path" "audit_wang|on|true" \
    "$(tcp "$secret" "select current_user||'|'||current_setting('default_transaction_read_only')||'|'||
                          pg_has_role('audit_wang', 'shouwen_auditor', 'member')")"
check "the auditor reads the log" "t" "$(tcp "$secret" "select ok from verify_chain()")"
check "the auditor's session is in the organisation's zone" "Asia/Shanghai" \
    "$(tcp "$secret" "show timezone")"
check "a month begins at Beijing midnight, as sla's month (16:30 UTC on 28 Feb is March)" \
    "2026-03-01 00:00:00+08" \
    "$(tcp "$secret" "select date_trunc('month', timestamptz '2026-02-28 16:30:00+00')")"
out=$(tcp "$secret" "set default_transaction_read_only = off; select shouwen.append_batch('[]'::jsonb)")
[[ "$out" == *"permission denied"* ]] && check "the auditor cannot write" refused refused ||
    check "the auditor cannot write" refused "$out"
out=$(tcp "wrong password" "select 1")
[[ "$out" == *"password authentication failed"* ]] && check "a wrong password is refused" refused refused ||
    check "a wrong password is refused" refused "$out"
check "statements of the login are logged (log_statement = all)" "all" \
    "$(tcp "$secret" "show log_statement")"
sqllib_done
