/*
 * order_guards.c
 *	  What no writer of orders and lines may do, whatever it was granted:
 *
 *	  - order_columns_guard (AFTER UPDATE of orders, when intake_checked_at,
 *		tracking_no, carrier or stage_move change): those are set by intake,
 *		confirm() and the functions that move orders, which run as the
 *		tables' owner; another role changing one is refused with 42501,
 *		unless ordertrack.restoring is on.
 *	  - order_line_guard (AFTER INSERT on order_lines): a line added to an
 *		order that intake has already checked is checked then, with the
 *		order's other lines (intake_recheck.c), while the order is in stage
 *		received or review; later, its lines are fixed (55000).  Lines of an
 *		order that this transaction inserted and that intake has not checked
 *		yet (the usual case: the order and its lines in one transaction) are
 *		recognised from a per-transaction hash table, without reading the
 *		order.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "common.h"
#include "intake_order.h"
#include "order_guards.h"

PG_FUNCTION_INFO_V1(order_columns_guard);
PG_FUNCTION_INFO_V1(order_line_guard);

/*
 * An order this transaction inserted and intake has not checked yet (it is
 * removed when checked, e.g. by SET CONSTRAINTS ... IMMEDIATE): keyed by
 * order_id, then its shop.
 */
typedef struct FreshOrder
{
	int64		order_id;		/* hash key */
	char	   *shop;
} FreshOrder;

static HTAB *fresh = NULL;

static void
fresh_forget(XactEvent event, void *arg pg_attribute_unused())
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT)
		fresh = NULL;			/* its memory goes with TopTransactionContext */
}

void
OrderGuardsInit(void)
{
	RegisterXactCallback(fresh_forget, NULL);
}

static FreshOrder *
fresh_find(int64 order_id, const char *shop, bool create)
{
	bool		found;
	FreshOrder *e;

	if (fresh == NULL)
	{
		HASHCTL		ctl;

		if (!create)
			return NULL;
		ctl.keysize = sizeof(int64);
		ctl.entrysize = sizeof(FreshOrder);
		ctl.hcxt = TopTransactionContext;
		fresh = hash_create("ordertrack new orders", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	e = hash_search(fresh, &order_id, create ? HASH_ENTER : HASH_FIND, &found);
	if (e == NULL)
		return NULL;
	if (!found)
		e->shop = MemoryContextStrdup(TopTransactionContext, shop);
	else if (strcmp(e->shop, shop) != 0)
		return NULL;			/* another shop's order of that id: read it */
	return e;
}

void
OrderGuardNoteNew(int64 order_id, Datum shop)
{
	(void) fresh_find(order_id, TextDatumGetCString(shop), true);
}

void
OrderGuardNoteChecked(int64 order_id, Datum shop)
{
	/* a line from now on reads the order, and finds it checked */
	if (fresh_find(order_id, TextDatumGetCString(shop), false) != NULL)
		(void) hash_search(fresh, &order_id, HASH_REMOVE, NULL);
}

static TriggerData *
guard_trigger(FunctionCallInfo fcinfo, const char *name, const char *table, bool before, TriggerEvent op)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		(td->tg_event & TRIGGER_EVENT_OPMASK) != op ||
		(before ? !TRIGGER_FIRED_BEFORE(td->tg_event) : !TRIGGER_FIRED_AFTER(td->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s must be fired %s %s ON %s FOR EACH ROW", name, before ? "BEFORE" : "AFTER",
						op == TRIGGER_EVENT_INSERT ? "INSERT" : "UPDATE", table)));
	return td;
}

Datum
order_columns_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = guard_trigger(fcinfo, "order_columns_guard", "orders", false, TRIGGER_EVENT_UPDATE);
	static const char *const columns[] = {"intake_checked_at", "tracking_no", "carrier", "stage_move"};
	TupleDesc	desc = td->tg_relation->rd_att;

	/* intake and confirm() run as the owner; a restore says so */
	if (IntakeRestoring() || has_privs_of_role(GetUserId(), td->tg_relation->rd_rel->relowner))
		return PointerGetDatum(NULL);
	for (int i = 0; i < (int) lengthof(columns); i++)
	{
		AttrNumber	att = OtAttnumIfAny(desc, columns[i]);
		bool		old_null;
		bool		new_null;
		Datum		old_value;
		Datum		new_value;
		Form_pg_attribute a;

		if (att == InvalidAttrNumber)
			continue;
		a = TupleDescAttr(desc, att - 1);
		old_value = heap_getattr(td->tg_trigtuple, att, desc, &old_null);
		new_value = heap_getattr(td->tg_newtuple, att, desc, &new_null);
		if (old_null == new_null &&
			(old_null || datumIsEqual(old_value, new_value, a->attbyval, a->attlen)))
			continue;
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s of an order is set by ordertrack, not by the writer", columns[i]),
				 errdetail("intake_checked_at, tracking_no and carrier come from intake and confirm(), stage_move from the functions that move orders."),
				 errhint("Leave %s as it is.  A restore sets ordertrack.restoring = on (superuser).", columns[i])));
	}
	return PointerGetDatum(NULL);
}

Datum
order_line_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = guard_trigger(fcinfo, "order_line_guard", "order_lines", false, TRIGGER_EVENT_INSERT);
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	tup = td->tg_trigtuple;
	bool		shop_null;
	bool		id_null;
	Datum		shop = heap_getattr(tup, OtAttnum(desc, "shop"), desc, &shop_null);
	Datum		id = heap_getattr(tup, OtAttnum(desc, "order_id"), desc, &id_null);
	bool		checked = false;
	char	   *stage = NULL;
	static SPIPlanPtr plan = NULL;
	OwnerScope	scope;
	Oid			caller = GetUserId();
	Oid			types[2] = {TEXTOID, INT8OID};
	Datum		args[2];

	if (shop_null || id_null || IntakeRestoring())
		return PointerGetDatum(NULL);	/* NOT NULL, or a restore, decides */
	if (fresh_find(DatumGetInt64(id), TextDatumGetCString(shop), false) != NULL)
		return PointerGetDatum(NULL);

	/* an order from before this transaction, or one checked in it */
	args[0] = shop;
	args[1] = id;
	OtEnterOwner(OtRelationOwner(OtRelid("orders")), &scope);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_plan(OtPrepare(&plan, "SELECT intake_checked_at IS NOT NULL, stage::text"
								   " FROM ordertrack.orders WHERE shop = $1 AND order_id = $2 FOR UPDATE",
								   2, types), args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the line's order");
	if (SPI_processed == 1)
	{
		bool		isnull;

		checked = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		stage = OtSpiText(0, 2);
	}
	if (checked && (strcmp(stage, "received") == 0 || strcmp(stage, "review") == 0))
		IntakeLinesAdded(shop, DatumGetInt64(id), caller);
	else if (checked)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("order " INT64_FORMAT " of shop \"%s\" is %s: its lines are fixed",
						DatumGetInt64(id), TextDatumGetCString(shop), stage),
				 errdetail("Lines are added until an order is confirmed; intake checks them."),
				 errhint("To change a confirmed order's items, cancel it (ordertrack.cancel) and submit it again.")));
	SPI_finish();
	OtLeaveOwner(&scope);
	return PointerGetDatum(NULL);
}
