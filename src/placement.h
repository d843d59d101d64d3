/*
 * placement.h
 *	  Where the rows of the extension's tables are on this server (see
 *	  placement.c).
 */
#ifndef OT_PLACEMENT_H
#define OT_PLACEMENT_H

#include "utils/relcache.h"

/* Registers the cache of reference tables' placements (at library load). */
extern void PlacementInit(void);

/*
 * The relation on this node that holds the rows of the extension's table
 * that go with the rows of rel, a shard of a Citus distributed table of
 * the extension's (orders_102008 -> flags_102040, its colocated shard);
 * InvalidOid when rel is not such a shard or that shard is not here.
 */
extern Oid	OtColocatedShard(Relation rel, const char *table);

/*
 * The relation that holds the table's rows that go with the rows of
 * orders: the table itself when orders is ordertrack.orders, else (a Citus
 * shard of it) OtColocatedShard.
 */
extern Oid	OtRowsOf(Relation orders, const char *table);

/*
 * The extension's table that rel is a shard of (as OtColocatedShard found
 * it), InvalidOid when rel is not one.
 */
extern Oid	OtShardBase(Oid relid);

/*
 * The relation to read an extension's table from on this node: the table
 * itself, or on a Citus node its local placement when it is a reference
 * table (the table itself is then an empty shell here).
 */
extern Oid	OtLocalTable(const char *table);

#endif							/* OT_PLACEMENT_H */
