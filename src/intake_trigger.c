/*
 * intake_trigger.c
 *	  Order intake: the triggers that check every order in the transaction
 *	  that inserts it.
 *
 * order_intake_prepare (BEFORE INSERT, per row) derives what the order row
 * alone tells: the normalised phone and the region.  order_intake_check
 * (AFTER INSERT, a constraint trigger deferred to commit) runs once the
 * lines are in: customer, items, special requests, duplicates, history and
 * blacklist; it writes the flags, the service requirements, the stage
 * (review when a blocking flag is open) and the order_received event.  A row
 * that arrives with intake_checked_at set (a restore, a copy) is left alone.
 *
 * The check reads and writes in one of two ways with the same rules: the
 * direct path (index scans and the executor's single-row writes, direct.c)
 * on ordertrack.orders itself, and the SQL path (three SPI statements) on
 * any other table with the trigger, i.e. a shard of a distributed table,
 * whose statements the distributed planner must route.  Every look-up
 * filters on the order's shop; table names are fixed, never taken from the
 * trigger's relation (which on a shard is orders_102011).
 *
 * Here: the triggers, the account locks and the columns derived from the
 * phone and the address.  The checks on one order are in intake_check.c;
 * reading the order and writing the verdict, both ways, in intake_store.c;
 * the look-ups (duplicates, history, blacklist) in intake_lookup.c; the flag
 * severities and alert setting in flags.c; the event payloads in payload.c.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "common/hashfn.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/rel.h"
#include "access/table.h"
#include "access/xact.h"
#include "access/stratnum.h"

#include "catalogue.h"
#include "common.h"
#include "direct.h"
#include "flags.h"
#include "intake.h"
#include "intake_order.h"
#include "order_guards.h"
#include "placement.h"
#include "payload.h"
#include "stages.h"
#include "ot_phone.h"
#include "ot_text.h"

PG_FUNCTION_INFO_V1(order_intake_prepare);
PG_FUNCTION_INFO_V1(order_intake_check);
PG_FUNCTION_INFO_V1(order_intake_rederive);

/* Checks that a function was fired as the trigger it is meant to be. */
static TriggerData *
require_trigger(FunctionCallInfo fcinfo, const char *name, bool before)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BY_INSERT(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		(before ? !TRIGGER_FIRED_BEFORE(td->tg_event) : !TRIGGER_FIRED_AFTER(td->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s must be fired %s INSERT FOR EACH ROW", name, before ? "BEFORE" : "AFTER")));
	return td;
}

static bool ot_restoring = false;

/*
 * Refuses a new order that comes with a column only ordertrack sets: a
 * writer could otherwise skip intake (intake_checked_at), or take another
 * order's tracking number.
 */
static void
refuse_preset(const char *column)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("%s of a new order is set by ordertrack, not by the writer", column),
			 errdetail("intake_checked_at, tracking_no and carrier come from intake and confirm()."),
			 errhint("Leave %s out.  A restore of checked orders sets ordertrack.restoring = on (superuser), "
					 "or runs with session_replication_role = replica.", column)));
}

/* The earliest created_at a new order may have: 2000-01-01 00:00 UTC. */
#define OT_EARLIEST_ORDER ((TimestampTz) 0)

/*
 * Refuses times on a new order that intake cannot judge: a created_at that
 * is infinite, before 2000, or more than ordertrack.clock_skew ahead of the
 * server (it would escape the duplicate window), and an infinite paid_at
 * ('-infinity' would count as paid).
 */
static void
check_times(HeapTuple tup, TupleDesc desc)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, OtAttnum(desc, "created_at"), desc, &isnull);

	if (!isnull)
	{
		TimestampTz t = DatumGetTimestampTz(d);
		TimestampTz latest = GetCurrentTransactionStartTimestamp() +
			(TimestampTz) ot_clock_skew * USECS_PER_SEC;

		if (TIMESTAMP_NOT_FINITE(t) || t < OT_EARLIEST_ORDER || t > latest)
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("created_at of a new order must be a time between 2000 and now, not %s",
							DatumGetCString(DirectFunctionCall1(timestamptz_out, d))),
					 errdetail("The server's time is %s; ordertrack.clock_skew allows %d s ahead of it.",
							   DatumGetCString(DirectFunctionCall1(timestamptz_out,
																   TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()))),
							   ot_clock_skew),
					 errhint("created_at is when the shopper ordered; leave it out to take the time of the insert.")));
	}
	d = heap_getattr(tup, OtAttnum(desc, "paid_at"), desc, &isnull);
	if (!isnull && TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(d)))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("paid_at of a new order must be a finite time, not %s",
						DatumGetCString(DirectFunctionCall1(timestamptz_out, d))),
				 errhint("Leave paid_at out until the order is paid (mark_paid).")));
}

