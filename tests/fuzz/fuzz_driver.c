/*  fuzz_driver: runs a libFuzzer target without libFuzzer (any compiler).

        fuzz_target [--runs N] [--seconds S] [--seed X] PATH...

    Each PATH is a file or a directory of files (a seed corpus).  Every seed
    runs once as it is; then N inputs (default 200000), each a seed changed
    by one to four deterministic pseudo-random mutations (just one half of
    the time): bit flips, byte overwrites, interesting bytes and varints,
    truncation, insertion, deletion, duplication, splicing two seeds, and
    tricky UTF-8 sequences.
    The same seed X gives the same inputs.  Stops early after S seconds
    (default 20).  --runs 0 only replays the files (to reproduce a crash).

    Every input is a heap block of exactly its size, so AddressSanitizer
    sees a read one byte past the end.  What the target writes on stdout is
    discarded (czmq's zconfig reports each bad line there), as libFuzzer's
    -close_fd_mask=1 does; sanitizer reports go to stderr.  When the target crashes the
   input is written to crash-<target>.bin (in $FUZZ_CRASH_DIR, else the current directory)
   before the process dies. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* From the sanitizer runtime when linked in (weak: absent otherwise). */
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

#define S_MAX_SEEDS     4096
#define S_MAX_SEED_SIZE (1024 * 1024)
#define S_MAX_INPUT     (128 * 1024) /* mutations never grow an input past this */

typedef struct {
    uint8_t *data;
    size_t size;
} s_input_t;

/* The input being run, for the crash handler (a signal handler can reach
   nothing else). */
static struct {
    const uint8_t *data;
    size_t size;
    char path[4096];
} s_current;

static void s_save_current(void)
{
    static volatile sig_atomic_t saved; /* the death callback, then SIGABRT */
    if (saved)
        return;
    saved = 1;
    int fd = open(s_current.path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return;
    size_t done = 0;
    while (done < s_current.size) {
        ssize_t n = write(fd, s_current.data + done, s_current.size - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    close(fd);
    static const char note[] = "fuzz_driver: crashing input saved to ";
    if (write(STDERR_FILENO, note, sizeof note - 1) < 0 ||
        write(STDERR_FILENO, s_current.path, strlen(s_current.path)) < 0 ||
        write(STDERR_FILENO, "\n", 1) < 0)
        return;
}

static void s_on_fatal_signal(int sig)
{
    s_save_current();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void s_run(const uint8_t *data, size_t size)
{
    /* exactly size bytes, so an overread is caught even for size 0 */
    uint8_t *copy = malloc(size ? size : 1);
    if (copy == NULL) {
        fputs("fuzz_driver: out of memory\n", stderr);
        exit(2);
    }
    if (size)
        memcpy(copy, data, size);
    s_current.data = copy;
    s_current.size = size;
    LLVMFuzzerTestOneInput(size ? copy : copy + 1, size);
    s_current.data = NULL;
    s_current.size = 0;
    free(copy);
}

/* ----------------------------------------------------------------- seeds */

static int s_add_file(s_input_t *seeds, size_t *count, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    uint8_t *data = malloc(S_MAX_SEED_SIZE);
    size_t size = data ? fread(data, 1, S_MAX_SEED_SIZE, f) : 0;
    fclose(f);
    if (data == NULL || *count >= S_MAX_SEEDS) {
        fprintf(stderr, "fuzz_driver: too many seeds at %s\n", path);
        free(data);
        return -1;
    }
    seeds[*count].data = data;
    seeds[*count].size = size;
    (*count)++;
    return 0;
}

static int s_compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory's regular files, in name order (the same order everywhere). */
static int s_add_dir(s_input_t *seeds, size_t *count, const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        perror(dir);
        return -1;
    }
    char *names[S_MAX_SEEDS];
    size_t n = 0;
    for (struct dirent *e = readdir(d); e && n < S_MAX_SEEDS; e = readdir(d)) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode))
            names[n++] = strdup(path);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], s_compare_names);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && names[i])
            rc = s_add_file(seeds, count, names[i]);
        free(names[i]);
    }
    return rc;
}

