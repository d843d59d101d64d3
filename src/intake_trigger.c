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
 * Here: the triggers, the checks on one order and the verdict (reading the
 * order, recording what was found).  The look-ups (duplicates, history,
 * blacklist) are in intake_lookup.c, the flag severities and alert setting
 * in flags.c, the event payloads in payload.c.
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
#include "payload.h"
#include "stages.h"
#include "ot_phone.h"
#include "ot_text.h"

PG_FUNCTION_INFO_V1(order_intake_prepare);
PG_FUNCTION_INFO_V1(order_intake_check);
PG_FUNCTION_INFO_V1(order_intake_rederive);

#define MAX_TAGS 32

/* A flag found by the checks, before it is written. */
typedef struct FoundFlag
{
	const char *code;
	char	   *detail;
} FoundFlag;

typedef struct Findings
{
	FoundFlag  *flags;
	int			n,
				cap;
	uint32		tags;			/* service tag bits */
} Findings;

static void
add_flag(Findings *f, const char *code, char *detail)
{
	if (f->n == f->cap)
	{
		f->cap = f->cap ? f->cap * 2 : 8;
		f->flags = f->flags ? repalloc(f->flags, sizeof(FoundFlag) * f->cap)
			: palloc(sizeof(FoundFlag) * f->cap);
	}
	f->flags[f->n].code = code;
	f->flags[f->n].detail = detail;
	f->n++;
}

static void
add_tag(Findings *f, const char *tag)
{
	int			t = IntakeTagIndex(tag);

	if (t >= 0)
		f->tags |= (uint32) 1 << t;
}

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

