/*  sw_hash: keeps a czmq hash table that many keys pass through small.

    zhashx grows its table when a lookup meets a chain longer than its
    chain limit, and raises that limit only when it grows for load: a table
    whose size stays small while millions of keys are inserted and deleted
    (intake's open cases, their deadlines, the requests in the window;
    router's open cases and its decisions waiting to commit; audit's
    proposals queued) grows
    by chance again and again and never shrinks.  query_bench with 1,000,000
    cases of which 5 % stay open measured 1.17 GB resident, most of it in
    three such tables.  sw_hashx_deleted counts deletions and, when they
    exceed four times the size (and 65,536), moves the items into a new
    table sized for what is there. */
#ifndef SW_HASH_H
#define SW_HASH_H

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

/* After a deletion from *h_p: *deletes counted, and the table made anew
   when they are many.  destructor: the table's item destructor (NULL:
   items are borrowed); key_in_item: keys are not duplicated (set with a
   NULL key duplicator and destructor). */
void sw_hashx_deleted(zhashx_t **h_p, uint64_t *deletes, zhashx_destructor_fn *destructor,
                      bool key_in_item);

#endif