/*
 * The accounts whose new orders this transaction's intake will check,
 * noted BEFORE INSERT (in TopTransactionContext, forgotten when the
 * transaction ends).  The first check locks them all, in one order (by shop,
 * then account): two transactions whose orders of the same accounts come in
 * another order then never wait for each other in a circle.
 */
typedef struct PendingAccount
{
	char	   *shop;
	char	   *account;
} PendingAccount;

static PendingAccount *pending = NULL;
static int	npending = 0;
static int	maxpending = 0;

/* Notes an account whose order this transaction will check. */
static void
note_account(Datum shop, Datum account)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);

	if (npending == maxpending)
	{
		maxpending = Max(16, maxpending * 2);
		pending = pending ? repalloc(pending, sizeof(PendingAccount) * maxpending)
			: palloc(sizeof(PendingAccount) * maxpending);
	}
	pending[npending].shop = TextDatumGetCString(shop);
	pending[npending].account = TextDatumGetCString(account);
	npending++;
	MemoryContextSwitchTo(old);
}

/* Forgets the noted accounts when the transaction ends (their memory goes with it). */
static void
IntakeXactCallback(XactEvent event, void *arg pg_attribute_unused())
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT)
	{
		pending = NULL;
		npending = maxpending = 0;
	}
}

static bool
already_checked(HeapTuple tup, TupleDesc desc)
{
	bool		isnull;

	(void) heap_getattr(tup, OtAttnum(desc, "intake_checked_at"), desc, &isnull);
	return !isnull;
}

/*
 * The columns derived from an order's phone and address, as
 * heap_modify_tuple_by_cols wants them (entries 0 to 5): the normalised
 * phone and the region (province, city, district, region_code, remote).
 */
static void
derive_columns(HeapTuple tup, TupleDesc desc, int *cols, Datum *vals, bool *nulls)
{
	bool		isnull;
	Datum		d;
	IntakeRegion r;

	/* phone */
	cols[0] = OtAttnum(desc, "phone_normalized");
	d = heap_getattr(tup, OtAttnum(desc, "phone"), desc, &isnull);
	nulls[0] = true;
	vals[0] = (Datum) 0;
	if (!isnull)
	{
		text	   *t = DatumGetTextPP(d);
		char		out[OT_PHONE_NORMALISED_MAX];
		size_t		len;
		char	   *u = IntakeFold(t, &len);

		(void) ot_phone_parse(u, len, out);
		if (out[0] != '\0')
		{
			vals[0] = CStringGetTextDatum(out);
			nulls[0] = false;
		}
	}

	/* region */
	memset(&r, 0, sizeof(r));
	d = heap_getattr(tup, OtAttnum(desc, "address"), desc, &isnull);
	if (!isnull)
	{
		size_t		len;
		char	   *f = IntakeFold(DatumGetTextPP(d), &len);

		IntakeLocate(f, len, &r);
	}
	cols[1] = OtAttnum(desc, "province");
	cols[2] = OtAttnum(desc, "city");
	cols[3] = OtAttnum(desc, "district");
	cols[4] = OtAttnum(desc, "region_code");
	cols[5] = OtAttnum(desc, "remote");
	vals[1] = r.province ? CStringGetTextDatum(r.province) : (Datum) 0;
	vals[2] = r.city ? CStringGetTextDatum(r.city) : (Datum) 0;
	vals[3] = r.district ? CStringGetTextDatum(r.district) : (Datum) 0;
	vals[4] = Int32GetDatum(r.code);
	vals[5] = BoolGetDatum(r.remote);
	nulls[1] = r.province == NULL;
	nulls[2] = r.city == NULL;
	nulls[3] = r.district == NULL;
	nulls[4] = r.code == 0;
	nulls[5] = r.province == NULL;
}

