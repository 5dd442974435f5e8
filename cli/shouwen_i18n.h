/*  shouwen_i18n: the CLI's messages through gettext (text domain
    "shouwen").  English in the source; po/zh_CN.po says them in Chinese.
    The language is the locale's (LANGUAGE, LC_ALL, LC_MESSAGES, LANG);
    the C locale, or none set, speaks English.  docs/operations.md,
    "Language of the command line". */
#ifndef SHOUWEN_I18N_H
#define SHOUWEN_I18N_H

#include <libintl.h>

#define _(text)  gettext(text)
#define N_(text) text /* marked for xgettext, translated where shown */

/* setlocale, then the catalogue: SHOUWEN_LOCALEDIR, else the build tree's
   when this binary runs from the build tree, else the installed one. */
void shouwen_i18n_init(void);

#endif
