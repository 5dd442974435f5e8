/*  intake_verbs: what a branch's submit, staff action, directory load and
    case query become: checked against who the key speaks for (a branch
    only for its own staff), recorded as a proposal to audit or answered
    from what intake already knows; a case's timeline is asked of audit's
    replay. */
#include "intake_server_int.h"
#include "sw_alloc.h"
#include <sodium.h>
#include "intake_access.h"
#include "intake_cases.h"
#include "intake_watch.h"
#include "intake_validate.h"
#include "sw_config.h"
#include "sw_directory.h"
#include "sw_eventid.h"
#include "sw_follower.h"
#include "sw_hub.h"
#include "sw_keyring.h"
#include "sw_log.h"
#include "sw_producer.h"
#include "sw_zap.h"
#include "sw_zwatch.h"

/* ------------------------------------------------------ who may do what */

/* A staff member or department (dept) of the organisation in force, and,
   when confined, placed at the asking branch: RETRY before any organisation
   is in force, else refused with UNKNOWN_STAFF / UNKNOWN_DEPARTMENT, then
   STAFF_NOT_AT_BRANCH / NOT_AUTHORIZED. */
bool intake_placed_here(intake_server_t *self, const intake_asker_t *a, bool dept,
                        const char *id, bool confined)
{
    sw_directory_t *dir = intake_access_directory(self->access);
    char message[200];
    if (!dir && !sw_follower_is_live(self->follower)) {
        intake_retry(self, a, "HUB_NOT_READY",
                     "the hub is catching up with its log; send the same request again");
        return false;
    }
    if (!dir) {
        intake_retry(
            self, a, INTAKE_NO_DIRECTORY,
            "no organisation is in force yet (intake seeds it from hub/directory, "
            "or an administrator loads one)");
        return false;
    }
    if (dept ? !sw_directory_department_exists(dir, id)
             : !sw_directory_staff_exists(dir, id)) {
        snprintf(message, sizeof message, "%s is not %s of %s", id,
                 dept ? "a department" : "staff", sw_directory_organisation(dir));
        intake_reject(self, a, dept ? "UNKNOWN_DEPARTMENT" : "UNKNOWN_STAFF", message);
        return false;
    }
    const char *at = dept ? sw_directory_department(dir, id, "branch")
                          : intake_access_staff_branch(self->access, id);
    if (confined && (!at || !streq(at, a->origin))) {
        snprintf(message, sizeof message, "%s works at %s, not at branch %s", id,
                 at ? at : "no branch", a->origin);
        intake_reject(self, a, dept ? INTAKE_NOT_AUTHORIZED : INTAKE_STAFF_NOT_AT_BRANCH,
                      message);
        return false;
    }
    return true;
}

/* The branch staff member acts for: the directory must place them at the
   asking branch (the branch vouches for who its staff are). */
bool intake_staff_here(intake_server_t *self, const intake_asker_t *a, const char *staff)
{
    return intake_placed_here(self, a, false, staff, true);
}

/* When the customer asked: no later than a little ahead of the hub's
   clock, no older than intake/max_received_age_s. */
static bool s_received_plausible(intake_server_t *self, const intake_asker_t *a,
                                 int64_t received_at_us)
{
    if (received_at_us == 0)
        return true;
    int64_t now = sw_clock_now_us(self->clock);
    if (received_at_us > now + self->max_ahead_us) {
        intake_reject(self, a, INTAKE_BAD_TIME,
                      "received_at_us lies in the future: check the branch's clock");
        return false;
    }
    if (received_at_us < now - self->max_age_us) {
        intake_reject(self, a, INTAKE_BAD_TIME,
                      "received_at_us is older than this hub accepts "
                      "(intake/max_received_age_s)");
        return false;
    }
    return true;
}

/* -------------------------------------------------------------- verbs */

