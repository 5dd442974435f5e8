/*  intake_access: who may do what at the branch door (docs/security.md).

    A branch acts only for its own staff and reads only the cases it had a
    part in.  intake_access keeps what that takes, built from the committed
    log like everything intake knows: the organisation in force (which
    branch office each staff member works at, which departments each
    branch serves) and, for every case, the branch offices with a part in
    it — the branch it was submitted at, the branches of every staff member
    who received, held, handled, signed for or was escalated it, and the
    branches of every department that held it or took part.  Only open
    cases are kept; a closed one is read from the log when asked about
    (intake_access_rebuild, issue 10).  The parties
    of an event are placed with the organisation in force when it
    committed, so a later move of a person does not rewrite who saw what. */
#ifndef INTAKE_ACCESS_H
#define INTAKE_ACCESS_H

#include <stdbool.h>
#include <stddef.h>

#include "sw_directory.h"
#include "sw_envelope.h"
#include "sw_snapshot.h"

typedef struct _intake_access_t intake_access_t;

intake_access_t *intake_access_new(void);
void intake_access_destroy(intake_access_t **self_p);

/* The organisation now in force; takes *dir_p (NULL keeps nothing). */
void intake_access_set_directory(intake_access_t *self, sw_directory_t **dir_p);
/* The organisation in force, or NULL before any. Borrowed. */
sw_directory_t *intake_access_directory(intake_access_t *self);

/* A committed event: opens a case or adds parties to one. */
void intake_access_note(intake_access_t *self, const sw_envelope_t *env);

/* A case open, or closed and read from the log again (the last 4096 of
   those are kept): closed cases leave memory (issue 10). */
bool intake_access_case_exists(intake_access_t *self, const char *case_id);
bool intake_access_case_open(intake_access_t *self, const char *case_id);
/* A case not in memory from its events, in log order (other cases'
   skipped): false if they hold no inquiry.received of it. */
bool intake_access_rebuild(intake_access_t *self, const char *case_id, size_t n,
                           sw_envelope_t **envs);
/* The open cases' parties into a snapshot, and back (false: bad). */
void intake_access_save(intake_access_t *self, sw_snapshot_t *snap);
bool intake_access_load(intake_access_t *self, sw_snapshot_t *snap);
size_t intake_access_case_count(intake_access_t *self);

/* The branch office the organisation in force places a staff member at;
   NULL for an unknown staff member or one placed at no branch. */
const char *intake_access_staff_branch(intake_access_t *self, const char *staff);

/* True if the branch had a part in the case (see above). */
bool intake_access_may_read(intake_access_t *self, const char *branch,
                            const char *case_id);

#endif
