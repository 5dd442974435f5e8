-- shouwen (首问) migration 010: PostgreSQL parses no ZPL (issue 13).
--
--   record_directory(ev)   directory_entries from the event's own entries
--                          (DirectoryLoaded.entries: the file's nodes as
--                          intake's one ZPL reader, lib/sw_zpl.c, read
--                          them), no longer from a PL/pgSQL parser
--   zpl_entries(text)      dropped: SELECT * FROM shouwen.directory_entries
--                          WHERE directory_position = N gives a version's
--                          entries
--
-- A directory.loaded recorded before intake wrote entries has none: its
-- directory_versions row says so in parse_error and keeps the file in
-- content.

CREATE OR REPLACE FUNCTION shouwen.record_directory(ev shouwen.events) RETURNS void
    LANGUAGE plpgsql AS
$$
DECLARE
    b     jsonb := ev.body;
    raw   bytea;
    txt   text;
    err   text;
BEGIN
    BEGIN
        raw := decode(coalesce(b->>'content', ''), 'hex');
        txt := convert_from(raw, 'UTF8');
    EXCEPTION WHEN OTHERS THEN
        txt := NULL;
        err := 'content: ' || SQLERRM;
    END;
    IF err IS NULL AND jsonb_typeof(b->'entries') IS DISTINCT FROM 'array' THEN
        err := 'no entries: the event was recorded before intake wrote them (migration 010)';
    END IF;
    INSERT INTO shouwen.directory_versions
        (position, event_id, kind, version, content, content_bytes, digest, loaded_by,
         valid_from, parse_error)
    VALUES
        (ev.position, ev.event_id, coalesce(nullif(b->>'kind', ''), 'organisation'),
         nullif(b->>'version', ''), txt, length(raw), nullif(b->>'digest', ''),
         nullif(b->>'loaded_by', ''), ev.occurred_at, err);
    IF jsonb_typeof(b->'entries') = 'array' THEN
        INSERT INTO shouwen.directory_entries (directory_position, line, path, value)
        SELECT ev.position, coalesce((x->>'line')::int, 0), x->>'path',
               CASE WHEN shouwen.json_bool(x->'has_value') THEN coalesce(x->>'value', '') END
          FROM jsonb_array_elements(b->'entries') x
         WHERE jsonb_typeof(x) = 'object' AND coalesce(x->>'path', '') <> '';
    END IF;
END
$$;
COMMENT ON FUNCTION shouwen.record_directory(shouwen.events) IS
    'Projects a directory.loaded event into directory_versions and directory_entries (from the '
    'event''s entries, as intake''s ZPL reader read the file).';

DROP FUNCTION shouwen.zpl_entries(text);
