/*  zpl_entries FILE: the file's nodes as intake puts them in a
    directory.loaded body (DirectoryLoaded.entries, lib/sw_zpl_entries.c),
    printed as that body's JSON array, for the SQL tests and bench/views.sh
    that write directory.loaded events by hand.  Exit 1 when the file is
    not ZPL. */
#include "sw_envelope.h"
#include "sw_json.h"
#include "sw_zpl_entries.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: zpl_entries FILE\n");
        return 64;
    }
    zchunk_t *text = zchunk_slurp(argv[1], 0);
    if (!text) {
        fprintf(stderr, "zpl_entries: cannot read %s\n", argv[1]);
        return 1;
    }
    Shouwen__V1__DirectoryLoaded body = SHOUWEN__V1__DIRECTORY_LOADED__INIT;
    body.entries = sw_zpl_entries_message((const char *)zchunk_data(text),
                                          zchunk_size(text), &body.n_entries);
    int rc = body.entries ? 0 : 1;
    if (rc != 0)
        fprintf(stderr, "zpl_entries: %s is not ZPL\n", argv[1]);
    else {
        sw_json_t *json = sw_json_new();
        sw_json_message(json, &body.base);
        const char *all = sw_json_text(json); /* {"entries":[...]} */
        const char *array = strchr(all, '[');
        printf("%.*s\n", array ? (int)(strlen(array) - 1) : 2, array ? array : "[]");
        sw_json_destroy(&json);
    }
    sw_zpl_entries_free(&body.entries, body.n_entries);
    zchunk_destroy(&text);
    return rc == 0 ? 0 : 1;
}