/* Whether a text column differs between two versions of a row. */
static bool
text_changed(HeapTuple a, HeapTuple b, TupleDesc desc, const char *col)
{
	bool		anull,
				bnull;
	Datum		av = heap_getattr(a, OtAttnum(desc, col), desc, &anull);
	Datum		bv = heap_getattr(b, OtAttnum(desc, col), desc, &bnull);

	if (anull || bnull)
		return anull != bnull;
	return strcmp(TextDatumGetCString(av), TextDatumGetCString(bv)) != 0;
}

/*
 * AFTER UPDATE on orders, for a row whose recipient, phone or address
 * changed (the trigger's WHEN).  The normalised phone and the region follow
 * a corrected phone or address, so that the blacklist check at commit,
 * choose_carrier and the reports see the corrected values; it updates those
 * columns alone, which does not fire it again.  And an order that intake
 * has checked is checked again on the corrected fields (intake_recheck.c).
 * AFTER with a WHEN, not BEFORE: a BEFORE UPDATE row trigger would make
 * every UPDATE of orders lock its row first.
 */
Datum
order_intake_rederive(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	HeapTuple	tup;
	int			cols[6];
	Datum		vals[6];
	bool		nulls[6];
	Oid			types[8] = {TEXTOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT4OID, BOOLOID};
	Datum		args[8];
	char		argnulls[8];
	bool		isnull;
	OwnerScope	scope;
	Oid			caller = GetUserId();
	const char *fields[3] = {"recipient", "phone", "address"};
	bool		changed[3];
	StringInfoData corrected;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BY_UPDATE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_AFTER(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("order_intake_rederive must be fired AFTER UPDATE FOR EACH ROW")));
	desc = RelationGetDescr(td->tg_relation);
	tup = td->tg_newtuple;
	initStringInfo(&corrected);
	for (int i = 0; i < 3; i++)
	{
		changed[i] = text_changed(td->tg_trigtuple, tup, desc, fields[i]);
		if (changed[i])
			appendStringInfo(&corrected, "%s%s", corrected.len > 0 ? " and " : "", fields[i]);
	}
	if (corrected.len == 0)
		return PointerGetDatum(NULL);
	args[0] = heap_getattr(tup, OtAttnum(desc, "shop"), desc, &isnull);
	args[1] = heap_getattr(tup, OtAttnum(desc, "order_id"), desc, &isnull);
	argnulls[0] = argnulls[1] = ' ';

	/* the extension's table by its name, never the trigger's relation (a shard's) */
	OtEnterOwner(td->tg_relation->rd_rel->relowner, &scope);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (changed[1] || changed[2])
	{
		derive_columns(tup, desc, cols, vals, nulls);
		for (int i = 0; i < 6; i++)
		{
			args[i + 2] = vals[i];
			argnulls[i + 2] = nulls[i] ? 'n' : ' ';
		}
		if (SPI_execute_with_args("UPDATE ordertrack.orders SET phone_normalized = $3, province = $4, city = $5,"
								  " district = $6, region_code = $7, remote = $8 WHERE shop = $1 AND order_id = $2",
								  8, types, args, argnulls, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "could not update the order's phone and region");
	}
	/* an order not yet checked is checked as corrected at commit */
	if (already_checked(tup, desc))
		IntakeRecheck(args[0], DatumGetInt64(args[1]), caller, corrected.data);
	SPI_finish();
	OtLeaveOwner(&scope);
	return PointerGetDatum(NULL);
}

/*
 * BEFORE INSERT on orders: the normalised phone and the region, and a new
 * order starts in stage received (noted in stage_entered_at).
 */
