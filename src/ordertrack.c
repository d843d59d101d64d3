/*
 * ordertrack.c
 *	  Library entry point: calls each part's initialisation.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/syscache.h"

#include "ordertrack.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Reserves the ordertrack.* settings and initialises every part. */
void
_PG_init(void)
{
	TrackingNoInit();
	IntakeInit();
	OrdersInit();
	DirectInit();
	CatalogueInit();
	StagesInit();
	EventsInit();
	MarkGUCPrefixReserved(OT_SCHEMA);
}

/* Owner of a relation. */
Oid
OtRelationOwner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * Runs what follows as the extension's tables' owner, blind to the caller's
 * search_path: callers may use the extension without privileges on its
 * tables.  An error restores both at transaction or subtransaction abort.
 */
void
OtEnterOwner(Oid owner, OwnerScope *scope)
{
	GetUserIdAndSecContext(&scope->userid, &scope->sec_context);
	SetUserIdAndSecContext(owner, scope->sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	scope->nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
}

/* Back to the caller's identity and settings. */
void
OtLeaveOwner(OwnerScope *scope)
{
	AtEOXact_GUC(false, scope->nestlevel);
	SetUserIdAndSecContext(scope->userid, scope->sec_context);
}