/* ------------------------------------------------------------- mutation */

/* splitmix64: small, fast, and the same everywhere. */
static uint64_t s_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static size_t s_below(uint64_t *state, size_t n)
{
    return n ? (size_t)(s_next(state) % n) : 0;
}

/* Inserts len bytes at pos (growing *size), within capacity. */
static void s_insert(uint8_t *buf, size_t *size, size_t pos, const uint8_t *bytes,
                     size_t len)
{
    if (*size + len > S_MAX_INPUT)
        len = S_MAX_INPUT - *size;
    memmove(buf + pos + len, buf + pos, *size - pos);
    memcpy(buf + pos, bytes, len);
    *size += len;
}

static size_t s_varint(uint64_t value, uint8_t *out)
{
    size_t n = 0;
    do {
        out[n] = (uint8_t)(value & 0x7F);
        value >>= 7;
        if (value)
            out[n] |= 0x80;
        n++;
    } while (value);
    return n;
}

static void s_mutate_once(uint64_t *rng, uint8_t *buf, size_t *size,
                          const s_input_t *seeds, size_t nseeds)
{
    static const uint8_t interesting[] = {0x00, 0x01, 0x02, 0x0a, 0x10, 0x12, 0x1a,
                                          0x22, 0x7f, 0x80, 0xc0, 0xe0, 0xf0, 0xff};
    static const char *const tricky[] = {"\xc0\x80",         /* overlong NUL */
                                         "\xe0\x80\xaf",     /* overlong '/' */
                                         "\xed\xa0\x80",     /* surrogate U+D800 */
                                         "\xed\xbf\xbf",     /* surrogate U+DFFF */
                                         "\xf4\x90\x80\x80", /* U+110000 */
                                         "\xf4\x8f\xbf\xbf", /* U+10FFFF */
                                         "\xf0\x9f\x98\x80", /* U+1F600 */
                                         "\xe5\xbc\xa0",     /* 张 */
                                         "\xe5\xbc",         /* truncated */
                                         "\xff",
                                         "\x00",
                                         "\"\\",
                                         "\x1b[0m",
                                         "+86 (0571) 8700-1000 x12"};
    size_t pos = s_below(rng, *size + 1);
    uint8_t bytes[16];
    switch (s_below(rng, 10)) {
    case 0: /* flip a bit */
        if (*size)
            buf[s_below(rng, *size)] ^= (uint8_t)(1u << s_below(rng, 8));
        break;
    case 1: /* a random byte */
        if (*size)
            buf[s_below(rng, *size)] = (uint8_t)s_next(rng);
        break;
    case 2: /* an interesting byte */
        if (*size)
            buf[s_below(rng, *size)] = interesting[s_below(rng, sizeof interesting)];
        break;
    case 3: /* truncate */
        *size = s_below(rng, *size + 1);
        break;
    case 4: /* insert random bytes */
        for (size_t i = 0; i < sizeof bytes; i++)
            bytes[i] = (uint8_t)s_next(rng);
        s_insert(buf, size, pos, bytes, 1 + s_below(rng, 8));
        break;
    case 5: /* delete a range */
        if (pos < *size) {
            size_t len = 1 + s_below(rng, *size - pos);
            memmove(buf + pos, buf + pos + len, *size - pos - len);
            *size -= len;
        }
        break;
    case 6: /* duplicate a range (a repeated or overriding field) */
        if (*size) {
            size_t from = s_below(rng, *size);
            size_t len = 1 + s_below(rng, *size - from < 64 ? *size - from : 64);
            uint8_t chunk[64];
            memcpy(chunk, buf + from, len);
            s_insert(buf, size, pos, chunk, len);
        }
        break;
    case 7: { /* a varint: a tag, or a length that lies */
        uint64_t v = s_next(rng);
        v = s_below(rng, 2) ? v % 300 : v >> s_below(rng, 64);
        if (*size && s_below(rng, 2)) { /* overwrite */
            size_t n = s_varint(v, bytes);
            size_t at = s_below(rng, *size);
            memcpy(buf + at, bytes, n < *size - at ? n : *size - at);
        } else
            s_insert(buf, size, pos, bytes, s_varint(v, bytes));
        break;
    }
    case 8: /* splice: this seed's head, another seed's tail */
        if (nseeds) {
            const s_input_t *other = &seeds[s_below(rng, nseeds)];
            size_t from = s_below(rng, other->size + 1);
            size_t len = other->size - from;
            if (pos + len > S_MAX_INPUT)
                len = S_MAX_INPUT - pos;
            memcpy(buf + pos, other->data + from, len);
            *size = pos + len;
        }
        break;
    default: { /* tricky text */
        const char *t = tricky[s_below(rng, sizeof tricky / sizeof tricky[0])];
        size_t len = strlen(t);
        s_insert(buf, size, pos, (const uint8_t *)t, len ? len : 1);
        break;
    }
    }
}

