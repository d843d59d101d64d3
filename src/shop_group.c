/*
 * shop_group.c
 *	  This server's place in a shop group.  On a Citus cluster every node
 *	  has a group id (the coordinator 0, each worker its own, a node added
 *	  later a new one); it numbers the node's event ids unless the setting
 *	  ordertrack.node_id does, so that events written on different nodes
 *	  never share an id and no node needs configuring by hand.  The group
 *	  id is read from pg_dist_local_group once per session and again after
 *	  Citus changes it (its trigger on that table sends a relcache
 *	  invalidation, which cache.c follows).
 */
#include "postgres.h"

#include "catalog/pg_namespace.h"
#include "executor/spi.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "cache.h"
#include "shop_group.h"

#define LOCAL_GROUP_TABLE "pg_dist_local_group"
#define NODE_ID_MAX 32767

static void *BuildGroup(OtCache *cache, Snapshot snapshot);

static OtCache group_cache = {
	.name = "ordertrack Citus group",
	.build = BuildGroup,
};

void
ShopGroupInit(void)
{
	OtCacheRegister(&group_cache);
}

/* The group id, as an int in the cache's context. */
static void *
BuildGroup(OtCache *cache, Snapshot snapshot pg_attribute_unused())
{
	int		   *group = palloc0(sizeof(int));
	Oid			rel = get_relname_relid(LOCAL_GROUP_TABLE, PG_CATALOG_NAMESPACE);
	bool		isnull = true;
	Datum		d = (Datum) 0;

	if (!OidIsValid(rel))
		return group;
	OtCacheWatch(cache, rel);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT groupid FROM pg_catalog." LOCAL_GROUP_TABLE, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_catalog.%s", LOCAL_GROUP_TABLE);
	if (SPI_processed > 0)
		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	*group = isnull ? 0 : DatumGetInt32(d);
	SPI_finish();
	if (*group < 0 || *group > NODE_ID_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("this node's Citus group id %d is beyond the %d nodes that event ids can number",
						*group, NODE_ID_MAX),
				 errhint("Set ordertrack.node_id on each node to a distinct number from 1 to %d.", NODE_ID_MAX)));
	return group;
}

int
OtNodeId(int configured)
{
	if (configured != 0)
		return configured;
	/* without the Citus library loaded there is no group */
	if (GetConfigOption("citus.version", true, false) == NULL)
		return 0;
	/* before CREATE EXTENSION citus there is none yet: look again next time */
	if (!OidIsValid(get_relname_relid(LOCAL_GROUP_TABLE, PG_CATALOG_NAMESPACE)))
		return 0;
	return *(int *) OtCacheGet(&group_cache);
}
