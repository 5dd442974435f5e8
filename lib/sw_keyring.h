/*  sw_keyring: who holds a CURVE key, read from a directory of czmq
    certificates (an allow-list).

    Each principal is a zcert file whose public half says who it is:
        role = "branch"  + branch = "<branch id>"   a branch office
        role = "admin"   + staff  = "<staff id>"    an administrator
        role = "daemon"  + daemon = "intake"|"router"|"sla"|"audit"
        name = "..."                                 always, for logs
    A cert with a branch id and no role (the old `shouwen keygen NAME
    --branch ID`) is a branch.  Only the public files (*.cert) are read;
    keys are added and revoked by copying a file in or deleting it. */
#ifndef SW_KEYRING_H
#define SW_KEYRING_H

#include <stddef.h>

typedef struct _sw_keyring_t sw_keyring_t;

typedef struct {
    const char *key;    /* public key, Z85 text (40 chars) */
    const char *role;   /* "branch", "admin", "daemon" */
    const char *branch; /* role branch: its branch id, else "" */
    const char *staff;  /* role admin: the administrator's staff id, else "" */
    const char *daemon; /* role daemon: intake, router, sla or audit, else "" */
    const char *name;   /* the certificate's name, for logs */
} sw_principal_t;

/* Reads dir now; NULL (logged) if dir cannot be read. */
sw_keyring_t *sw_keyring_new(const char *dir);
void sw_keyring_destroy(sw_keyring_t **self_p);

/* The principal of a public key (Z85), NULL if the key is not (or no
   longer) in the directory.  Rescans the directory when it changed
   (directory mtime differs, or more than 2 s since the last scan), so a
   deleted file is refused at the next lookup.  The result is borrowed and
   valid until the next call. */
const sw_principal_t *sw_keyring_lookup(sw_keyring_t *self, const char *key_z85);

/* Reads the directory now (SIGHUP); the principals it admits. */
size_t sw_keyring_rescan(sw_keyring_t *self);
/* Principals admitted by the last scan. */
size_t sw_keyring_size(sw_keyring_t *self);
const char *sw_keyring_dir(sw_keyring_t *self);

#endif