/* ----------------------------------------------------------------- main */

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *s_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int main(int argc, char **argv)
{
    unsigned long long runs = 200000, seed = 20260101;
    double seconds = 20;
    static s_input_t seeds[S_MAX_SEEDS];
    size_t nseeds = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 0);
        else if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            if (s_add_dir(seeds, &nseeds, argv[i]) != 0)
                return 2;
        } else if (s_add_file(seeds, &nseeds, argv[i]) != 0)
            return 2;
    }
    const char *name = s_basename(argv[0]);
    if (nseeds == 0) {
        fprintf(stderr,
                "usage: %s [--runs N] [--seconds S] [--seed X] CORPUS_DIR_OR_FILE...\n"
                "(no seeds: a run without a corpus would test next to nothing)\n",
                name);
        return 2;
    }
    const char *dir = getenv("FUZZ_CRASH_DIR");
    snprintf(s_current.path, sizeof s_current.path, "%s/crash-%s.bin", dir ? dir : ".",
             name);
    if (__sanitizer_set_death_callback)
        __sanitizer_set_death_callback(s_save_current);
    int fatal[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        signal(fatal[i], s_on_fatal_signal);

    fflush(stdout);
    int saved_stdout = dup(STDOUT_FILENO);
    int devnull = open("/dev/null", O_WRONLY);
    if (saved_stdout < 0 || devnull < 0 || dup2(devnull, STDOUT_FILENO) < 0) {
        perror("fuzz_driver: stdout");
        return 2;
    }
    close(devnull);
    double start = s_now();
    s_run(NULL, 0);
    for (size_t i = 0; i < nseeds; i++)
        s_run(seeds[i].data, seeds[i].size);
    uint8_t *buf = malloc(S_MAX_INPUT);
    if (buf == NULL)
        return 2;
    uint64_t rng = seed;
    unsigned long long done = 0;
    for (; done < runs; done++) {
        if ((done & 1023) == 0 && s_now() - start > seconds)
            break;
        const s_input_t *base = &seeds[s_below(&rng, nseeds)];
        size_t size = base->size < S_MAX_INPUT ? base->size : S_MAX_INPUT;
        memcpy(buf, base->data, size);
        /* one mutation half of the time, two a quarter, ... at most four:
           protobuf stays decodable often enough to reach the checks */
        uint64_t bits = s_next(&rng);
        for (size_t m = 1; m < 4 && (bits & 1); m++, bits >>= 1)
            s_mutate_once(&rng, buf, &size, seeds, nseeds);
        s_mutate_once(&rng, buf, &size, seeds, nseeds);
        s_run(buf, size);
    }
    fflush(stdout);
    dup2(saved_stdout, STDOUT_FILENO);
    close(saved_stdout);
    printf("%s: %zu seeds and %llu mutations (seed %llu) in %.1f s, no failure\n", name,
           nseeds, done, seed, s_now() - start);
    free(buf);
    for (size_t i = 0; i < nseeds; i++)
        free(seeds[i].data);
    return 0;
}
