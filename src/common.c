/*
 * common.c
 *	  Helpers shared by the extension's parts: running SPI work as a table's
 *	  owner, preparing SPI statements and reading their results, sorting C
 *	  strings, and finding the extension's tables and their columns by name.
 *	  Below every part: it uses none of them.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "common.h"

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

/* Text of a column of the current SPI row, or NULL. */
char *
OtSpiText(int row, int col)
{
	return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
}

/* The statement prepared in *slot, preparing and keeping it on first use. */
SPIPlanPtr
OtPrepare(SPIPlanPtr *slot, const char *sql, int nargs, Oid *types)
{
	if (*slot == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(sql, nargs, types);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql, SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		*slot = p;
	}
	return *slot;
}

/* qsort comparison of C strings (an array of char *). */
int
OtCStringCmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Syscache callback that empties a remembered list: arg points to its count. */
void
OtForgetAll(Datum arg, int cacheid pg_attribute_unused(), uint32 hashvalue pg_attribute_unused())
{
	*(int *) DatumGetPointer(arg) = 0;
}

/*
 * OID of a table, index or sequence of the extension.  Answers are
 * remembered per name until pg_class or pg_namespace change (a syscache
 * invalidation of either drops them all): intake asks for about ten per
 * order, and each lookup would otherwise cost two catalogue cache probes.
 */
#define RELID_SLOTS 32
typedef struct RelidSlot
{
	char		name[NAMEDATALEN];
	Oid			relid;
} RelidSlot;
static RelidSlot relids[RELID_SLOTS];
static int	nrelids = 0;

Oid
OtRelid(const char *name)
{
	Oid			relid;

	for (int i = 0; i < nrelids; i++)
		if (strcmp(relids[i].name, name) == 0)
			return relids[i].relid;
	relid = get_relname_relid(name, get_namespace_oid(OT_SCHEMA, false));
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s.%s\" does not exist", OT_SCHEMA, name),
				 errhint("The extension's objects were altered; ALTER EXTENSION ordertrack UPDATE or reinstall it.")));
	if (nrelids < RELID_SLOTS && strlen(name) < NAMEDATALEN)
	{
		strlcpy(relids[nrelids].name, name, NAMEDATALEN);
		relids[nrelids].relid = relid;
		nrelids++;
	}
	return relid;
}

/*
 * Attribute number of a column; an error when the table lacks it.  Callers
 * pass column names as string constants: the answer is remembered per
 * (table, name) and checked against the descriptor on every use, so a
 * changed table is looked up again and never answered wrongly.
 */
#define ATTNUM_SLOTS 256			/* a power of two */
#define ATTNUM_PROBES 8
typedef struct AttnumSlot
{
	Oid			typid;			/* the table's row type */
	const char *name;
	AttrNumber	att;
} AttnumSlot;
static AttnumSlot attnums[ATTNUM_SLOTS];

static AttrNumber attnum_lookup(TupleDesc desc, const char *name, bool missing_ok);

AttrNumber
OtAttnum(TupleDesc desc, const char *name)
{
	return attnum_lookup(desc, name, false);
}

/*
 * As OtAttnum, but InvalidAttrNumber when the table lacks the column: for
 * columns that a later version of the extension added, which a database
 * not yet updated (ALTER EXTENSION ordertrack UPDATE) does not have.
 */
AttrNumber
OtAttnumIfAny(TupleDesc desc, const char *name)
{
	return attnum_lookup(desc, name, true);
}

static AttrNumber
attnum_lookup(TupleDesc desc, const char *name, bool missing_ok)
{
	uint32		h = (uint32) ((uintptr_t) name >> 3) ^ (desc->tdtypeid * 2654435761u);
	AttnumSlot *slot = NULL;
	int			att;

	/* linear probing: the slot that holds the answer, else the first free one */
	for (int p = 0; p < ATTNUM_PROBES; p++)
	{
		AttnumSlot *s = &attnums[(h + p) & (ATTNUM_SLOTS - 1)];

		if (s->name == name && s->typid == desc->tdtypeid)
		{
			if (s->att <= desc->natts && !TupleDescAttr(desc, s->att - 1)->attisdropped &&
				strcmp(NameStr(TupleDescAttr(desc, s->att - 1)->attname), name) == 0)
				return s->att;
			slot = s;			/* the table changed: look again, in this slot */
			break;
		}
		if (s->name == NULL)
		{
			slot = s;			/* not remembered yet (slots are never emptied) */
			break;
		}
	}
	att = SPI_fnumber(desc, name);
	if (att <= 0 && missing_ok)
		return InvalidAttrNumber;
	if (att <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of an ordertrack table does not exist", name)));
	if (slot == NULL)
		slot = &attnums[h & (ATTNUM_SLOTS - 1)];	/* all taken: replace the first */
	slot->typid = desc->tdtypeid;
	slot->name = name;
	slot->att = (AttrNumber) att;
	return (AttrNumber) att;
}

/* Registers the invalidation callbacks of the remembered relation OIDs. */
void
CommonInit(void)
{
	CacheRegisterSyscacheCallback(RELNAMENSP, OtForgetAll, PointerGetDatum(&nrelids));
	CacheRegisterSyscacheCallback(NAMESPACENAME, OtForgetAll, PointerGetDatum(&nrelids));
}

/*
 * Refuses an order_id (or a flag_id) that rows of several shops share: the
 * current SPI result holds them, the shop in column shop_col.  An id comes
 * from its identity, unique across shops, unless rows were inserted with
 * OVERRIDING SYSTEM VALUE (or before 0.7): a function that takes the id
 * alone never picks one of them.
 */
void
OtIdAmbiguous(const char *what, int64 id, int shop_col)
{
	StringInfoData shops;

	initStringInfo(&shops);
	for (uint64 i = 0; i < SPI_processed; i++)
		appendStringInfo(&shops, "%s%s", i > 0 ? ", " : "", OtSpiText((int) i, shop_col));
	ereport(ERROR,
			(errcode(ERRCODE_CARDINALITY_VIOLATION),
			 errmsg("%s " INT64_FORMAT " is ambiguous: " UINT64_FORMAT " rows have it", what, id, SPI_processed),
			 errdetail("Shops: %s.", shops.data),
			 errhint("An id is unique unless rows were inserted with OVERRIDING SYSTEM VALUE: give all but one of them a new id.")));
}
