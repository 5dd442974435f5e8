/*  sw_keyring: who holds a CURVE key (see sw_keyring.h).

    The directory is read whole on each scan: every *.cert file is loaded
    with czmq's zcert_load and its metadata turned into a principal, keyed
    by the Z85 public key.  A lookup rescans first when the directory's
    mtime changed (a file added, deleted or renamed) or the last scan is
    more than 2 s old (a file rewritten in place leaves the directory's
    mtime alone).  A directory that can no longer be read holds no keys:
    the keyring fails closed. */
#include "sw_keyring.h"
#include "sw_alloc.h"

#include <czmq.h>
#include <dirent.h>
#include <sys/stat.h>

#include "sw_log.h"

#define SW_KEYRING_RESCAN_MS 2000
#define SW_KEYRING_SKIPPED   1024 /* room for the list of skipped files in a log line */

/* One principal; principal's strings point into this entry. */
typedef struct {
    sw_principal_t principal; /* what lookups return */
    char key[41];             /* Z85 public key */
    char *id;                 /* branch, staff or daemon id (by role) */
    char *name;               /* the certificate's name, else its file name */
    char *file;               /* the file it came from, for logs */
} s_entry_t;

struct _sw_keyring_t {
    char *dir;             /* the allow-list directory */
    zhashx_t *entries;     /* Z85 key -> s_entry_t, from the last scan */
    struct timespec mtime; /* the directory's mtime at the last scan */
    int64_t scanned_ms;    /* zclock_mono at the last scan */
    bool unreadable;       /* the last scan could not open the directory */
    char *skipped;         /* files skipped by the last logged scan ("" none) */
};

static void s_entry_destroy(void **item)
{
    s_entry_t *entry = *item;
    if (!entry)
        return;
    free(entry->id);
    free(entry->name);
    free(entry->file);
    free(entry);
    *item = NULL;
}

static const char *s_meta(zcert_t *cert, const char *name)
{
    const char *value = zcert_meta(cert, name);
    return value ? value : "";
}

/* The principal a certificate describes; NULL with *why set if its role is
   unknown or its id missing. */
static s_entry_t *s_entry_new(zcert_t *cert, const char *file, const char **why)
{
    const char *role = s_meta(cert, "role"), *id_name = NULL;
    if (!*role && *s_meta(cert, "branch"))
        role = "branch"; /* the old format: a branch id and no role */
    if (streq(role, "branch"))
        id_name = "branch";
    else if (streq(role, "admin"))
        id_name = "staff";
    else if (streq(role, "daemon"))
        id_name = "daemon";
    else {
        *why = *role ? "unknown role" : "no role";
        return NULL;
    }
    const char *id = s_meta(cert, id_name);
    if (!*id) {
        *why = streq(role, "branch")  ? "role branch without a branch id"
               : streq(role, "admin") ? "role admin without a staff id"
                                      : "role daemon without a daemon name";
        return NULL;
    }
    if (streq(role, "daemon") && !streq(id, "intake") && !streq(id, "router") &&
        !streq(id, "sla") && !streq(id, "audit")) {
        *why = "unknown daemon (intake, router, sla or audit)";
        return NULL;
    }
    s_entry_t *entry = (s_entry_t *)zmalloc(sizeof(s_entry_t));
    snprintf(entry->key, sizeof entry->key, "%s", zcert_public_txt(cert));
    entry->id = sw_strdup(id);
    entry->name = sw_strdup(*s_meta(cert, "name") ? s_meta(cert, "name") : file);
    entry->file = sw_strdup(file);
    sw_principal_t *p = &entry->principal;
    p->key = entry->key;
    p->role = streq(role, "branch")  ? "branch"
              : streq(role, "admin") ? "admin"
                                     : "daemon";
    p->branch = streq(p->role, "branch") ? entry->id : "";
    p->staff = streq(p->role, "admin") ? entry->id : "";
    p->daemon = streq(p->role, "daemon") ? entry->id : "";
    p->name = entry->name;
    return entry;
}

/* The certificate files of dir (*.cert, and *.cert_secret to warn about),
   sorted (a duplicate key keeps the first file by name); NULL if dir cannot
   be read. */
static zlistx_t *s_cert_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    zlistx_t *files = zlistx_new();
    zlistx_set_destructor(files, (zlistx_destructor_fn *)zstr_free);
    zlistx_set_comparator(files, (zlistx_comparator_fn *)strcmp);
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        size_t len = strlen(ent->d_name);
        if (ent->d_name[0] == '.')
            continue;
        if ((len > 5 && streq(ent->d_name + len - 5, ".cert")) ||
            (len > 12 && streq(ent->d_name + len - 12, ".cert_secret")))
            zlistx_add_end(files, sw_strdup(ent->d_name));
    }
    closedir(d);
    zlistx_sort(files);
    return files;
}