Datum
order_intake_prepare(PG_FUNCTION_ARGS)
{
	TriggerData *td = require_trigger(fcinfo, "order_intake_prepare", true);
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	tup = td->tg_trigtuple;
	int			cols[7];
	Datum		vals[7];
	bool		nulls[7];
	bool		isnull;
	Datum		d;

	if (already_checked(tup, desc))
	{
		/* a restore's row, taken as it is; no writer may skip intake */
		if (!ot_restoring)
			refuse_preset("intake_checked_at");
		return PointerGetDatum(tup);
	}
	for (int i = 0; i < 2; i++)
	{
		const char *column = i == 0 ? "tracking_no" : "carrier";
		AttrNumber	att = OtAttnumIfAny(desc, column);

		if (att != InvalidAttrNumber && !heap_attisnull(tup, att, desc))
			refuse_preset(column);
	}

	{
		bool		shop_null;
		bool		account_null;
		Datum		shop = heap_getattr(tup, OtAttnum(desc, "shop"), desc, &shop_null);
		Datum		account = heap_getattr(tup, OtAttnum(desc, "account"), desc, &account_null);

		if (!shop_null && !account_null)
			note_account(shop, account);
		if (!shop_null)
		{
			bool		id_null;
			Datum		id = heap_getattr(tup, OtAttnum(desc, "order_id"), desc, &id_null);

			if (!id_null)
				OrderGuardNoteNew(DatumGetInt64(id), shop);
		}
	}

	check_times(tup, desc);
	d = heap_getattr(tup, OtAttnum(desc, "stage"), desc, &isnull);
	if (!isnull)
	{
		char	   *stage = DatumGetCString(DirectFunctionCall1(enum_out, d));

		if (strcmp(stage, "received") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a new order starts in stage received, not %s", stage),
					 errhint("Insert the order without a stage; intake moves it to review when a person must decide.")));
	}

	derive_columns(tup, desc, cols, vals, nulls);

	/* when it entered stage received (a database still at 0.3 has no such column) */
	cols[6] = OtAttnumIfAny(desc, "stage_entered_at");
	if (cols[6] == InvalidAttrNumber)
		return PointerGetDatum(heap_modify_tuple_by_cols(tup, desc, 6, cols, vals, nulls));
	d = heap_getattr(tup, cols[6], desc, &isnull);
	vals[6] = StageEntered(d, isnull, "received");
	nulls[6] = false;

	return PointerGetDatum(heap_modify_tuple_by_cols(tup, desc, 7, cols, vals, nulls));
}

/* The transaction lock of one account of a shop, in ordertrack's own lock class. */
static void
lock_account_key(const char *shop, const char *account)
{
	StringInfoData key;
	uint64		h;
	LOCKTAG		tag;

	initStringInfo(&key);
	appendStringInfo(&key, "ordertrack intake\x1f%s\x1f%s", shop, account);
	h = hash_bytes_extended((const unsigned char *) key.data, key.len, 2026);
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32) (h >> 32), (uint32) h, OT_LOCK_CLASS_ACCOUNT);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
	pfree(key.data);
}

/* Orders noted accounts by shop, then account. */
static int
pending_cmp(const void *a, const void *b)
{
	const PendingAccount *x = a;
	const PendingAccount *y = b;
	int			c = strcmp(x->shop, y->shop);

	return c != 0 ? c : strcmp(x->account, y->account);
}

/*
 * One account at a time: a transaction lock per shop and account, so that
 * of two orders of one account being checked at once, the second sees the
 * first (its look-ups take a snapshot after the lock).  The first check of
 * a transaction locks every account it noted, in a fixed order; the order's
 * own account is then held already (or, for an order whose check was
 * queued without a note, taken now).
 */
static void
lock_account(const IntakeOrder *o)
{
	if (npending > 0)
	{
		qsort(pending, npending, sizeof(PendingAccount), pending_cmp);
		for (int i = 0; i < npending; i++)
			if (i == 0 || pending_cmp(&pending[i], &pending[i - 1]) != 0)
				lock_account_key(pending[i].shop, pending[i].account);
		npending = 0;
	}
	lock_account_key(TextDatumGetCString(o->shop), o->account);
}

/*
 * Writes what intake found, through d (NULL: with SQL statements).  A move
 * to review is recorded as the inserting role's, with the blocking flags as
 * the reason.
 */
static void
record(Direct *d, const IntakeOrder *o, const Findings *f, Oid caller)
{
	OtStageMove move;

	StageMoveBegin(&move, caller, NULL, IntakeHoldReason(f));
	PG_TRY();
	{
		if (d != NULL)
			IntakeRecordDirect(d, o, f);
		else
			IntakeRecordSql(o, f);
	}
	PG_CATCH();
	{
		StageMoveEnd(&move);
		PG_RE_THROW();
	}
	PG_END_TRY();
	StageMoveEnd(&move);
}

/*
 * The deferred check of one order.  Runs at commit (or SET CONSTRAINTS ...
 * IMMEDIATE), when the lines are in.
 */
