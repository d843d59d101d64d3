/*
 * cache.c
 *	  The one mechanism behind every per-session cache: invalidation
 *	  counting, and rebuilding from the latest committed rows (see cache.h).
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "cache.h"
#include "common.h"

static OtCache *caches = NULL;

/* Counts an invalidation of every cache that depends on the relation (all, for InvalidOid). */
static void
CacheRelcacheCallback(Datum arg pg_attribute_unused(), Oid relid)
{
	for (OtCache *c = caches; c != NULL; c = c->next)
	{
		bool		hit = !OidIsValid(relid);

		for (int i = 0; !hit && i < c->nwatched; i++)
			hit = c->watched[i] == relid;
		if (hit)
		{
			c->valid = false;
			c->inval++;
		}
	}
}

void
CacheInit(void)
{
	CacheRegisterRelcacheCallback(CacheRelcacheCallback, (Datum) 0);
}

void
OtCacheRegister(OtCache *cache)
{
	cache->next = caches;
	caches = cache;
}

/*
 * Builds the contents once: kept if no invalidation of the cache arrived
 * meanwhile, else thrown away (the caller tries again).  The new context
 * hangs under the current transaction's until kept, so an error while
 * building frees it.
 */
static void
rebuild(OtCache *c)
{
	uint64		start;
	MemoryContext cxt;
	MemoryContext old;
	void	   *data = NULL;
	int			n = 0;

	/* the tables are known first: an invalidation of theirs from here on counts */
	for (int i = 0; i < OT_CACHE_MAX_TABLES && c->tables[i] != NULL; i++)
		c->watched[n++] = OtRelid(c->tables[i]);
	c->nwatched = n;
	start = c->inval;

	cxt = AllocSetContextCreate(CurTransactionContext, "ordertrack cache", ALLOCSET_SMALL_SIZES);
	MemoryContextSetIdentifier(cxt, c->name);
	old = MemoryContextSwitchTo(cxt);
	if (c->build != NULL)
	{
		/* the rows committed now, whatever the snapshot of the transaction */
		Snapshot	snapshot = RegisterSnapshot(GetLatestSnapshot());
		OwnerScope	scope;

		/*
		 * as the tables' owner: whoever calls first (a role with a duty but
		 * no grant on the settings tables, say) reads them the same
		 */
		if (n > 0)
			OtEnterOwner(OtRelationOwner(c->watched[0]), &scope);
		PushActiveSnapshot(snapshot);
		data = c->build(c, snapshot);
		PopActiveSnapshot();
		if (n > 0)
			OtLeaveOwner(&scope);
		UnregisterSnapshot(snapshot);
	}
	MemoryContextSwitchTo(old);

	if (c->inval != start)
	{
		MemoryContextDelete(cxt);
		return;
	}
	MemoryContextSetParent(cxt, CacheMemoryContext);
	if (c->cxt != NULL)
		MemoryContextDelete(c->cxt);
	c->cxt = cxt;
	c->data = data;
	c->valid = true;
}

void *
OtCacheGet(OtCache *cache)
{
	/* a change committed meanwhile counts, even inside an open transaction */
	AcceptInvalidationMessages();
	while (!cache->valid)
		rebuild(cache);
	return cache->data;
}

bool
OtCacheNamesTable(Oid relid)
{
	Oid			schema = get_namespace_oid(OT_SCHEMA, false);

	for (OtCache *c = caches; c != NULL; c = c->next)
		for (int i = 0; i < OT_CACHE_MAX_TABLES && c->tables[i] != NULL; i++)
			if (get_relname_relid(c->tables[i], schema) == relid)
				return true;
	return false;
}

void
OtCacheInvalidateTables(void)
{
	Oid			schema = get_namespace_oid(OT_SCHEMA, false);

	for (OtCache *c = caches; c != NULL; c = c->next)
		for (int i = 0; i < OT_CACHE_MAX_TABLES && c->tables[i] != NULL; i++)
		{
			Oid			relid = get_relname_relid(c->tables[i], schema);

			if (OidIsValid(relid))
				CacheInvalidateRelcacheByRelid(relid);
		}
}

void
OtCacheInvalidate(OtCache *cache)
{
	cache->valid = false;
	cache->inval++;
}

void
OtCacheWatch(OtCache *cache, Oid relid)
{
	for (int i = 0; i < cache->nwatched; i++)
		if (cache->watched[i] == relid)
			return;
	if (cache->nwatched < OT_CACHE_MAX_WATCHED)
		cache->watched[cache->nwatched++] = relid;
	else
		OtCacheInvalidate(cache);	/* cannot follow it: start afresh at the next use */
}

void
OtCacheReadBegin(OtCache *cache, OtCacheRead *read)
{
	read->start = cache->inval;
	read->snapshot = RegisterSnapshot(GetLatestSnapshot());
}

bool
OtCacheReadEnd(OtCache *cache, OtCacheRead *read)
{
	UnregisterSnapshot(read->snapshot);
	return cache->valid && cache->inval == read->start;
}