static void s_note_skip(char *skipped, const char *file, const char *why)
{
    size_t used = strlen(skipped);
    if (used < SW_KEYRING_SKIPPED)
        snprintf(skipped + used, SW_KEYRING_SKIPPED - used, "%s%s (%s)", used ? ", " : "",
                 file, why);
}

/* Reads the directory into a new table of entries. */
static void s_scan(sw_keyring_t *self)
{
    struct stat st;
    bool stat_ok = stat(self->dir, &st) == 0;
    zlistx_t *files = stat_ok ? s_cert_files(self->dir) : NULL;
    self->scanned_ms = zclock_mono();
    zhashx_purge(self->entries);
    if (!files) {
        if (!self->unreadable)
            sw_error("keys: cannot read %s (%s): no key is admitted until it can",
                     self->dir, strerror(errno));
        self->unreadable = true;
        memset(&self->mtime, 0, sizeof self->mtime);
        return;
    }
    self->unreadable = false;
    self->mtime = st.st_mtim;
    char skipped[SW_KEYRING_SKIPPED + 1] = "";
    int nskipped = 0;
    for (char *file = zlistx_first(files); file; file = zlistx_next(files)) {
        if (strlen(file) > 12 && streq(file + strlen(file) - 12, ".cert_secret")) {
            /* zcert_load reads NAME.cert_secret instead of NAME.cert when
               it exists: a stale secret file would override the public one */
            s_note_skip(skipped, file, "a secret key: it belongs with its owner");
            nskipped++;
            continue;
        }
        char *path = zsys_sprintf("%s/%s", self->dir, file);
        zcert_t *cert = zcert_load(path);
        const char *why = "not a certificate";
        s_entry_t *entry = cert ? s_entry_new(cert, file, &why) : NULL;
        s_entry_t *first = entry ? zhashx_lookup(self->entries, entry->key) : NULL;
        if (first) {
            why = "same key as an earlier file";
            s_entry_destroy((void **)&entry);
        }
        if (entry)
            zhashx_insert(self->entries, entry->key, entry);
        else {
            s_note_skip(skipped, file, why);
            nskipped++;
        }
        zcert_destroy(&cert);
        zstr_free(&path);
    }
    zlistx_destroy(&files);
    /* A skipped file is logged when the scan first finds it, not on every
       rescan (lookups rescan every 2 s while traffic lasts). */
    if (!streq(skipped, self->skipped)) {
        if (nskipped)
            sw_warn("keys: %d certificate%s in %s skipped: %s", nskipped,
                    nskipped == 1 ? "" : "s", self->dir, skipped);
        free(self->skipped);
        self->skipped = sw_strdup(skipped);
    }
}

sw_keyring_t *sw_keyring_new(const char *dir)
{
    assert(dir);
    DIR *d = opendir(dir);
    if (!d) {
        sw_error("keys: cannot read the directory %s: %s", dir, strerror(errno));
        return NULL;
    }
    closedir(d);
    sw_keyring_t *self = (sw_keyring_t *)zmalloc(sizeof(sw_keyring_t));
    self->dir = sw_strdup(dir);
    self->entries = zhashx_new();
    zhashx_set_destructor(self->entries, s_entry_destroy);
    self->skipped = sw_strdup("");
    s_scan(self);
    return self;
}

void sw_keyring_destroy(sw_keyring_t **self_p)
{
    assert(self_p);
    sw_keyring_t *self = *self_p;
    if (!self)
        return;
    zhashx_destroy(&self->entries);
    free(self->skipped);
    free(self->dir);
    free(self);
    *self_p = NULL;
}

/* Rescans when the directory changed or the last scan is too old. */
static void s_refresh(sw_keyring_t *self)
{
    struct stat st;
    bool same = !self->unreadable && stat(self->dir, &st) == 0 &&
                st.st_mtim.tv_sec == self->mtime.tv_sec &&
                st.st_mtim.tv_nsec == self->mtime.tv_nsec;
    if (!same || zclock_mono() - self->scanned_ms > SW_KEYRING_RESCAN_MS)
        s_scan(self);
}

const sw_principal_t *sw_keyring_lookup(sw_keyring_t *self, const char *key_z85)
{
    assert(self);
    if (!key_z85 || strlen(key_z85) != 40)
        return NULL;
    s_refresh(self);
    s_entry_t *entry = zhashx_lookup(self->entries, key_z85);
    return entry ? &entry->principal : NULL;
}

size_t sw_keyring_rescan(sw_keyring_t *self)
{
    assert(self);
    s_scan(self);
    return zhashx_size(self->entries);
}

size_t sw_keyring_size(sw_keyring_t *self)
{
    assert(self);
    return zhashx_size(self->entries);
}

const char *sw_keyring_dir(sw_keyring_t *self)
{
    assert(self);
    return self->dir;
}