Datum
order_intake_check(PG_FUNCTION_ARGS)
{
	TriggerData *td = require_trigger(fcinfo, "order_intake_check", false);
	Relation	rel = td->tg_relation;
	TupleDesc	desc = rel->rd_att;
	HeapTuple	tup = td->tg_trigtuple;
	bool		isnull;
	IntakeOrder o;
	Findings	f = {NULL, 0, 0, 0};
	OwnerScope	scope;
	bool		direct;
	Direct		d;
	Oid			caller = GetUserId();

	if (already_checked(tup, desc))
		return PointerGetDatum(NULL);
	/* the cached catalogue and settings as committed now, even in a long transaction */
	AcceptInvalidationMessages();
	memset(&o, 0, sizeof(o));
	o.shop = PointerGetDatum(PG_DETOAST_DATUM_COPY(heap_getattr(tup, OtAttnum(desc, "shop"), desc, &isnull)));
	o.order_id = DatumGetInt64(heap_getattr(tup, OtAttnum(desc, "order_id"), desc, &isnull));
	/* the table itself, or a Citus shard of it (whose colocated shards intake finds) */
	direct = !ot_intake_sql &&
		(RelationGetRelid(rel) == OtRelid("orders") || OtColocatedShard(rel, "orders") == RelationGetRelid(rel));

	/* as the tables' owner: the ERP needs only to insert orders and lines */
	OtEnterOwner(rel->rd_rel->relowner, &scope);
	if (direct)
	{
		memset(&d, 0, sizeof(d));
		if (!IntakeDirectOpen(&d, rel))
			direct = false;
		/* only where it does what statements would: else the SQL path */
		else if (!OtDirectEquivalent(d.orders) || !OtDirectEquivalent(d.lines) || !OtDirectEquivalent(d.flags) ||
				 !OtDirectEquivalent(d.events) || !OtDirectEquivalent(d.notes) || !OtDirectEquivalent(d.blacklist))
		{
			IntakeDirectClose(&d);
			direct = false;
		}
	}
	ereport(DEBUG1,
			(errmsg_internal("ordertrack intake: order " INT64_FORMAT " checked %s", o.order_id,
							 direct ? "directly" : "through SQL statements")));
	if (direct)
	{
		/* see what this transaction wrote so far, as a statement would */
		CommandCounterIncrement();
		d.snapshot = RegisterSnapshot(GetLatestSnapshot());
		if (IntakeReadDirect(&d, &o, tup))
		{
			IntakeCheckOrder(&o, &f);
			lock_account(&o);
			IntakeLookupsDirect(&d, &o);
			IntakeCheckLookups(&o, &f);
			record(&d, &o, &f, caller);
		}
		if (d.scanned)
			OtScanEnd(&d.order_scan);
		else if (d.order_row != NULL)
			ExecDropSingleTupleTableSlot(d.order_row);
		UnregisterSnapshot(d.snapshot);
		IntakeDirectClose(&d);
	}
	else
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		if (IntakeReadSql(&o, false))
		{
			IntakeCheckOrder(&o, &f);
			lock_account(&o);
			IntakeLookupsSql(&o);
			IntakeCheckLookups(&o, &f);
			record(NULL, &o, &f, caller);
		}
		SPI_finish();
	}
	OtLeaveOwner(&scope);
	/* its lines are fixed from now on (order_guards.c) */
	OrderGuardNoteChecked(o.order_id, o.shop);
	return PointerGetDatum(NULL);
}

bool		ot_intake_sql = false;

bool
IntakeRestoring(void)
{
	return ot_restoring;
}

/* The setting that picks the intake's path; the SQL plans are prepared on first use. */
void
IntakeTriggerInit(void)
{
	RegisterXactCallback(IntakeXactCallback, NULL);
	DefineCustomBoolVariable("ordertrack.intake_sql",
							 "Runs the intake checks as SQL statements instead of direct index and table access.",
							 "Intake always uses SQL statements on a table that is not ordertrack.orders itself "
							 "(a shard of a distributed table). This is slower; it is for diagnosis.",
							 &ot_intake_sql, false, PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("ordertrack.restoring",
							 "Takes orders that arrive already checked by intake as they are, for a restore.",
							 "Off, a new order with intake_checked_at, tracking_no or carrier set is refused: "
							 "only intake and confirm() set them.",
							 &ot_restoring, false, PGC_SUSET, 0, NULL, NULL, NULL);
}
