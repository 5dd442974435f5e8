-- 012: the writer's lease (issue 10).  One shouwen-audit writes the log at a
-- time: at every connection it takes a session-level advisory lock (the
-- lease, key 1398210561, "SW" and 1) and does not append until it holds
-- it; a second audit waits.  The database holds every writer to it at
-- every batch: an append (the log head moving) from a writer's session
-- while another session holds the lease is refused.  The owner, who may
-- alter these tables anyway, is not bound (repairs and tests run as it).

CREATE FUNCTION shouwen.lease_key() RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 1398210561;
COMMENT ON FUNCTION shouwen.lease_key() IS
    'Advisory lock key of the writer''s lease (写入租约): held by the one shouwen-audit that '
    'appends to the log.';

-- The session holding the lease, NULL when nobody does.
CREATE FUNCTION shouwen.lease_holder() RETURNS int
    LANGUAGE sql STABLE
RETURN (SELECT l.pid FROM pg_catalog.pg_locks l
         WHERE l.locktype = 'advisory' AND l.classid = 0
           AND l.objid = shouwen.lease_key()::oid AND l.objsubid = 1 AND l.granted
         LIMIT 1);
COMMENT ON FUNCTION shouwen.lease_holder() IS
    'Backend pid of the session holding the writer''s lease (写入租约持有者), NULL when none: '
    'SELECT shouwen.lease_holder() shows which audit writes the log.';

CREATE FUNCTION shouwen.require_lease() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, shouwen, pg_temp AS
$$
DECLARE
    holder int;
BEGIN
    IF session_user = (SELECT r.rolname FROM pg_roles r
                        JOIN pg_class c ON c.relowner = r.oid
                       WHERE c.oid = TG_RELID) THEN
        RETURN NEW;
    END IF;
    holder := shouwen.lease_holder();
    IF holder IS NOT NULL AND holder <> pg_backend_pid() THEN
        RAISE EXCEPTION 'shouwen: the log''s writer lease is held by another session (pid %); '
                        'one shouwen-audit writes at a time', holder
            USING ERRCODE = 'lock_not_available';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION shouwen.require_lease() IS
    'Trigger on log_head: refuses an append from a writer''s session while another session '
    'holds the writer''s lease (写入租约).';

CREATE TRIGGER log_head_lease BEFORE UPDATE ON shouwen.log_head
    FOR EACH ROW EXECUTE FUNCTION shouwen.require_lease();

REVOKE ALL ON FUNCTION shouwen.lease_key(), shouwen.lease_holder(), shouwen.require_lease()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION shouwen.lease_key(), shouwen.lease_holder()
    TO shouwen_writer, shouwen_auditor;