void intake_submit(intake_server_t *self, intake_asker_t *a,
                   Shouwen__V1__BranchRequest *req)
{
    Shouwen__V1__InquirySubmit *s = req->submit;
    intake_rejection_t why;
    if (intake_validate_submit(s, &why) != 0) {
        intake_reject(self, a, why.code, why.message);
        return;
    }
    if (!intake_staff_here(self, a, s->receiver_staff_id) ||
        !s_received_plausible(self, a, s->received_at_us))
        return;
    if (*s->linked_case_id &&
        !intake_access_case_exists(self->access, s->linked_case_id)) {
        if (!a->case_loaded) { /* closed cases are read from the log */
            intake_park(self, a, s->linked_case_id, NULL);
            return;
        }
        intake_reject(self, a, INTAKE_UNKNOWN_CASE,
                      "the linked case is not known to this hub");
        return;
    }
    /* the digest covers what the customer said, not when the command ran,
       so running the same command again is still the same request; the
       log records when the customer asked */
    Shouwen__V1__InquirySubmit said = *s;
    said.received_at_us = 0;
    intake_what_t what = {.kind = S_INQUIRY, .digested = &said.base, .submit = s};
    intake_record(self, a, &what);
}

void intake_command(intake_server_t *self, intake_asker_t *a,
                    Shouwen__V1__BranchRequest *req)
{
    intake_rejection_t why;
    if (intake_validate_command(req->command, &why) != 0)
        intake_reject(self, a, why.code, why.message);
    else if (!intake_access_case_exists(self->access, req->command->case_id) &&
             !a->case_loaded)
        intake_park(self, a, req->command->case_id, NULL); /* closed: from the log */
    else if (!intake_access_case_exists(self->access, req->command->case_id))
        intake_reject(self, a, INTAKE_UNKNOWN_CASE, "no such case in the log");
    else if (intake_staff_here(self, a, req->command->staff_id)) {
        intake_what_t what = {
            .kind = S_COMMAND, .digested = &req->command->base, .command = req->command};
        intake_record(self, a, &what);
    }
}

int intake_kind_index(const char *kind)
{
    return streq(kind, "organisation") ? 0 : 1;
}

/* The organisation or calendar file is parsed here with the parser router
   or sla uses, so a bad one is refused with its line and reason before it
   reaches the log. */
char *intake_parse_load(const Shouwen__V1__DirectoryLoad *load, char *version,
                        size_t version_size)
{
    char *error = NULL;
    const char *file = *load->file_name ? load->file_name : "file";
    if (streq(load->kind, "organisation")) {
        sw_directory_t *dir = sw_directory_new_from_text((const char *)load->content.data,
                                                         load->content.len, &error);
        if (dir)
            snprintf(version, version_size, "%s", sw_directory_version(dir));
        sw_directory_destroy(&dir);
        if (error) {
            size_t size = strlen(file) + strlen(error) + 3;
            char *message = sw_malloc(size); /* never NULL: a refusal stays one */
            snprintf(message, size, "%s: %s", file, error);
            free(error);
            return message;
        }
        return NULL;
    }
    if (intake_validate_calendar((const char *)load->content.data, load->content.len,
                                 file, version, version_size, &error) != 0)
        return error;
    return NULL;
}

void intake_directory_load(intake_server_t *self, intake_asker_t *a,
                           Shouwen__V1__BranchRequest *req)
{
    intake_rejection_t why;
    Shouwen__V1__DirectoryLoad *load = req->directory_load;
    if (intake_validate_directory_load(load, &why) != 0) {
        intake_reject(self, a, why.code, why.message);
        return;
    }
    /* who loads is the key's administrator; --by may only say so again */
    if (*load->loaded_by && !streq(load->loaded_by, a->who->staff)) {
        intake_reject(self, a, INTAKE_NOT_AUTHORIZED,
                      "loaded_by must be the administrator whose key sends the load");
        return;
    }
    char version[128] = "";
    char *error = intake_parse_load(load, version, sizeof version);
    if (error) {
        char message[sizeof why.message];
        snprintf(message, sizeof message, "%s", error);
        zstr_free(&error);
        intake_reject(self, a, INTAKE_BAD_DIRECTORY, message);
        return;
    }
    /* the file in force already: answer with it (a second `scripts/hub up`,
       a load repeated after a restart); A -> B -> A records A again */
    uint8_t digest[32];
    crypto_generichash(digest, sizeof digest, load->content.data, load->content.len, NULL,
                       0);
    intake_in_force_t *f = &self->in_force[intake_kind_index(load->kind)];
    if (f->position && memcmp(f->digest, digest, sizeof digest) == 0 &&
        !intake_lookup(self, a)) {
        Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
        reply.request_id = (char *)a->request_id;
        reply.status = SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK;
        reply.position = f->position;
        reply.message = (char *)"already in force";
        self->stats.ok++;
        intake_send(self, a->routing_id, a->delimiter, &reply);
        return;
    }
    intake_what_t what = {
        .kind = S_DIRECTORY, .digested = &load->base, .load = load, .version = version};
    intake_record(self, a, &what);
}

