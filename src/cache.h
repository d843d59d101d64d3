/*
 * cache.h
 *	  The one mechanism behind every per-session cache of ordertrack: copies
 *	  of the settings tables, the flag codes, the catalogue, the stage graph
 *	  and the issuing secret, and what is planned from the tables'
 *	  definitions.
 *
 * A cache names the tables it depends on.  One relcache callback counts
 * the invalidations of each cache (the settings_changed trigger sends one
 * when a change to a settings table commits; DDL sends its own).  A cache
 * is rebuilt, when it is next used after an invalidation, in a memory
 * context of its own, from the rows as the latest snapshot shows them
 * (never the snapshot of the transaction that needs it: a REPEATABLE READ
 * transaction would otherwise rebuild it stale and keep it so after its
 * commit); the new copy replaces the old only if no invalidation arrived
 * while it was built, else it is built again.
 *
 * The callback only counts and marks: what a cache holds is freed when it
 * is next used, never under a caller that is still reading it.
 */
#ifndef OT_CACHE_H
#define OT_CACHE_H

#include "utils/snapshot.h"

#define OT_CACHE_MAX_TABLES 4	/* named tables of a cache */
#define OT_CACHE_MAX_WATCHED 256	/* relations a cache watches in all (a Citus worker's shards) */

typedef struct OtCache OtCache;

/*
 * Builds a cache's contents from the tables as snapshot shows them, in the
 * current memory context (a new one, the cache's once it is kept; what is
 * allocated elsewhere is freed by a reset callback of that context), and
 * returns them.  The snapshot is also the active one, for SPI statements
 * run read-only.
 */
typedef void *(*OtCacheBuild) (OtCache *cache, Snapshot snapshot);

struct OtCache
{
	/* set by the part that owns the cache */
	const char *name;			/* of its memory context */
	const char *tables[OT_CACHE_MAX_TABLES];	/* of schema ordertrack; unused ones NULL */
	OtCacheBuild build;			/* NULL: starts empty (entries are added by the part) */

	/* kept by cache.c */
	void	   *data;			/* what build returned */
	MemoryContext cxt;			/* holds data */
	bool		valid;
	uint64		inval;			/* invalidations counted */
	int			nwatched;
	Oid			watched[OT_CACHE_MAX_WATCHED];	/* the tables' OIDs, then those of OtCacheWatch */
	OtCache    *next;
};

/* A read of rows to add to a cache entry by entry (OtCacheReadBegin). */
typedef struct OtCacheRead
{
	Snapshot	snapshot;		/* the latest, registered */
	uint64		start;
} OtCacheRead;

/* Registers the callback that counts invalidations of every cache. */
extern void CacheInit(void);
/* Registers a cache (at library load). */
extern void OtCacheRegister(OtCache *cache);
/* The cache's contents, built again if anything it depends on changed. */
extern void *OtCacheGet(OtCache *cache);
/* Drops the contents at the next OtCacheGet (the part knows they are out of date). */
extern void OtCacheInvalidate(OtCache *cache);
/*
 * Every session's caches of the extension's tables are dropped when the
 * current transaction commits (a change arrived through a relation the
 * caches cannot name, such as a Citus shard of a settings table).
 */
extern void OtCacheInvalidateTables(void);

/* Whether a cache names the relation among its tables. */
extern bool OtCacheNamesTable(Oid relid);

/* The cache also depends on this relation's definition, until it is next rebuilt. */
extern void OtCacheWatch(OtCache *cache, Oid relid);
/* Starts reading rows for an entry, with the latest snapshot. */
extern void OtCacheReadBegin(OtCache *cache, OtCacheRead *read);
/* Ends the read: whether what it read may be stored (no invalidation came meanwhile). */
extern bool OtCacheReadEnd(OtCache *cache, OtCacheRead *read);

#endif							/* OT_CACHE_H */
