/*  shouwen_opts: one parser for every verb, and the help printed from the
    same tables (see shouwen_opts.h).

    The parser builds getopt_long's option array from the verb's table and
    every request's options, so the syntax is GNU's (--opt VALUE,
    --opt=VALUE, options and operands in any order, "--" ends options);
    each option's text is converted into its field of shouwen_args_t.  An
    unknown option, a missing argument or a value that does not convert is
    a usage error (64) naming the option and the verb. */
#include "shouwen_opts.h"
#include "shouwen_i18n.h"
#include "sw_hub.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_OPTS 64 /* options of one verb, with every request's */

/* The verb's rows and, for a request, every request's: NULL-terminated. */
static size_t s_rows(const shouwen_verb_t *verb, const shouwen_opt_t **rows)
{
    size_t n = 0;
    for (const shouwen_opt_t *o = verb->opts; o && o->name && n < S_MAX_OPTS; o++)
        rows[n++] = o;
    for (const shouwen_opt_t *o = shouwen_request_opts; verb->request && o->name; o++)
        if (n < S_MAX_OPTS)
            rows[n++] = o;
    rows[n] = NULL;
    return n;
}

/* getopt_long's array for rows; val is the row's index + 256, or its
   short name. */
static void s_longopts(const shouwen_opt_t **rows, size_t n, struct option *longopts,
                       char *shorts)
{
    size_t k = 0;
    shorts[k++] = ':'; /* a missing argument is ':', not '?' */
    for (size_t i = 0; i < n; i++) {
        longopts[i] =
            (struct option){rows[i]->name, rows[i]->arg ? required_argument : no_argument,
                            NULL, (int)i + 256};
        if (rows[i]->short_name) {
            shorts[k++] = rows[i]->short_name;
            if (rows[i]->arg)
                shorts[k++] = ':';
        }
    }
    longopts[n] = (struct option){0, 0, 0, 0};
    shorts[k] = 0;
}

static int s_number(const char *option, const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (!*text || *end || errno) {
        fprintf(stderr, _("shouwen: --%s takes a number, not '%s'\n"), option, text);
        return -1;
    }
    *out = v;
    return 0;
}

