/*
 * placement.c
 *	  Where the rows of the extension's tables are on this server.
 *
 * Without Citus, in the tables themselves.  On a Citus node the tables are
 * empty shells: a distributed table's rows are in its shards (orders_102008
 * holds some shops' orders, flags_102040 the same shops' flags, the shards
 * being colocated), a reference table's in its placement on each node.  A
 * trigger fires on a shard; intake reads and writes that shard's colocated
 * shards directly, as it does the tables on a single server, and reads the
 * catalogue from the reference tables' placements.  Names are never built
 * here: Citus's catalogue says which shard goes with which (shard_name()).
 *
 * What is found is remembered per session and checked on every use (a
 * shard moved away is dropped here; then it is looked up again).
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "cache.h"
#include "common.h"
#include "placement.h"

#define GROUP_TABLES 16
#define GROUPS 64
#define REFERENCES 16

/* The shards colocated with one shard (the anchor), by their tables. */
typedef struct ShardGroup
{
	Oid			anchor;
	int			n;
	Oid			base[GROUP_TABLES];
	Oid			shard[GROUP_TABLES];	/* InvalidOid: not on this node */
} ShardGroup;

static ShardGroup groups[GROUPS];
static int	ngroups = 0;
static int	next_evicted = 0;

/*
 * Reference tables' placements found, by table: remembered (also that a
 * table is not one) until the table's definition changes, which
 * create_reference_table() and a dropped placement both signal.
 */
typedef struct LocalReferences
{
	int			n;
	Oid			base[REFERENCES];
	Oid			placement[REFERENCES];	/* the table itself: not a reference table */
} LocalReferences;

static void *
NewReferences(OtCache *cache pg_attribute_unused(), Snapshot snapshot pg_attribute_unused())
{
	return palloc0(sizeof(LocalReferences));
}

static OtCache references_cache = {.name = "ordertrack reference placements", .build = NewReferences};

void
PlacementInit(void)
{
	OtCacheRegister(&references_cache);
}

/* Whether Citus is loaded and created in this database. */
static bool
citus_here(void)
{
	return GetConfigOption("citus.version", true, false) != NULL &&
		OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE));
}

/* Whether every shard the group names still exists. */
static bool
group_valid(const ShardGroup *g)
{
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(g->anchor)))
		return false;
	for (int i = 0; i < g->n; i++)
		if (OidIsValid(g->shard[i]) && !SearchSysCacheExists1(RELOID, ObjectIdGetDatum(g->shard[i])))
			return false;
	return true;
}

/* Reads the shards colocated with rel from Citus's catalogue; false when rel is no shard of ours. */
static bool
read_group(Relation rel, ShardGroup *g)
{
	Oid			types[2] = {TEXTOID, OIDOID};
	Datum		args[2];
	bool		found = false;

	args[0] = CStringGetTextDatum(quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
															 RelationGetRelationName(rel)));
	args[1] = ObjectIdGetDatum(get_namespace_oid(OT_SCHEMA, false));
	memset(g, 0, sizeof(*g));
	g->anchor = RelationGetRelid(rel);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT t.logicalrelid,"
							  " pg_catalog.to_regclass(pg_catalog.shard_name(t.logicalrelid, t.shardid))::oid"
							  " FROM pg_catalog.pg_dist_shard s"
							  " JOIN pg_catalog.pg_dist_partition ps ON ps.logicalrelid = s.logicalrelid"
							  " JOIN pg_catalog.pg_dist_partition pt ON pt.colocationid = ps.colocationid"
							  " JOIN pg_catalog.pg_dist_shard t ON t.logicalrelid = pt.logicalrelid"
							  "  AND t.shardminvalue = s.shardminvalue"
							  " JOIN pg_catalog.pg_class c ON c.oid = t.logicalrelid AND c.relnamespace = $2"
							  " WHERE ps.partmethod = 'h'"
							  "  AND s.logicalrelid IN (SELECT p.logicalrelid FROM pg_catalog.pg_dist_partition p"
							  "   JOIN pg_catalog.pg_class k ON k.oid = p.logicalrelid AND k.relnamespace = $2)"
							  "  AND pg_catalog.shard_name(s.logicalrelid, s.shardid) = $1",
							  2, types, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the colocated shards of %s", RelationGetRelationName(rel));
	for (uint64 i = 0; i < SPI_processed && g->n < GROUP_TABLES; i++)
	{
		bool		isnull;
		Oid			base = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		Datum		shard = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull);

		g->base[g->n] = base;
		g->shard[g->n] = isnull ? InvalidOid : DatumGetObjectId(shard);
		if (g->shard[g->n] == g->anchor)
			found = true;
		g->n++;
	}
	SPI_finish();
	return found;
}

