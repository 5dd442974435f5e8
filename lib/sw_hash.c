/*  sw_hash: see sw_hash.h. */
#include "sw_hash.h"

#define S_MIN_DELETES 65536

void sw_hashx_deleted(zhashx_t **h_p, uint64_t *deletes, zhashx_destructor_fn *destructor,
                      bool key_in_item)
{
    zhashx_t *old = *h_p;
    if (++*deletes < S_MIN_DELETES || *deletes < 4 * (uint64_t)zhashx_size(old))
        return;
    *deletes = 0;
    zhashx_t *fresh = zhashx_new();
    if (key_in_item) {
        zhashx_set_key_duplicator(fresh, NULL);
        zhashx_set_key_destructor(fresh, NULL);
    }
    for (void *item = zhashx_first(old); item; item = zhashx_next(old))
        zhashx_insert(fresh, zhashx_cursor(old), item);
    zhashx_set_destructor(fresh, destructor);
    zhashx_set_destructor(old, NULL); /* the items moved; old keys go with old */
    zhashx_destroy(&old);
    *h_p = fresh;
}
