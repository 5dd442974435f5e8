/*  sw_test: the few checks the unit tests need.
    A failed check prints file:line and what differed, counts the failure
    and carries on; SW_TEST_DONE() ends main with the verdict. */
#ifndef SW_TEST_H
#define SW_TEST_H

#include <stdio.h>
#include <string.h>

static int sw_test_checks;   /* checks run */
static int sw_test_failures; /* checks failed */

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        sw_test_checks++;                                                                \
        if (!(cond)) {                                                                   \
            sw_test_failures++;                                                          \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);     \
        }                                                                                \
    } while (0)

#define CHECK_EQ(a, b)                                                                   \
    do {                                                                                 \
        long long sw_a_ = (long long)(a), sw_b_ = (long long)(b);                        \
        sw_test_checks++;                                                                \
        if (sw_a_ != sw_b_) {                                                            \
            sw_test_failures++;                                                          \
            fprintf(stderr, "%s:%d: CHECK_EQ(%s, %s) failed: %lld != %lld\n", __FILE__,  \
                    __LINE__, #a, #b, sw_a_, sw_b_);                                     \
        }                                                                                \
    } while (0)

#define CHECK_STR(a, b)                                                                  \
    do {                                                                                 \
        const char *sw_a_ = (a), *sw_b_ = (b);                                           \
        sw_test_checks++;                                                                \
        if (sw_a_ == NULL || sw_b_ == NULL || strcmp(sw_a_, sw_b_) != 0) {               \
            sw_test_failures++;                                                          \
            fprintf(stderr,                                                              \
                    "%s:%d: CHECK_STR(%s, %s) failed:\n  got      %s\n  expected %s\n",  \
                    __FILE__, __LINE__, #a, #b, sw_a_ ? sw_a_ : "(null)",                \
                    sw_b_ ? sw_b_ : "(null)");                                           \
        }                                                                                \
    } while (0)

#define CHECK_MEM(a, b, n)                                                               \
    do {                                                                                 \
        sw_test_checks++;                                                                \
        if (memcmp((a), (b), (n)) != 0) {                                                \
            sw_test_failures++;                                                          \
            fprintf(stderr, "%s:%d: CHECK_MEM(%s, %s) failed\n", __FILE__, __LINE__, #a, \
                    #b);                                                                 \
        }                                                                                \
    } while (0)

#define SW_TEST_DONE()                                                                   \
    do {                                                                                 \
        fprintf(stderr, "%s: %d checks, %d failed\n", __FILE__, sw_test_checks,          \
                sw_test_failures);                                                       \
        return sw_test_failures ? 1 : 0;                                                 \
    } while (0)

#endif
