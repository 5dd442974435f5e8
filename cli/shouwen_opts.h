/*  shouwen_opts: the CLI's one option parser and the tables it reads.

    Every verb is one row of a table (shouwen_verbs.c): its operands, a
    summary, the rule it carries out, and a table of options, each option
    with its argument, the field of shouwen_args_t it sets and how the text
    is converted, whether it is needed, and its help.  One parser
    (getopt_long over the table) fills shouwen_args_t for every verb, and
    `shouwen --help`, `shouwen help VERB` and the man page's VERBS section
    (`shouwen help --scdoc`) are printed from the same rows.

    Messages are marked for gettext (shouwen_i18n.h): English in the
    source, po/zh_CN.po for Chinese. */
#ifndef SHOUWEN_OPTS_H
#define SHOUWEN_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SHOUWEN_EXIT_USAGE 64 /* EX_USAGE */

/* Values of a repeatable option (watch --staff ...), in order. */
typedef struct {
    char **items;
    size_t n;
} shouwen_list_t;

/* Everything a command line can say; each verb's table names the fields it
   sets.  Strings point into argv. */
typedef struct {
    /* where the hub is: the global options and the environment */
    const char *endpoint, *branch_id, *cert, *server_cert, *admin_cert;
    bool cert_given; /* --cert on the command line */
    bool help, version;
    /* every request's */
    const char *request_id;
    bool json;
    double timeout_s;
    /* the operands (CASE, NAME, load FILE), in order */
    char **operands;
    int n_operands;
    /* submit */
    int channel, request_kind, urgency;
    const char *unit, *name, *phone, *address, *matter, *category, *receiver,
        *named_employee, *linked_case;
    int64_t received_at_us;
    /* staff actions */
    const char *staff, *to_department, *to_staff, *opinion, *text, *reason, *guidance,
        *checklist, *assisting, *override_phrases;
    bool reached;
    unsigned rating;
    /* queries and watch */
    const char *department, *case_id;
    unsigned within, limit;
    bool callbacks;
    shouwen_list_t staffs, departments;
    uint64_t from;
    bool from_given;
    double for_s;
    /* directory load */
    const char *by, *load_kind;
    /* status */
    const char *dir, *prometheus;
    /* keygen */
    const char *key_branch, *key_admin, *key_daemon;
    bool anchor;
    /* verify */
    const char *anchors, *postgres, *key;
} shouwen_args_t;

typedef enum {
    SHOUWEN_OPT_FLAG,   /* bool, no argument */
    SHOUWEN_OPT_STRING, /* const char * */
    SHOUWEN_OPT_LIST,   /* shouwen_list_t: repeatable */
    SHOUWEN_OPT_NUMBER, /* double */
    SHOUWEN_OPT_UINT,   /* unsigned */
    SHOUWEN_OPT_CUSTOM  /* convert() */
} shouwen_opt_kind_t;

typedef enum {
    SHOUWEN_OPTIONAL, /* shown [--opt ARG] */
    SHOUWEN_NEEDED,   /* shown bare; the hub (or the verb) says when it lacks */
    SHOUWEN_REQUIRED  /* shown bare; the parser refuses the line without it */
} shouwen_need_t;

/* Turns text into the option's field(s); -1 after saying why on stderr. */
typedef int(shouwen_convert_fn)(shouwen_args_t *a, const char *option, const char *text);

typedef struct {
    const char *name; /* "staff": --staff */
    const char *arg;  /* the argument's name in help ("ID"); NULL: a flag */
    shouwen_opt_kind_t kind;
    size_t field;                /* offsetof(shouwen_args_t, ...) */
    shouwen_convert_fn *convert; /* SHOUWEN_OPT_CUSTOM */
    shouwen_need_t need;         /* whether it may be left out */
    int alt;                     /* same alt (> 0): alternatives, one of them */
    const char *help;            /* N_(...): one line */
    char short_name;             /* -h; 0 for none */
} shouwen_opt_t;

typedef struct shouwen_verb shouwen_verb_t;
typedef int(shouwen_run_fn)(const shouwen_verb_t *verb, shouwen_args_t *a);

struct shouwen_verb {
    const char *name;     /* "transfer" */
    const char *operands; /* "CASE", "load FILE"; NULL: none */
    int min_operands, max_operands;
    const char *summary;       /* N_(): one line, for --help */
    const char *details;       /* N_(): more lines for help VERB; NULL */
    const shouwen_opt_t *opts; /* ends with a row whose name is NULL */
    bool request;              /* also takes --request-id, --json, --timeout */
    int usage_rc;              /* a missing operand or option: 0 means 64 */
    shouwen_run_fn *run;
    int code; /* the verb's own: a staff action's kind */
};

/* The verbs, in the order --help lists them (shouwen_verbs.c). */
extern const shouwen_verb_t shouwen_verb_table[];
extern const size_t shouwen_verb_count;
/* shouwen's own options (before the verb) and every request's. */
extern const shouwen_opt_t shouwen_global_opts[];
extern const shouwen_opt_t shouwen_request_opts[];

/* The verb named name, or NULL. */
const shouwen_verb_t *shouwen_verb_find(const char *name);

/* Parses argv[1..] (argv[0] is the verb) by the verb's table into a;
   operands are collected in a->operands.  0, or the exit code after saying
   what is wrong on stderr (unknown option: 64, naming it and the verb). */
int shouwen_opts_parse(const shouwen_verb_t *verb, int argc, char **argv,
                       shouwen_args_t *a);
/* The global options before the verb; *verb_at the index of the verb
   (argc when none).  0 or 64. */
int shouwen_opts_global(int argc, char **argv, shouwen_args_t *a, int *verb_at);
/* Frees what the parser allocated (not the strings). */
void shouwen_args_free(shouwen_args_t *a);

/* shouwen --help: every verb with its summary. */
void shouwen_usage(FILE *out);
/* shouwen help VERB: usage, what it does, every option; 0 or 64. */
int shouwen_help_verb(const char *name);
/* shouwen help --verbs: each verb's name on a line. */
void shouwen_help_verbs(FILE *out);
/* shouwen help --scdoc: the man page's VERBS section, in scdoc. */
void shouwen_help_scdoc(FILE *out);

#endif