/* A case's timeline comes from audit's replay, filtered by case; a branch
   reads only cases it had a part in (intake_access.h). */
void intake_case_query(intake_server_t *self, intake_asker_t *a,
                       Shouwen__V1__BranchRequest *req)
{
    const char *case_id = req->case_query->case_id;
    if (case_id && *case_id && !a->case_loaded &&
        !intake_access_case_exists(self->access, case_id)) {
        intake_park(self, a, case_id, NULL); /* a closed case: from the log */
        return;
    }
    if (!case_id || !intake_access_case_exists(self->access, case_id)) {
        intake_reject(self, a, INTAKE_UNKNOWN_CASE, "no such case in the log");
        return;
    }
    if (streq(a->who->role, "branch") &&
        !intake_access_may_read(self->access, a->origin, case_id)) {
        intake_reject(self, a, INTAKE_NOT_AUTHORIZED,
                      "this branch had no part in that case: its staff neither received, "
                      "held nor handled it, and none of its departments did");
        return;
    }
    intake_query_t *q = (intake_query_t *)zmalloc(sizeof(intake_query_t));
    q->tag = ++self->next_tag;
    intake_waiter_init(self, &q->w, a);
    zlistx_add_end(self->queries, q);
    Shouwen__V1__ReplayRequest rr = SHOUWEN__V1__REPLAY_REQUEST__INIT;
    rr.from_position = 1;
    rr.max_events = 5000;
    rr.case_id = (char *)case_id;
    rr.time_zone = req->case_query->time_zone;
    rr.tag = q->tag;
    zframe_t *f = sw_pack_frame(&rr.base);
    zframe_send(&f, self->query, ZFRAME_DONTWAIT);
    zframe_destroy(&f);
}

void intake_on_query_reply(struct ev_loop *loop, sw_zwatch_t *w, int revents, void *arg)
{
    intake_server_t *self = (intake_server_t *)arg;
    for (int i = 0; i < 16; i++) {
        zframe_t *f = zframe_recv_nowait(self->query);
        if (!f)
            return;
        Shouwen__V1__ReplayReply *rep =
            shouwen__v1__replay_reply__unpack(NULL, zframe_size(f), zframe_data(f));
        zframe_destroy(&f);
        if (!rep)
            continue;
        for (intake_query_t *q = (intake_query_t *)zlistx_first(self->queries); q;
             q = (intake_query_t *)zlistx_next(self->queries)) {
            if (q->tag != rep->tag)
                continue;
            if (q->watch && !*rep->error) {
                zlistx_detach_cur(self->queries);
                intake_on_watch_page(self, q, rep); /* asks the next page or frees q */
                break;
            }
            if ((q->request || q->reload) && !*rep->error) {
                /* out of the list first: handling the request again may park it anew */
                zlistx_detach_cur(self->queries);
                intake_on_case_events(self, q, rep);
                intake_unpark(self, q);
                void *item = q;
                intake_query_free(&item);
                break;
            }
            if (q->reload)
                break; /* the sweep forgets it */
            Shouwen__V1__BranchReply reply = SHOUWEN__V1__BRANCH_REPLY__INIT;
            reply.request_id = q->w.request_id;
            if (*rep->error) {
                reply.status = SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_RETRY;
                reply.code = (char *)"HUB_NOT_READY";
                reply.message = rep->error;
                self->stats.retry++;
            } else {
                reply.status = SHOUWEN__V1__REPLY_STATUS__REPLY_STATUS_OK;
                reply.n_timeline = rep->n_events;
                reply.timeline = rep->events;
                reply.position = rep->head_position;
                self->stats.ok++;
            }
            intake_send(self, q->w.routing_id, q->w.delimiter, &reply);
            zlistx_delete(self->queries, zlistx_cursor(self->queries));
            break;
        }
        shouwen__v1__replay_reply__free_unpacked(rep, NULL);
    }
}