static int s_unsigned(const char *option, const char *text, unsigned *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (!*text || *end || errno || text[0] == '-' || v > 0xffffffffUL) {
        fprintf(stderr, _("shouwen: --%s takes a whole number, not '%s'\n"), option,
                text);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

/* One option's text into its field; -1 when it does not convert. */
static int s_set(const shouwen_opt_t *o, shouwen_args_t *a, const char *text)
{
    void *field = (char *)a + o->field;
    switch (o->kind) {
    case SHOUWEN_OPT_FLAG:
        *(bool *)field = true;
        return 0;
    case SHOUWEN_OPT_STRING:
        *(const char **)field = text;
        return 0;
    case SHOUWEN_OPT_LIST: {
        shouwen_list_t *l = (shouwen_list_t *)field;
        char **items = realloc(l->items, (l->n + 1) * sizeof(char *));
        if (!items)
            abort();
        l->items = items;
        l->items[l->n++] = (char *)text;
        return 0;
    }
    case SHOUWEN_OPT_NUMBER:
        return s_number(o->name, text, (double *)field);
    case SHOUWEN_OPT_UINT:
        return s_unsigned(o->name, text, (unsigned *)field);
    case SHOUWEN_OPT_CUSTOM:
        return o->convert(a, o->name, text);
    }
    return -1;
}

/* The options the verb cannot go without: each REQUIRED one, or one of its
   alternatives. */
static int s_required(const shouwen_verb_t *verb, const shouwen_opt_t **rows, size_t n,
                      const bool *seen)
{
    for (size_t i = 0; i < n; i++) {
        if (rows[i]->need != SHOUWEN_REQUIRED || seen[i])
            continue;
        bool alt_seen = false;
        for (size_t k = 0; k < n && rows[i]->alt; k++)
            alt_seen = alt_seen || (seen[k] && rows[k]->alt == rows[i]->alt);
        if (alt_seen)
            continue;
        fprintf(stderr, _("shouwen: %s needs --%s %s (shouwen help %s)\n"), verb->name,
                rows[i]->name, rows[i]->arg ? rows[i]->arg : "", verb->name);
        return verb->usage_rc ? verb->usage_rc : SHOUWEN_EXIT_USAGE;
    }
    return 0;
}

/* getopt_long over rows; stop_at_operand for the global options. */
static int s_getopt(const char *who, const shouwen_opt_t **rows, size_t n, int argc,
                    char **argv, shouwen_args_t *a, bool *seen, bool stop_at_operand)
{
    struct option longopts[S_MAX_OPTS + 1];
    char shorts[2 * S_MAX_OPTS + 4];
    s_longopts(rows, n, longopts, stop_at_operand ? shorts + 1 : shorts);
    if (stop_at_operand)
        shorts[0] = '+', shorts[1] = ':';
    opterr = 0;
    optind = 0; /* GNU getopt starts afresh */
    int ch;
    while ((ch = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
        const char *bad = argv[optind - 1 < argc ? optind - 1 : argc - 1];
        if (ch == '?') {
            fprintf(stderr, _("shouwen: %s: unknown option '%s' (shouwen help %s)\n"),
                    who, bad, who);
            return SHOUWEN_EXIT_USAGE;
        }
        if (ch == ':') {
            fprintf(stderr, _("shouwen: %s: option '%s' needs an argument\n"), who, bad);
            return SHOUWEN_EXIT_USAGE;
        }
        size_t i = (size_t)(ch - 256);
        if (ch < 256)
            for (i = 0; i < n && rows[i]->short_name != ch; i++)
                ;
        if (i >= n)
            return SHOUWEN_EXIT_USAGE;
        seen[i] = true;
        if (s_set(rows[i], a, optarg) != 0)
            return SHOUWEN_EXIT_USAGE;
    }
    return 0;
}

int shouwen_opts_parse(const shouwen_verb_t *verb, int argc, char **argv,
                       shouwen_args_t *a)
{
    const shouwen_opt_t *rows[S_MAX_OPTS + 1];
    size_t n = s_rows(verb, rows);
    bool seen[S_MAX_OPTS] = {false};
    int rc = s_getopt(verb->name, rows, n, argc, argv, a, seen, false);
    if (rc != 0)
        return rc;
    a->operands = argv + optind;
    a->n_operands = argc - optind;
    int usage = verb->usage_rc ? verb->usage_rc : SHOUWEN_EXIT_USAGE;
    if (a->n_operands < verb->min_operands) {
        fprintf(stderr, _("shouwen: %s needs %s (shouwen help %s)\n"), verb->name,
                verb->operands, verb->name);
        return usage;
    }
    if (a->n_operands > verb->max_operands) {
        fprintf(stderr, _("shouwen: %s: unexpected argument '%s' (shouwen help %s)\n"),
                verb->name, a->operands[verb->max_operands], verb->name);
        return usage;
    }
    return s_required(verb, rows, n, seen);
}

int shouwen_opts_global(int argc, char **argv, shouwen_args_t *a, int *verb_at)
{
    const shouwen_opt_t *rows[S_MAX_OPTS + 1];
    size_t n = 0;
    for (const shouwen_opt_t *o = shouwen_global_opts; o->name; o++)
        rows[n++] = o;
    rows[n] = NULL;
    bool seen[S_MAX_OPTS] = {false};
    int rc = s_getopt("shouwen", rows, n, argc, argv, a, seen, true);
    *verb_at = optind;
    return rc;
}

void shouwen_args_free(shouwen_args_t *a)
{
    free(a->staffs.items);
    free(a->departments.items);
    a->staffs = a->departments = (shouwen_list_t){0};
}

/* ------------------------------------------------------------- help */

/* "--staff ID" into buf. */
static void s_opt_text(const shouwen_opt_t *o, char *buf, size_t size)
{
    snprintf(buf, size, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

/* The verb's synopsis after its name: operands, then each option, needed
   ones bare, the others in brackets, alternatives joined with |. */
static void s_synopsis(const shouwen_verb_t *verb, char *buf, size_t size)
{
    size_t len = (size_t)snprintf(buf, size, "%s", verb->operands ? verb->operands : "");
    for (const shouwen_opt_t *o = verb->opts; o && o->name && len < size; o++) {
        const shouwen_opt_t *first = verb->opts;
        while (o->alt && first->alt != o->alt)
            first++;
        if (o->alt && first != o)
            continue; /* shown with the first of its alternatives */
        bool bare = o->need != SHOUWEN_OPTIONAL;
        int alts = 0;
        for (const shouwen_opt_t *k = o; o->alt && k->name; k++)
            alts += k->alt == o->alt;
        const char *open = bare ? (alts > 1 ? "(" : "") : "[";
        len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? " " : "", open);
        for (const shouwen_opt_t *k = o; k->name && len < size; k++) {
            if (k != o && (!o->alt || k->alt != o->alt))
                continue;
            char one[96];
            s_opt_text(k, one, sizeof one);
            len +=
                (size_t)snprintf(buf + len, size - len, "%s%s", k == o ? "" : " | ", one);
            if (!o->alt)
                break;
        }
        const char *close = bare ? (alts > 1 ? ")" : "") : "]";
        len += (size_t)snprintf(buf + len, size - len, "%s%s", close,
                                o->kind == SHOUWEN_OPT_LIST ? "..." : "");
    }
}

void shouwen_usage(FILE *out)
{
    fprintf(out, _("usage: shouwen [--endpoint URL] [--branch ID] [--cert FILE] "
                   "[--server-cert FILE] VERB [options]\n"
                   "       shouwen help VERB | --help | --version\n"
                   "verbs:\n"));
    for (size_t i = 0; i < shouwen_verb_count; i++)
        fprintf(out, "  %-15s %s\n", shouwen_verb_table[i].name,
                _(shouwen_verb_table[i].summary));
    fprintf(out, _("every request also takes [--request-id ID] [--json] [--timeout "
                   "SECONDS]\n"));
    fprintf(out,
            _("environment: SHOUWEN_ENDPOINT (default %s),\n"
              "             SHOUWEN_CERT (this branch's key), SHOUWEN_SERVER_CERT (the "
              "hub's),\n"
              "             SHOUWEN_ADMIN_CERT (an administrator's key, for directory "
              "load),\n"
              "             SHOUWEN_BRANCH (default: the branch of the key),\n"
              "             SHOUWEN_TZ (the zone times are shown in; default "
              "Asia/Shanghai),\n"
              "             LANGUAGE, LANG (zh_CN: messages in Chinese; C: English)\n"),
            SW_HUB_BRANCHES);
    fprintf(out, _("exit: 0 done, 2 refused (the message says why), 64 usage, 75 not "
                   "confirmed in\n"
                   "      time (nothing is lost: run it again with the same "
                   "--request-id)\n"));
}

static void s_opt_lines(FILE *out, const shouwen_opt_t *opts)
{
    for (const shouwen_opt_t *o = opts; o && o->name; o++) {
        char one[96];
        s_opt_text(o, one, sizeof one);
        fprintf(out, "  %-26s %s%s\n", one, _(o->help),
                o->need == SHOUWEN_REQUIRED ? _(" (required)") : "");
    }
}

int shouwen_help_verb(const char *name)
{
    const shouwen_verb_t *verb = shouwen_verb_find(name);
    if (!verb) {
        fprintf(stderr, _("shouwen: no verb '%s'\n"), name);
        shouwen_usage(stderr);
        return SHOUWEN_EXIT_USAGE;
    }
    char synopsis[1024];
    s_synopsis(verb, synopsis, sizeof synopsis);
    printf(_("usage: shouwen %s %s\n"), verb->name, synopsis);
    printf("  %s\n", _(verb->summary));
    if (verb->details)
        printf("%s\n", _(verb->details));
    if (verb->opts && verb->opts->name) {
        printf(_("options:\n"));
        s_opt_lines(stdout, verb->opts);
    }
    if (verb->request) {
        printf(_("every request's options:\n"));
        s_opt_lines(stdout, shouwen_request_opts);
    }
    return 0;
}

void shouwen_help_verbs(FILE *out)
{
    for (size_t i = 0; i < shouwen_verb_count; i++)
        fprintf(out, "%s\n", shouwen_verb_table[i].name);
}

/* text for scdoc: _ and * escaped; a line that starts with - or [ too. */
static void s_scdoc_text(FILE *out, const char *text)
{
    bool start = true;
    for (const char *c = text; *c; c++) {
        if ((*c == '_' || *c == '*') || (start && (*c == '-' || *c == '[')))
            fputc('\\', out);
        fputc(*c, out);
        start = false;
    }
}

/* The man page's VERBS section: each verb's synopsis, what it does and its
   options, as help VERB says them (in English: run it under LC_ALL=C). */
void shouwen_help_scdoc(FILE *out)
{
    for (size_t i = 0; i < shouwen_verb_count; i++) {
        const shouwen_verb_t *verb = &shouwen_verb_table[i];
        char synopsis[1024];
        s_synopsis(verb, synopsis, sizeof synopsis);
        fprintf(out, "*shouwen %s* ", verb->name);
        s_scdoc_text(out, synopsis);
        fprintf(out, "\n\t");
        s_scdoc_text(out, _(verb->summary));
        if (verb->details) {
            /* each line of the details, its two-space indent dropped */
            const char *line = _(verb->details);
            while (*line) {
                const char *nl = strchr(line, '\n');
                size_t len = nl ? (size_t)(nl - line) : strlen(line);
                char buf[512];
                snprintf(buf, sizeof buf, "%.*s", (int)len, line);
                fprintf(out, " ++\n\t");
                s_scdoc_text(out, buf[0] == ' ' && buf[1] == ' ' ? buf + 2 : buf);
                line += len + (nl ? 1 : 0);
            }
        }
        for (const shouwen_opt_t *o = verb->opts; o && o->name; o++) {
            char one[96], buf[640];
            s_opt_text(o, one, sizeof one);
            snprintf(buf, sizeof buf, "%s: %s%s", one, _(o->help),
                     o->need == SHOUWEN_REQUIRED ? _(" (required)") : "");
            fprintf(out, " ++\n\t");
            s_scdoc_text(out, buf);
        }
        fprintf(out, "\n\n");
    }
}

const shouwen_verb_t *shouwen_verb_find(const char *name)
{
    for (size_t i = 0; i < shouwen_verb_count; i++)
        if (strcmp(shouwen_verb_table[i].name, name) == 0)
            return &shouwen_verb_table[i];
    return NULL;
}