/*
 * AFTER UPDATE on orders, for a row whose phone or address changed (the
 * trigger's WHEN): the normalised phone and the region follow, so that the
 * blacklist check at commit, choose_carrier and the reports see the
 * corrected values.  It updates those columns alone, which does not fire
 * it again.  AFTER with a WHEN, not BEFORE: a BEFORE UPDATE row trigger
 * would make every UPDATE of orders lock its row first.
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

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BY_UPDATE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_AFTER(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("order_intake_rederive must be fired AFTER UPDATE FOR EACH ROW")));
	desc = RelationGetDescr(td->tg_relation);
	tup = td->tg_newtuple;
	derive_columns(tup, desc, cols, vals, nulls);
	args[0] = heap_getattr(tup, OtAttnum(desc, "shop"), desc, &isnull);
	args[1] = heap_getattr(tup, OtAttnum(desc, "order_id"), desc, &isnull);
	argnulls[0] = argnulls[1] = ' ';
	for (int i = 0; i < 6; i++)
	{
		args[i + 2] = vals[i];
		argnulls[i + 2] = nulls[i] ? 'n' : ' ';
	}
	/* the extension's table by its name, never the trigger's relation (a shard's) */
	OtEnterOwner(td->tg_relation->rd_rel->relowner, &scope);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("UPDATE ordertrack.orders SET phone_normalized = $3, province = $4, city = $5,"
							  " district = $6, region_code = $7, remote = $8 WHERE shop = $1 AND order_id = $2",
							  8, types, args, argnulls, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not update the order's phone and region");
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
		return PointerGetDatum(tup);

	{
		bool		shop_null;
		bool		account_null;
		Datum		shop = heap_getattr(tup, OtAttnum(desc, "shop"), desc, &shop_null);
		Datum		account = heap_getattr(tup, OtAttnum(desc, "account"), desc, &account_null);

		if (!shop_null && !account_null)
			note_account(shop, account);
	}

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

/* Compares an order line's value with the catalogue's, ignoring case and width. */
static bool
same_text(const char *a, const char *b)
{
	char	   *fa,
			   *fb;
	size_t		na,
				nb;

	if (a == NULL || b == NULL)
		return true;			/* the ERP did not say, or the catalogue does not know */
	if (strcmp(a, b) == 0)
		return true;			/* the usual case, without folding */
	fa = palloc(strlen(a) + 1);
	fb = palloc(strlen(b) + 1);
	na = ot_text_fold(a, strlen(a), fa);
	nb = ot_text_fold(b, strlen(b), fb);
	/* surrounding spaces do not count */
	while (na > 0 && fa[na - 1] == ' ')
		na--;
	while (nb > 0 && fb[nb - 1] == ' ')
		nb--;
	while (na > 0 && *fa == ' ')
		fa++, na--;
	while (nb > 0 && *fb == ' ')
		fb++, nb--;
	return na == nb && memcmp(fa, fb, na) == 0;
}

static size_t
significant(const char *s)
{
	return s ? ot_text_significant(s, strlen(s)) : 0;
}

/* 1. the customer, 2. the items, 3. the special requests */
static void
check_order(const IntakeOrder *o, Findings *f)
{
	if (significant(o->recipient) == 0)
		add_flag(f, "name_missing", psprintf("Recipient: \"%s\".", o->recipient ? o->recipient : ""));
	if (o->phone_normalized == NULL)
		add_flag(f, "phone_invalid", o->phone ? psprintf("Phone \"%s\" is not a number that can be called.", o->phone)
				 : pstrdup("No phone number."));
	if (significant(o->address) < (size_t) ot_address_min_chars)
		add_flag(f, "address_incomplete",
				 psprintf("Address \"%s\" has %zu letters or digits; at least %d are needed.",
						  o->address ? o->address : "", significant(o->address), ot_address_min_chars));
	else
	{
		size_t		len;
		char	   *folded = IntakeFold(cstring_to_text(o->address), &len);

		if (IntakeNeedsUnit(folded, len))
			add_flag(f, "address_needs_unit",
					 psprintf("Address \"%s\" names no building, unit, room or house number.", o->address));
	}
	if (o->province == NULL)
		add_flag(f, "region_unknown", psprintf("No province recognised in \"%s\".", o->address ? o->address : ""));

	if (o->nlines == 0)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("order " INT64_FORMAT " of shop \"%s\" has no lines",
						o->order_id, TextDatumGetCString(o->shop)),
				 errdetail("An order is committed with at least one line."),
				 errhint("Insert the order and its lines in one transaction, or call ordertrack.submit_order().")));
	for (int i = 0; i < o->nlines; i++)
	{
		const IntakeLine *l = &o->lines[i];

		if (!l->known)
			add_flag(f, "sku_unknown", psprintf("SKU %s is not in the catalogue.", l->sku));
		else if (!l->active)
			add_flag(f, "sku_unknown", psprintf("SKU %s is no longer active.", l->sku));
		else
		{
			const char *fields[3] = {"title", "spec", "colour"};
			const char *mine[3] = {l->title, l->spec, l->colour};
			const char *theirs[3] = {l->cat_title, l->cat_spec, l->cat_colour};

			for (int k = 0; k < 3; k++)
				if (!same_text(mine[k], theirs[k]))
					add_flag(f, "sku_mismatch",
							 psprintf("SKU %s %s: \"%s\" in the catalogue, \"%s\" in the order.",
									  l->sku, fields[k], theirs[k], mine[k]));
		}
		if (l->fragile)
			add_tag(f, "fragile");
		if (l->cold_chain)
			add_tag(f, "cold_chain");
		if (l->quantity > ot_bulk_quantity)
			add_flag(f, "quantity_unusual",
					 psprintf("SKU %s: quantity %d, above ordertrack.bulk_quantity (%d).",
							  l->sku, l->quantity, ot_bulk_quantity));
		if (l->customization != NULL && l->customization[0] != '\0')
		{
			add_tag(f, "customized");
			add_flag(f, "customization", psprintf("SKU %s: %s", l->sku, l->customization));
		}
	}

	if (o->remarks != NULL)
	{
		size_t		len;
		char	   *folded = IntakeFold(cstring_to_text(o->remarks), &len);
		uint32		mask = IntakeRequestMask(folded, len);

		if (mask != 0)
		{
			StringInfoData s;

			initStringInfo(&s);
			for (int t = 0; IntakeServiceTag(t); t++)
				if (mask & ((uint32) 1 << t))
					appendStringInfo(&s, "%s%s", s.len ? ", " : "", IntakeServiceTag(t));
			add_flag(f, "special_request", psprintf("Remarks \"%s\" ask for: %s.", o->remarks, s.data));
			f->tags |= mask;
		}
	}
	if (o->urgent)
		add_tag(f, "urgent");
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

