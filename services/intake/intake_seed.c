/*  intake_seed: an empty log's first organisation and calendar, from the
    files the hub was installed with (hub/directory, hub/calendar).  See
    intake_server_int.h. */
#include "intake_server_int.h"
#include "sw_alloc.h"

#include <sodium.h>

#include "sw_config.h"
#include "sw_log.h"

#define S_MAX_SEED (1 << 20) /* largest file, as for a load (intake_validate.c) */

static const char *const s_kind[2] = {"organisation", "calendar"};
static const char *const s_key[2] = {"hub/directory", "hub/calendar"};

static void s_load(const char *path, const char *kind, zchunk_t *text,
                   Shouwen__V1__DirectoryLoad *load)
{
    load->kind = (char *)kind;
    load->content.data = zchunk_data(text);
    load->content.len = zchunk_size(text);
    load->file_name = (char *)path;
}

int intake_seed_init(intake_server_t *self, zconfig_t *cfg)
{
    for (int k = 0; k < 2; k++) {
        const char *path = sw_config_str(cfg, s_key[k], NULL);
        if (!path || !*path)
            continue;
        zfile_t *file = zfile_new(NULL, path);
        ssize_t size = file ? zfile_cursize(file) : -1;
        zfile_destroy(&file);
        if (size < 0 || size > S_MAX_SEED) {
            sw_error("config %s: %s %s", s_key[k], path,
                     size < 0 ? "cannot be read" : "is larger than 1 MiB");
            return -1;
        }
        zchunk_t *text = zchunk_slurp(path, S_MAX_SEED);
        if (!text) {
            sw_error("config %s: %s cannot be read", s_key[k], path);
            return -1;
        }
        Shouwen__V1__DirectoryLoad load = SHOUWEN__V1__DIRECTORY_LOAD__INIT;
        s_load(path, s_kind[k], text, &load);
        char version[128];
        char *error = intake_parse_load(&load, version, sizeof version);
        if (error) {
            sw_error("config %s: %s", s_key[k], error);
            free(error);
            zchunk_destroy(&text);
            return -1;
        }
        self->seed[k] = text;
        self->seed_file[k] = sw_strdup(path);
    }
    return 0;
}

void intake_seed_propose(intake_server_t *self)
{
    for (int k = 0; k < 2; k++) {
        if (self->in_force[k].position) {
            if (self->seed[k])
                sw_info("%s in force from the log (position %" PRIu64 "); %s is not read "
                        "again",
                        s_kind[k], self->in_force[k].position, self->seed_file[k]);
            continue;
        }
        if (!self->seed[k]) {
            sw_warn("the log holds no %s and %s names no file: inquiries wait until an "
                    "administrator loads one ('shouwen directory load FILE --kind %s')",
                    s_kind[k], s_key[k], s_kind[k]);
            continue;
        }
        Shouwen__V1__DirectoryLoad load = SHOUWEN__V1__DIRECTORY_LOAD__INIT;
        s_load(self->seed_file[k], s_kind[k], self->seed[k], &load);
        char version[128];
        char *error = intake_parse_load(&load, version, sizeof version);
        free(error); /* checked at start */
        /* one event id per kind and content: a restart before the commit
           proposes the same event, which audit records once */
        uint8_t digest[32];
        crypto_generichash(digest, sizeof digest, load.content.data, load.content.len,
                           NULL, 0);
        char name[32 + 2 * sizeof digest + 1]; /* "seed/organisation/" and hex */
        int len = snprintf(name, sizeof name, "seed/%s/", s_kind[k]);
        sodium_bin2hex(name + len, sizeof name - (size_t)len, digest, sizeof digest);
        uint8_t event_id[SW_EVENTID_SIZE];
        sw_eventid_make(event_id, "intake", name, strlen(name));
        char key[33];
        sodium_bin2hex(key, sizeof key, event_id, SW_EVENTID_SIZE);
        if (zhashx_lookup(self->requests, key))
            continue; /* proposed already, waiting for its commit */
        intake_request_t *r = intake_request_new(event_id);
        r->kind = S_DIRECTORY;
        memcpy(r->digest, digest, S_DIGEST);
        zhashx_insert(self->requests, r->key, r); /* frees it if deleted */
        if (intake_propose_directory(self, r, "", &load, version) != 0) {
            sw_error("the %s from %s could not be proposed", s_kind[k],
                     self->seed_file[k]);
            zhashx_delete(self->requests, key);
            continue;
        }
        zhashx_insert(self->uncommitted, r->key, r);
        sw_info("the log holds no %s: proposed %s (version %s) as its first", s_kind[k],
                self->seed_file[k], version);
    }
}

bool intake_seed_ready(intake_server_t *self)
{
    return self->in_force[0].position && self->in_force[1].position;
}

void intake_seed_destroy(intake_server_t *self)
{
    for (int k = 0; k < 2; k++) {
        zchunk_destroy(&self->seed[k]);
        free(self->seed_file[k]);
        self->seed_file[k] = NULL;
    }
}
