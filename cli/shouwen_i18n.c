/*  shouwen_i18n: where the CLI finds its message catalogue. */
#include "shouwen_i18n.h"

#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SHOUWEN_LOCALEDIR
#define SHOUWEN_LOCALEDIR "/usr/share/locale"
#endif

/* The first of LC_ALL, LC_MESSAGES, LANG that is set, or NULL. */
static const char *s_locale_name(void)
{
    static const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return v;
    }
    return NULL;
}

/* The catalogue's directory: SHOUWEN_LOCALEDIR; the build tree's when
   this binary is the build tree's (cli/shouwen under SHOUWEN_BUILD_DIR);
   else the installed one. */
static const char *s_localedir(void)
{
    const char *env = getenv("SHOUWEN_LOCALEDIR");
    if (env && *env)
        return env;
#ifdef SHOUWEN_BUILD_DIR
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        if (strcmp(exe, SHOUWEN_BUILD_DIR "/cli/shouwen") == 0)
            return SHOUWEN_BUILD_DIR "/locale";
    }
#endif
    return SHOUWEN_LOCALEDIR;
}

void shouwen_i18n_init(void)
{
    if (!setlocale(LC_ALL, "")) {
        /* the named locale is not generated here (Debian's locales
           package): speak its language anyway, through C.UTF-8 */
        const char *name = s_locale_name();
        if (name && setlocale(LC_ALL, "C.UTF-8") && !getenv("LANGUAGE"))
            setenv("LANGUAGE", name, 0);
    }
    /* numbers are read and written the C way in every language */
    setlocale(LC_NUMERIC, "C");
    bindtextdomain("shouwen", s_localedir());
    bind_textdomain_codeset("shouwen", "UTF-8");
    textdomain("shouwen");
}