/* 4. duplicates, 5. history, 6. blacklist */
static void
check_lookups(const IntakeOrder *o, Findings *f)
{
	if (o->duplicates != NULL)
		add_flag(f, "duplicate_suspect",
				 psprintf("Account %s ordered the same SKU within %d minutes in order %s.",
						  o->account, ot_duplicate_window / 60, o->duplicates));
	if (o->history != NULL)
		add_flag(f, "customer_history", o->history);
	if (o->blacklisted != NULL)
		add_flag(f, "blacklisted", psprintf("On the blacklist: %s.", o->blacklisted));
}

/* The service requirement tags, in their fixed order; {none} when nothing applies. */
static int
service_tags(const Findings *f, const char **tags)
{
	int			n = 0;

	for (int t = 0; IntakeServiceTag(t) && n < MAX_TAGS; t++)
		if (f->tags & ((uint32) 1 << t))
			tags[n++] = IntakeServiceTag(t);
	if (n == 0)
		tags[n++] = "none";
	return n;
}

/* The service requirements as a text[]. */
static Datum
service_requirements(const Findings *f)
{
	const char *names[MAX_TAGS];
	Datum		tags[MAX_TAGS];
	int			n = service_tags(f, names);

	for (int i = 0; i < n; i++)
		tags[i] = CStringGetTextDatum(names[i]);
	return PointerGetDatum(construct_array(tags, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* The SKUs of the order's lines, distinct and sorted, as a text[]. */
static Datum
order_skus(const IntakeOrder *o)
{
	char	  **sorted = palloc(sizeof(char *) * Max(o->nlines, 1));
	Datum	   *elems = palloc(sizeof(Datum) * Max(o->nlines, 1));
	int			n = 0;

	for (int i = 0; i < o->nlines; i++)
		sorted[i] = o->lines[i].sku;
	qsort(sorted, o->nlines, sizeof(char *), OtCStringCmp);
	for (int i = 0; i < o->nlines; i++)
		if (i == 0 || strcmp(sorted[i], sorted[i - 1]) != 0)
			elems[n++] = CStringGetTextDatum(sorted[i]);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * ------------------------------------------------------------------------
 * The SQL path: three statements through SPI (the look-ups' one is in
 * intake_lookup.c).  Used where the trigger's table is not
 * ordertrack.orders itself (a shard of a distributed table, where the
 * statements are routed to the shop's shards), and when
 * ordertrack.intake_sql is on.
 * ------------------------------------------------------------------------
 */

/* Prepared statements of the SQL path, kept for the backend's life. */
typedef struct IntakePlans
{
	SPIPlanPtr	order;			/* the order and its lines */
	SPIPlanPtr	record;			/* flags, events, verdict */
} IntakePlans;

static IntakePlans plans;

static bool
spi_bool(int row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return !isnull && DatumGetBool(d);
}

/* The order and its lines; false when it is gone or already checked. */
static bool
read_sql(IntakeOrder *o)
{
	Oid			types[2] = {TEXTOID, INT8OID};
	Datum		args[2] = {o->shop, Int64GetDatum(o->order_id)};
	bool		isnull;

	if (SPI_execute_plan(OtPrepare(&plans.order,
								   "SELECT o.account, o.recipient, o.phone, o.phone_normalized, o.address, o.remarks,"
								   " o.province, o.urgent, o.created_at, o.intake_checked_at IS NOT NULL,"
								   " l.line_id IS NOT NULL, l.sku, l.title, l.spec, l.colour, l.quantity, l.customization,"
								   " p.sku IS NOT NULL, p.active, p.title, p.spec, p.colour, p.fragile, p.cold_chain"
								   " FROM ordertrack.orders o"
								   " LEFT JOIN ordertrack.order_lines l ON l.shop = o.shop AND l.order_id = o.order_id"
								   " LEFT JOIN ordertrack.products p ON p.sku = l.sku"
								   " WHERE o.shop = $1 AND o.order_id = $2 ORDER BY l.line_id",
								   2, types), args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the order");
	if (SPI_processed == 0 || spi_bool(0, 10))
		return false;
	o->account = OtSpiText(0, 1);
	o->recipient = OtSpiText(0, 2);
	o->phone = OtSpiText(0, 3);
	o->phone_normalized = OtSpiText(0, 4);
	o->address = OtSpiText(0, 5);
	o->remarks = OtSpiText(0, 6);
	o->province = OtSpiText(0, 7);
	o->urgent = spi_bool(0, 8);
	o->created_at = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 9, &isnull));
	o->nlines = spi_bool(0, 11) ? (int) SPI_processed : 0;
	o->lines = palloc0(sizeof(IntakeLine) * Max(o->nlines, 1));
	for (int i = 0; i < o->nlines; i++)
	{
		IntakeLine *l = &o->lines[i];

		l->sku = OtSpiText(i, 12);
		l->title = OtSpiText(i, 13);
		l->spec = OtSpiText(i, 14);
		l->colour = OtSpiText(i, 15);
		l->quantity = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 16, &isnull));
		l->customization = OtSpiText(i, 17);
		l->known = spi_bool(i, 18);
		l->active = spi_bool(i, 19);
		l->cat_title = OtSpiText(i, 20);
		l->cat_spec = OtSpiText(i, 21);
		l->cat_colour = OtSpiText(i, 22);
		l->fragile = spi_bool(i, 23);
		l->cold_chain = spi_bool(i, 24);
	}
	return true;
}

/* The flags, their flag_raised events, the order's verdict and its event. */
static void
record_sql(const IntakeOrder *o, const Findings *f)
{
	Datum	   *codes = palloc(sizeof(Datum) * Max(f->n, 1));
	Datum	   *details = palloc(sizeof(Datum) * Max(f->n, 1));
	Datum		args[7];
	Oid			types[7] = {TEXTOID, INT8OID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID};
	static const char *const severities[3] = {"block", "warn", "info"};
	Datum		alerts[3];
	int			nalerts = 0;

	for (int i = 0; i < f->n; i++)
	{
		codes[i] = CStringGetTextDatum(f->flags[i].code);
		details[i] = CStringGetTextDatum(f->flags[i].detail);
	}
	args[0] = o->shop;
	args[1] = Int64GetDatum(o->order_id);
	args[2] = PointerGetDatum(construct_array(codes, f->n, TEXTOID, -1, false, TYPALIGN_INT));
	args[3] = PointerGetDatum(construct_array(details, f->n, TEXTOID, -1, false, TYPALIGN_INT));
	args[4] = service_requirements(f);
	args[5] = order_skus(o);
	for (int i = 0; i < 3; i++)
		if (FlagAlerted(severities[i]))
			alerts[nalerts++] = CStringGetTextDatum(severities[i]);
	args[6] = PointerGetDatum(construct_array(alerts, nalerts, TEXTOID, -1, false, TYPALIGN_INT));
	if (SPI_execute_plan(OtPrepare(&plans.record,
								   "WITH raised AS ("
								   " INSERT INTO ordertrack.flags (shop, order_id, code, severity, detail)"
								   " SELECT $1, $2, c.code, c.severity, f.detail"
								   " FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS f(code, detail, n)"
								   " JOIN ordertrack.flag_codes c ON c.code = f.code ORDER BY f.n"
								   " RETURNING flag_id, code, severity, detail),"
								   " alerts AS ("
								   " INSERT INTO ordertrack.events (shop, topic, kind, order_id, payload)"
								   " SELECT $1, 'alerts', 'flag_raised', $2, pg_catalog.jsonb_build_object("
								   " 'flag_id', flag_id, 'code', code, 'severity', severity, 'detail', detail)"
								   " FROM raised WHERE severity = ANY ($7) ORDER BY flag_id),"
								   " verdict AS ("
								   " UPDATE ordertrack.orders o SET service_requirements = $5, skus = $6,"
								   " intake_checked_at = pg_catalog.now(),"
								   " stage = CASE WHEN EXISTS (SELECT 1 FROM raised WHERE severity = 'block')"
								   " THEN 'review'::ordertrack.stage ELSE o.stage END"
								   " WHERE o.shop = $1 AND o.order_id = $2"
								   " RETURNING o.order_id, o.external_ref, o.stage, o.service_requirements)"
								   " INSERT INTO ordertrack.events (shop, topic, kind, order_id, payload)"
								   " SELECT $1, 'intake', 'order_received', $2, pg_catalog.jsonb_build_object("
								   " 'order_id', v.order_id, 'external_ref', v.external_ref, 'stage', v.stage,"
								   " 'service_requirements', v.service_requirements,"
								   " 'flags', (SELECT coalesce(pg_catalog.jsonb_agg(code ORDER BY flag_id), '[]') FROM raised))"
								   " FROM verdict v",
								   7, types), args, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not record the intake of the order");
}

/*
 * ------------------------------------------------------------------------
 * The direct path: index scans and single-row writes (direct.c).  Used
 * when the trigger's table is ordertrack.orders and ordertrack.intake_sql
 * is off.
 * ------------------------------------------------------------------------
 */
static void
direct_open(Direct *d, Relation orders)
{
	d->orders = orders;
	d->lines = table_open(OtRelid("order_lines"), AccessShareLock);
	d->flags = table_open(OtRelid("flags"), RowExclusiveLock);
	d->events = table_open(OtRelid("events"), RowExclusiveLock);
	d->notes = table_open(OtRelid("customer_notes"), AccessShareLock);
	d->blacklist = table_open(OtRelid("blacklist"), AccessShareLock);
	d->stage_type = TupleDescAttr(RelationGetDescr(orders), OtAttnum(RelationGetDescr(orders), "stage") - 1)->atttypid;
}

static void
direct_close(Direct *d)
{
	table_close(d->lines, NoLock);
	table_close(d->flags, NoLock);
	table_close(d->events, NoLock);
	table_close(d->notes, NoLock);
	table_close(d->blacklist, NoLock);
}

static int
line_cmp(const void *a, const void *b)
{
	int64		x = ((const IntakeLine *) a)->line_id;
	int64		y = ((const IntakeLine *) b)->line_id;

	return (x > y) - (x < y);
}

/* A line's catalogue entry (cached per session). */
static void
read_product(IntakeLine *l)
{
	const OtProduct *p = CatalogueProduct(l->sku);

	l->known = p->known;
	l->active = p->active;
	l->fragile = p->fragile;
	l->cold_chain = p->cold_chain;
	l->cat_title = p->title ? pstrdup(p->title) : NULL;
	l->cat_spec = p->spec ? pstrdup(p->spec) : NULL;
	l->cat_colour = p->colour ? pstrdup(p->colour) : NULL;
}

/*
 * The order (kept in d->order_row) and its lines; false when it is gone or
 * already checked.  The row the trigger was fired for is the order's row
 * unless something updated or deleted it since (locks from foreign key
 * checks of its lines do not count); then it is looked up again.
 */
static bool
read_direct(Direct *d, IntakeOrder *o, HeapTuple fired)
{
	TupleDesc	desc = RelationGetDescr(d->orders);
	TupleDesc	ldesc = RelationGetDescr(d->lines);
	OtKey		k[2] = {{1, BTEqualStrategyNumber, o->shop},
	{2, BTEqualStrategyNumber, Int64GetDatum(o->order_id)}};
	TupleTableSlot *row;
	bool		isnull;
	OtScan		s;
	int			cap = 4;
	uint16		infomask = fired->t_data->t_infomask;

	if ((infomask & HEAP_XMAX_INVALID) || HEAP_XMAX_IS_LOCKED_ONLY(infomask))
	{
		d->order_row = MakeSingleTupleTableSlot(desc, &TTSOpsHeapTuple);
		ExecStoreHeapTuple(heap_copytuple(fired), d->order_row, true);
	}
	else
	{
		d->scanned = true;
		OtScanBegin(&d->order_scan, d->orders, "orders_pkey", d->snapshot, 2, k);
		if (!OtScanNext(&d->order_scan))
			return false;
		d->order_row = d->order_scan.slot;
	}
	row = d->order_row;
	(void) slot_getattr(row, OtAttnum(desc, "intake_checked_at"), &isnull);
	if (!isnull)
		return false;
	o->external_ref = OtSlotText(row, OtAttnum(desc, "external_ref"));
	o->account = OtSlotText(row, OtAttnum(desc, "account"));
	o->recipient = OtSlotText(row, OtAttnum(desc, "recipient"));
	o->phone = OtSlotText(row, OtAttnum(desc, "phone"));
	o->phone_normalized = OtSlotText(row, OtAttnum(desc, "phone_normalized"));
	o->address = OtSlotText(row, OtAttnum(desc, "address"));
	o->remarks = OtSlotText(row, OtAttnum(desc, "remarks"));
	o->province = OtSlotText(row, OtAttnum(desc, "province"));
	o->urgent = DatumGetBool(slot_getattr(row, OtAttnum(desc, "urgent"), &isnull));
	o->created_at = DatumGetTimestampTz(slot_getattr(row, OtAttnum(desc, "created_at"), &isnull));
	d->stage = slot_getattr(row, OtAttnum(desc, "stage"), &isnull);

	o->lines = palloc0(sizeof(IntakeLine) * cap);
	OtScanBegin(&s, d->lines, "order_lines_order", d->snapshot, 2, k);
	while (OtScanNext(&s))
	{
		IntakeLine *l;

		if (o->nlines == cap)
		{
			cap *= 2;
			o->lines = repalloc(o->lines, sizeof(IntakeLine) * cap);
		}
		l = &o->lines[o->nlines++];
		memset(l, 0, sizeof(*l));
		l->line_id = DatumGetInt64(slot_getattr(s.slot, OtAttnum(ldesc, "line_id"), &isnull));
		l->sku = OtSlotText(s.slot, OtAttnum(ldesc, "sku"));
		l->title = OtSlotText(s.slot, OtAttnum(ldesc, "title"));
		l->spec = OtSlotText(s.slot, OtAttnum(ldesc, "spec"));
		l->colour = OtSlotText(s.slot, OtAttnum(ldesc, "colour"));
		l->quantity = DatumGetInt32(slot_getattr(s.slot, OtAttnum(ldesc, "quantity"), &isnull));
		l->customization = OtSlotText(s.slot, OtAttnum(ldesc, "customization"));
	}
	OtScanEnd(&s);
	qsort(o->lines, o->nlines, sizeof(IntakeLine), line_cmp);
	for (int i = 0; i < o->nlines; i++)
		read_product(&o->lines[i]);
	return true;
}

/* The flags, their flag_raised events, the order's verdict and its event. */
static void
record_direct(Direct *d, const IntakeOrder *o, const Findings *f)
{
	static const char *const flag_cols[5] = {"shop", "order_id", "code", "severity", "detail"};
	static const char *const order_cols[4] = {"service_requirements", "intake_checked_at", "stage", "skus"};
	enum
	{
		W_FLAGS, W_EVENTS, W_ORDERS
	};
	Relation	rels[3] = {d->flags, d->events, d->orders};	/* in the order of the enum */
	AttrNumber	flag_id_att = OtAttnum(RelationGetDescr(d->flags), "flag_id");
	OtWriter	w;
	bool		block = false;
	const char **codes = palloc(sizeof(char *) * Max(f->n, 1));
	const char *tags[MAX_TAGS];
	int			ntags;
	Payload		p;
	Datum		vals[5];
	bool		nulls[5] = {false, false, false, false, false};
	Datum		stage;

	OtWriterBegin(&w, 3, rels, d->snapshot);
	for (int i = 0; i < f->n; i++)
	{
		const char *severity = FlagSeverity(f->flags[i].code);
		TupleTableSlot *row;
		bool		isnull;

		block |= strcmp(severity, "block") == 0;
		vals[0] = o->shop;
		vals[1] = Int64GetDatum(o->order_id);
		vals[2] = CStringGetTextDatum(f->flags[i].code);
		vals[3] = CStringGetTextDatum(severity);
		vals[4] = CStringGetTextDatum(f->flags[i].detail);
		row = OtInsert(&w, W_FLAGS, 5, flag_cols, vals, nulls);
		codes[i] = f->flags[i].code;
		if (!FlagAlerted(severity))
			continue;
		PayloadBegin(&p);
		PayloadInt8(&p, "flag_id", DatumGetInt64(slot_getattr(row, flag_id_att, &isnull)));
		PayloadText(&p, "code", f->flags[i].code);
		PayloadText(&p, "severity", severity);
		PayloadText(&p, "detail", f->flags[i].detail);
		PayloadPublish(&w, W_EVENTS, o->shop, o->order_id, "alerts", "flag_raised", &p);
	}

	stage = block ? DirectFunctionCall2(enum_in, CStringGetDatum("review"), ObjectIdGetDatum(d->stage_type))
		: d->stage;
	vals[0] = service_requirements(f);
	vals[1] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	vals[2] = stage;
	vals[3] = order_skus(o);
	OtUpdate(&w, W_ORDERS, d->order_row, 4, order_cols, vals, nulls);

	ntags = service_tags(f, tags);
	PayloadBegin(&p);
	PayloadInt8(&p, "order_id", o->order_id);
	PayloadText(&p, "external_ref", o->external_ref);
	PayloadText(&p, "stage", DatumGetCString(DirectFunctionCall1(enum_out, stage)));
	PayloadTexts(&p, "service_requirements", tags, ntags);
	PayloadTexts(&p, "flags", codes, f->n);
	PayloadPublish(&w, W_EVENTS, o->shop, o->order_id, "intake", "order_received", &p);
	OtWriterEnd(&w);
}

/* Why intake holds the order ("held by intake: a, b"), or NULL when nothing blocks it. */
static char *
hold_reason(const Findings *f)
{
	StringInfoData s;

	s.data = NULL;				/* built only for an order that is held */
	for (int i = 0; i < f->n; i++)
		if (strcmp(FlagSeverity(f->flags[i].code), "block") == 0)
		{
			if (s.data == NULL)
				initStringInfo(&s);
			appendStringInfo(&s, "%s %s", s.len == 0 ? "held by intake:" : ",", f->flags[i].code);
		}
	return s.data;
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

	StageMoveBegin(&move, caller, NULL, hold_reason(f));
	PG_TRY();
	{
		if (d != NULL)
			record_direct(d, o, f);
		else
			record_sql(o, f);
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
	direct = !ot_intake_sql && RelationGetRelid(rel) == OtRelid("orders");

	/* as the tables' owner: the ERP needs only to insert orders and lines */
	OtEnterOwner(rel->rd_rel->relowner, &scope);
	if (direct)
	{
		memset(&d, 0, sizeof(d));
		direct_open(&d, rel);
		/* only where it does what statements would: else the SQL path */
		if (!OtDirectEquivalent(d.orders) || !OtDirectEquivalent(d.lines) || !OtDirectEquivalent(d.flags) ||
			!OtDirectEquivalent(d.events) || !OtDirectEquivalent(d.notes) || !OtDirectEquivalent(d.blacklist))
		{
			direct_close(&d);
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
		if (read_direct(&d, &o, tup))
		{
			check_order(&o, &f);
			lock_account(&o);
			IntakeLookupsDirect(&d, &o);
			check_lookups(&o, &f);
			record(&d, &o, &f, caller);
		}
		if (d.scanned)
			OtScanEnd(&d.order_scan);
		else if (d.order_row != NULL)
			ExecDropSingleTupleTableSlot(d.order_row);
		UnregisterSnapshot(d.snapshot);
		direct_close(&d);
	}
	else
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		if (read_sql(&o))
		{
			check_order(&o, &f);
			lock_account(&o);
			IntakeLookupsSql(&o);
			check_lookups(&o, &f);
			record(NULL, &o, &f, caller);
		}
		SPI_finish();
	}
	OtLeaveOwner(&scope);
	return PointerGetDatum(NULL);
}

bool		ot_intake_sql = false;

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
}
