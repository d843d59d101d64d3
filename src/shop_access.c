/*
 * shop_access.c
 *	  Which shops a role sees: ordertrack.shop_roles binds roles to shops.
 *	  While it is empty, every role sees every shop (what its duty grants);
 *	  once a role is bound, every role other than a superuser, the tables'
 *	  owner and members of ordertrack_admin sees only the shops its roles
 *	  are bound to.  shop_visible(shop) is the test: the row-level policies
 *	  of the order tables, the reports and the order functions (which run
 *	  as the owner) ask it for the role the session acts as.  The bindings
 *	  are cached per session and follow a committed change (cache.c).
 */
#include "postgres.h"

#include "access/table.h"
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "catalog/namespace.h"
#include "utils/rel.h"

#include "cache.h"
#include "common.h"
#include "placement.h"
#include "direct.h"
#include "shop_access.h"

PG_FUNCTION_INFO_V1(shop_visible);

typedef struct ShopBinding
{
	Oid			role;
	char	   *shop;
} ShopBinding;

typedef struct ShopBindings
{
	int			n;
	ShopBinding *b;
} ShopBindings;

static void *
BuildBindings(OtCache *cache pg_attribute_unused(), Snapshot snapshot)
{
	ShopBindings *s = palloc0(sizeof(ShopBindings));
	int			cap = 0;
	Relation	rel = table_open(OtLocalTable("shop_roles"), AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	TableScanDesc scan = table_beginscan(rel, snapshot, 0, NULL);
	AttrNumber	role_att = OtAttnum(desc, "role");
	AttrNumber	shop_att = OtAttnum(desc, "shop");

	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		Datum		role = slot_getattr(slot, role_att, &isnull);

		if (isnull)
			continue;
		if (s->n == cap)
		{
			cap = Max(8, cap * 2);
			s->b = s->b ? repalloc(s->b, sizeof(ShopBinding) * cap) : palloc(sizeof(ShopBinding) * cap);
		}
		s->b[s->n].role = DatumGetObjectId(role);
		s->b[s->n].shop = OtSlotText(slot, shop_att);
		if (s->b[s->n].shop != NULL)
			s->n++;
	}
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, NoLock);
	return s;
}

static OtCache bindings = {
	.name = "ordertrack shop roles",
	.tables = {"shop_roles"},
	.build = BuildBindings
};

void
ShopAccessInit(void)
{
	OtCacheRegister(&bindings);
}

bool
ShopVisible(Oid role, const char *shop)
{
	static bool present = false;	/* the table was found once (a backend has one database) */
	ShopBindings *s;
	Oid			admin;

	/* a database not yet updated to 0.10 has no bindings */
	if (!present)
	{
		Oid			nsp = get_namespace_oid(OT_SCHEMA, true);

		if (!OidIsValid(nsp) || !OidIsValid(get_relname_relid("shop_roles", nsp)))
			return true;
		present = true;
	}
	s = OtCacheGet(&bindings);
	if (s->n == 0 || superuser_arg(role) ||
		has_privs_of_role(role, OtRelationOwner(OtRelid("shop_roles"))))
		return true;
	admin = get_role_oid("ordertrack_admin", true);
	if (OidIsValid(admin) && has_privs_of_role(role, admin))
		return true;
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->b[i].shop, shop) == 0 && has_privs_of_role(role, s->b[i].role))
			return true;
	return false;
}

/* The error for an order in a shop the calling role does not see. */
void
ShopRequireVisible(Datum shop, const char *what, int64 id)
{
	Oid			role = GetOuterUserId();

	if (!ShopVisible(role, TextDatumGetCString(shop)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s " INT64_FORMAT " is not in a shop that role %s sees", what, id,
						GetUserNameFromId(role, false)),
				 errhint("ordertrack.shop_roles binds roles to shops.")));
}

/* shop_visible(shop): whether the role the session acts as sees the shop. */
Datum
shop_visible(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(ShopVisible(GetOuterUserId(), text_to_cstring(PG_GETARG_TEXT_PP(0))));
}
