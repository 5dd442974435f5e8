/*  sw_directory_int: what the three files of sw_directory share, and no
    other module: the directory's struct and its entries.
    sw_directory_load.c builds it from ZPL (sections into tables),
    sw_directory_check.c checks its references and derives what the file
    leaves implicit, sw_directory.c answers the lookups of sw_directory.h.
    Strings are borrowed from the zconfig tree, which lives as long as the
    directory. */
#ifndef SW_DIRECTORY_INT_H
#define SW_DIRECTORY_INT_H

#include <czmq.h>

#include "sw_directory.h"
#include "sw_zpl.h"

#define SW_DIR_CHANNELS 6 /* window channels */

/* Roles the structure of the directory implies (see sw_directory_has_role). */
enum {
    SW_DIR_ROLE_HEAD = 1,
    SW_DIR_ROLE_LEADER = 2,
    SW_DIR_ROLE_DEPUTY_GM = 4,
    SW_DIR_ROLE_GM = 8,
    SW_DIR_ROLE_CRS = 16,
};

/* Entries of one kind in file order, indexed by id. */
typedef struct {
    void **items;     /* the entries */
    const char **ids; /* their ids, borrowed from the tree */
    size_t count;     /* entries used */
    size_t size;      /* entries allocated */
    zhashx_t *index;  /* id -> entry */
} sw_dir_table_t;

/* A department (部门 or window 窗口). */
typedef struct {
    const char *id;        /* "front_office" */
    zconfig_t *node;       /* its node in the tree */
    const char *name;      /* "前厅部" */
    const char *location;  /* where the customer finds it (R5) */
    const char *phone;     /* its phone (R5) */
    const char *head;      /* staff id of the head (负责人) */
    const char *leader;    /* supervising leader (分管领导), inherited */
    const char *parent;    /* department id */
    const char *deputy_gm; /* deputy GM above it, inherited */
    const char *branch;    /* branch office it works at (and serves), inherited */
} sw_dir_department_t;

/* A branch office (网点): where staff work and a shouwen-branch runs. */
typedef struct {
    const char *id;   /* "town-centre" */
    zconfig_t *node;  /* its node in the tree */
    const char *name; /* "青山镇便民服务中心" */
} sw_dir_branch_t;

/* A staff member. */
typedef struct {
    const char *id;                 /* "fo-01" */
    zconfig_t *node;                /* its node in the tree */
    const char *name;               /* "王芳" */
    const char *department;         /* department id */
    const char *contact;            /* phone or other contact */
    const char *designee;           /* takes over hand-overs while away */
    const char *branch;             /* branch office, else the department's */
    const char *roles_text;         /* roles as written */
    const char *channels_text;      /* channels as written */
    sw_zpl_list_t roles;            /* role ids */
    sw_zpl_list_t channels;         /* window channels on whose roster they are */
    unsigned implied;               /* SW_DIR_ROLE_* bits the structure gives them */
    int contact_private;            /* -1 not given, 0 or 1 */
    sw_availability_t availability; /* on post, away or on a trip */
} sw_dir_staff_t;

/* R25: a tiered customer (金/银/铜牌客户) and its account manager (客户经理). */
typedef struct {
    const char *id;      /* "huali-group" */
    zconfig_t *node;     /* its node in the tree */
    const char *name;    /* "浙江华立集团" */
    const char *tier;    /* "gold", "silver" or "bronze" */
    const char *unit;    /* matched against the inquiry's customer unit */
    const char *phone;   /* comma list, matched by digits against the customer phone */
    const char *manager; /* staff id of the account manager */
} sw_dir_customer_t;

/* A category: scoped (handled inside) or outside the organisation. */
typedef struct {
    const char *id;            /* "room_booking" */
    const char *name;          /* "客房预订", what a clerk reads; NULL: the id */
    zconfig_t *node;           /* scope/<id> or outside/<id> */
    sw_zpl_list_t departments; /* handling departments; items[0] alone when single */
    const char *lead;          /* lead department (主办部门) */
    const char *handler;       /* optional person in the lead department */
    bool ordered;              /* R9: the order of departments is known */
    const char *guidance;      /* R6 guidance when outside, else NULL */
    const char **checklist;    /* R3 one-time-notification items */
    size_t checklist_count;    /* entries in checklist */
} sw_dir_category_t;

struct _sw_directory_t {
    zconfig_t *root;                   /* the parsed file; the strings point into it */
    const char *version;               /* directory/version */
    const char *organisation;          /* directory/organisation */
    const char *default_leader;        /* decides when nothing else names a leader */
    const char *gm;                    /* general manager, top of the ladder */
    const char *qa_office;             /* department id of the QA office */
    const char *crs;                   /* customer-relations supervisor (R18) */
    int max_hops;                      /* R18 */
    int max_bounces;                   /* R18 */
    sw_dir_table_t departments;        /* sw_dir_department_t */
    sw_dir_table_t staff;              /* sw_dir_staff_t */
    sw_dir_table_t categories;         /* sw_dir_category_t */
    sw_dir_table_t branches;           /* sw_dir_branch_t */
    sw_dir_table_t customers;          /* sw_dir_customer_t (R25) */
    const char *branch;                /* directory/branch: default branch office */
    const char *duty[SW_DIR_CHANNELS]; /* duty/<channel>, by sw_dir_channel_name index */
    const char **phrases;              /* R24 forbidden phrases */
    size_t phrase_count;               /* entries in phrases */
};

/* ------------------------------------------------ sw_directory.c */

/* The entry of the table with this id (may be NULL), or NULL. */
void *sw_dir_table_get(sw_dir_table_t *table, const char *id);
/* The window channel called name as an index 0..SW_DIR_CHANNELS-1, or -1. */
int sw_dir_channel_index(const char *name);
/* The name of window channel index ("hotline"). */
const char *sw_dir_channel_name(int index);

/* ------------------------------------------------ sw_directory_check.c */

/* Check every reference of a loaded directory, then derive what the file
   leaves implicit (inherited leaders and branches, implied roles, private
   contacts, the directory section's defaults); 0 or -1 (error recorded). */
int sw_dir_check(sw_zpl_t *zpl, sw_directory_t *self);

#endif