/* The group of rel (read when unknown or out of date); NULL when rel is no shard of ours. */
static const ShardGroup *
group_of(Relation rel)
{
	ShardGroup *g = NULL;
	ShardGroup	fresh;

	for (int i = 0; i < ngroups; i++)
		if (groups[i].anchor == RelationGetRelid(rel))
		{
			if (group_valid(&groups[i]))
				return &groups[i];
			g = &groups[i];
			break;
		}
	if (!citus_here() || !read_group(rel, &fresh))
		return NULL;
	if (g == NULL)
	{
		if (ngroups < GROUPS)
			g = &groups[ngroups++];
		else
		{
			g = &groups[next_evicted];
			next_evicted = (next_evicted + 1) % GROUPS;
		}
	}
	*g = fresh;
	return g;
}

Oid
OtColocatedShard(Relation rel, const char *table)
{
	const ShardGroup *g;
	Oid			base = OtRelid(table);

	if (RelationGetNamespace(rel) != get_namespace_oid(OT_SCHEMA, false))
		return InvalidOid;
	g = group_of(rel);
	if (g == NULL)
		return InvalidOid;
	for (int i = 0; i < g->n; i++)
		if (g->base[i] == base)
			return g->shard[i];
	return InvalidOid;
}

Oid
OtRowsOf(Relation orders, const char *table)
{
	if (RelationGetRelid(orders) == OtRelid("orders"))
		return OtRelid(table);
	return OtColocatedShard(orders, table);
}

Oid
OtShardBase(Oid relid)
{
	for (int i = 0; i < ngroups; i++)
		for (int j = 0; j < groups[i].n; j++)
			if (groups[i].shard[j] == relid)
				return groups[i].base[j];
	return InvalidOid;
}

Oid
OtLocalTable(const char *table)
{
	Oid			base = OtRelid(table);
	Oid			placement = base;
	Oid			types[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(base)};
	LocalReferences *known;
	OtCacheRead read;

	if (!citus_here())
		return base;
	known = OtCacheGet(&references_cache);
	for (int i = 0; i < known->n; i++)
		if (known->base[i] == base)
			return known->placement[i];
	OtCacheReadBegin(&references_cache, &read);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT pg_catalog.to_regclass(pg_catalog.shard_name(s.logicalrelid, s.shardid))::oid"
							  " FROM pg_catalog.pg_dist_partition p JOIN pg_catalog.pg_dist_shard s USING (logicalrelid)"
							  " WHERE p.logicalrelid = $1 AND p.partmethod = 'n'",
							  1, types, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the placement of %s", table);
	if (SPI_processed > 0)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			placement = DatumGetObjectId(d);
	}
	SPI_finish();
	if (OtCacheReadEnd(&references_cache, &read) && known->n < REFERENCES)
	{
		known->base[known->n] = base;
		known->placement[known->n] = placement;
		known->n++;
		OtCacheWatch(&references_cache, base);
		if (placement != base)
			OtCacheWatch(&references_cache, placement);
	}
	return placement;
}
