/*
 * orders.c
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
 * Every query filters on the order's shop; table names are fixed, never
 * taken from the trigger's relation (which on a shard is orders_102011).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "common/hashfn.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "ordertrack.h"
#include "ot_phone.h"
#include "ot_text.h"

PG_FUNCTION_INFO_V1(order_intake_prepare);
PG_FUNCTION_INFO_V1(order_intake_check);

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

/* Attribute number of a column the orders table must have. */
static int
column(TupleDesc desc, const char *name)
{
	int			att = SPI_fnumber(desc, name);

	if (att <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("intake trigger on a table without column \"%s\"", name)));
	return att;
}

static bool
already_checked(HeapTuple tup, TupleDesc desc)
{
	bool		isnull;

	(void) heap_getattr(tup, column(desc, "intake_checked_at"), desc, &isnull);
	return !isnull;
}

/*
 * BEFORE INSERT on orders: the normalised phone and the region, and a new
 * order starts in stage received.
 */
Datum
order_intake_prepare(PG_FUNCTION_ARGS)
{
	TriggerData *td = require_trigger(fcinfo, "order_intake_prepare", true);
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	tup = td->tg_trigtuple;
	int			cols[6];
	Datum		vals[6];
	bool		nulls[6];
	bool		isnull;
	Datum		d;
	IntakeRegion r;

	if (already_checked(tup, desc))
		return PointerGetDatum(tup);

	d = heap_getattr(tup, column(desc, "stage"), desc, &isnull);
	if (!isnull)
	{
		char	   *stage = DatumGetCString(DirectFunctionCall1(enum_out, d));

		if (strcmp(stage, "received") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a new order starts in stage received, not %s", stage),
					 errhint("Insert the order without a stage; intake moves it to review when a person must decide.")));
	}

	/* phone */
	cols[0] = column(desc, "phone_normalized");
	d = heap_getattr(tup, column(desc, "phone"), desc, &isnull);
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
	d = heap_getattr(tup, column(desc, "address"), desc, &isnull);
	if (!isnull)
	{
		size_t		len;
		char	   *f = IntakeFold(DatumGetTextPP(d), &len);

		IntakeLocate(f, len, &r);
	}
	cols[1] = column(desc, "province");
	cols[2] = column(desc, "city");
	cols[3] = column(desc, "district");
	cols[4] = column(desc, "region_code");
	cols[5] = column(desc, "remote");
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

	return PointerGetDatum(heap_modify_tuple_by_cols(tup, desc, 6, cols, vals, nulls));
}

/* Prepared statements of the deferred check, kept for the backend's life. */
typedef struct IntakePlans
{
	SPIPlanPtr	order;			/* the order and its lines */
	SPIPlanPtr	lookups;		/* duplicates, history, blacklist */
	SPIPlanPtr	record;			/* flags, events, verdict */
} IntakePlans;

static IntakePlans plans;

static SPIPlanPtr
prepare(SPIPlanPtr *slot, const char *sql, int nargs, Oid *types)
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

/* Text of a column of the current SPI row, or NULL. */
static char *
spi_text(int row, int col)
{
	return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
}

static bool
spi_bool(int row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return !isnull && DatumGetBool(d);
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

/*
 * The deferred check of one order.  Runs at commit (or SET CONSTRAINTS ...
 * IMMEDIATE), when the lines are in.
 */
Datum
order_intake_check(PG_FUNCTION_ARGS)
{
	TriggerData *td = require_trigger(fcinfo, "order_intake_check", false);
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	tup = td->tg_trigtuple;
	bool		isnull;
	Datum		shop;
	Datum		order_id;
	Oid			key_types[2] = {TEXTOID, INT8OID};
	Datum		key[2];
	char	   *account,
			   *recipient,
			   *phone,
			   *phone_normalized,
			   *address,
			   *remarks,
			   *province;
	bool		urgent;
	Datum		created_at;
	Findings	f = {NULL, 0, 0, 0};
	int			nlines;
	ArrayBuildState *skus = NULL;
	OwnerScope	scope;

	if (already_checked(tup, desc))
		return PointerGetDatum(NULL);
	shop = heap_getattr(tup, column(desc, "shop"), desc, &isnull);
	order_id = heap_getattr(tup, column(desc, "order_id"), desc, &isnull);
	key[0] = shop;
	key[1] = order_id;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* as the tables' owner: the ERP needs only to insert orders and lines */
	OtEnterOwner(td->tg_relation->rd_rel->relowner, &scope);

	/*
	 * Statement 1: the order as it is now (it may have changed since the
	 * insert), one row per line with the catalogue's view of it.
	 */
	if (SPI_execute_plan(prepare(&plans.order,
								 "SELECT o.account, o.recipient, o.phone, o.phone_normalized, o.address, o.remarks,"
								 " o.province, o.urgent, o.created_at, o.intake_checked_at IS NOT NULL,"
								 " l.line_id IS NOT NULL, l.sku, l.title, l.spec, l.colour, l.quantity, l.customization,"
								 " p.sku IS NOT NULL, p.active, p.title, p.spec, p.colour, p.fragile, p.cold_chain"
								 " FROM ordertrack.orders o"
								 " LEFT JOIN ordertrack.order_lines l ON l.shop = o.shop AND l.order_id = o.order_id"
								 " LEFT JOIN ordertrack.products p ON p.sku = l.sku"
								 " WHERE o.shop = $1 AND o.order_id = $2 ORDER BY l.line_id",
								 2, key_types), key, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the order");
	if (SPI_processed == 0 || spi_bool(0, 10))
	{
		OtLeaveOwner(&scope);
		SPI_finish();
		return PointerGetDatum(NULL);	/* deleted again, or already checked */
	}
	account = spi_text(0, 1);
	recipient = spi_text(0, 2);
	phone = spi_text(0, 3);
	phone_normalized = spi_text(0, 4);
	address = spi_text(0, 5);
	remarks = spi_text(0, 6);
	province = spi_text(0, 7);
	urgent = spi_bool(0, 8);
	created_at = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 9, &isnull);

	/* 1. the customer */
	if (significant(recipient) == 0)
		add_flag(&f, "name_missing", psprintf("Recipient: \"%s\".", recipient ? recipient : ""));
	if (phone_normalized == NULL)
		add_flag(&f, "phone_invalid", phone ? psprintf("Phone \"%s\" is not a number that can be called.", phone)
				 : pstrdup("No phone number."));
	if (significant(address) < (size_t) ot_address_min_chars)
		add_flag(&f, "address_incomplete",
				 psprintf("Address \"%s\" has %zu letters or digits; at least %d are needed.",
						  address ? address : "", significant(address), ot_address_min_chars));
	else
	{
		size_t		len;
		char	   *folded = IntakeFold(cstring_to_text(address), &len);

		if (IntakeNeedsUnit(folded, len))
			add_flag(&f, "address_needs_unit",
					 psprintf("Address \"%s\" names no building, unit, room or house number.", address));
	}
	if (province == NULL)
		add_flag(&f, "region_unknown", psprintf("No province recognised in \"%s\".", address ? address : ""));

	/* 2. the items */
	nlines = spi_bool(0, 11) ? (int) SPI_processed : 0;
	if (nlines == 0)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("order " INT64_FORMAT " of shop \"%s\" has no lines",
						DatumGetInt64(order_id), TextDatumGetCString(shop)),
				 errdetail("An order is committed with at least one line."),
				 errhint("Insert the order and its lines in one transaction, or call ordertrack.submit_order().")));
	for (int i = 0; i < nlines; i++)
	{
		char	   *sku = spi_text(i, 12);
		const char *fields[3] = {"title", "spec", "colour"};

		skus = accumArrayResult(skus, CStringGetTextDatum(sku), false, TEXTOID, CurrentMemoryContext);
		if (!spi_bool(i, 18))
			add_flag(&f, "sku_unknown", psprintf("SKU %s is not in the catalogue.", sku));
		else if (!spi_bool(i, 19))
			add_flag(&f, "sku_unknown", psprintf("SKU %s is no longer active.", sku));
		else
			for (int k = 0; k < 3; k++)
			{
				char	   *mine = spi_text(i, 13 + k);
				char	   *theirs = spi_text(i, 20 + k);

				if (!same_text(mine, theirs))
					add_flag(&f, "sku_mismatch",
							 psprintf("SKU %s %s: \"%s\" in the catalogue, \"%s\" in the order.",
									  sku, fields[k], theirs, mine));
			}
		if (spi_bool(i, 23))
			add_tag(&f, "fragile");
		if (spi_bool(i, 24))
			add_tag(&f, "cold_chain");
		{
			char	   *qty = spi_text(i, 16);

			if (atoi(qty) > ot_bulk_quantity)
				add_flag(&f, "quantity_unusual",
						 psprintf("SKU %s: quantity %s, above ordertrack.bulk_quantity (%d).",
								  sku, qty, ot_bulk_quantity));
		}
		{
			char	   *custom = spi_text(i, 17);

			if (custom != NULL && custom[0] != '\0')
			{
				add_tag(&f, "customized");
				add_flag(&f, "customization", psprintf("SKU %s: %s", sku, custom));
			}
		}
	}

	/* 3. special requests */
	if (remarks != NULL)
	{
		size_t		len;
		char	   *folded = IntakeFold(cstring_to_text(remarks), &len);
		uint32		mask = IntakeRequestMask(folded, len);

		if (mask != 0)
		{
			StringInfoData s;

			initStringInfo(&s);
			for (int t = 0; IntakeServiceTag(t); t++)
				if (mask & ((uint32) 1 << t))
					appendStringInfo(&s, "%s%s", s.len ? ", " : "", IntakeServiceTag(t));
			add_flag(&f, "special_request", psprintf("Remarks \"%s\" ask for: %s.", remarks, s.data));
			f.tags |= mask;
		}
	}
	if (urgent)
		add_tag(&f, "urgent");

	/*
	 * 4. duplicates, 5. history, 6. blacklist.  One account at a time (a
	 * transaction lock per shop and account), and statement 2 looks with the
	 * latest snapshot, so an order committed while we waited is seen.
	 */
	{
		StringInfoData lockkey;
		Oid			types[9] = {TEXTOID, TEXTOID, INT8OID, TEXTARRAYOID, TIMESTAMPTZOID, INTERVALOID,
		TEXTOID, TEXTOID, TEXTOID};
		Datum		args[9];
		char		nulls[9] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
		Interval   *window = palloc0(sizeof(Interval));
		char	   *shop_str = TextDatumGetCString(shop);

		initStringInfo(&lockkey);
		appendStringInfo(&lockkey, "ordertrack intake\x1f%s\x1f%s", shop_str, account);
		(void) DirectFunctionCall1(pg_advisory_xact_lock_int8,
								   Int64GetDatum((int64) hash_bytes_extended((const unsigned char *) lockkey.data,
																			 lockkey.len, 2026)));
		window->time = (int64) ot_duplicate_window * USECS_PER_SEC;
		args[0] = shop;
		args[1] = CStringGetTextDatum(account);
		args[2] = order_id;
		args[3] = makeArrayResult(skus, CurrentMemoryContext);
		args[4] = created_at;
		args[5] = IntervalPGetDatum(window);
		args[6] = phone_normalized ? CStringGetTextDatum(phone_normalized) : (Datum) 0;
		args[7] = phone ? CStringGetTextDatum(phone) : (Datum) 0;
		args[8] = address ? CStringGetTextDatum(address) : (Datum) 0;
		nulls[6] = phone_normalized ? ' ' : 'n';
		nulls[7] = phone ? ' ' : 'n';
		nulls[8] = address ? ' ' : 'n';
		if (SPI_execute_snapshot(prepare(&plans.lookups,
										 "SELECT"
										 " (SELECT pg_catalog.string_agg(DISTINCT format('%s (ERP %s)', o.order_id, o.external_ref), ', ')"
										 "  FROM ordertrack.orders o JOIN ordertrack.order_lines l"
										 "  ON l.shop = o.shop AND l.order_id = o.order_id"
										 "  WHERE o.shop = $1 AND o.account = $2 AND o.order_id <> $3"
										 "  AND l.sku = ANY ($4) AND o.stage <> 'cancelled'"
										 "  AND o.created_at > $5 - $6 AND o.created_at < $5 + $6),"
										 " (SELECT pg_catalog.string_agg(format('%s (%s, %s)', note, kind, noted_at::date), '; '"
										 "  ORDER BY noted_at DESC)"
										 "  FROM ordertrack.customer_notes WHERE shop = $1 AND account = $2),"
										 " (SELECT pg_catalog.string_agg(format('%s %s%s', kind, value,"
										 "  coalesce(': ' || reason, '')), '; ')"
										 "  FROM ordertrack.blacklist WHERE shop = $1 AND ("
										 "  (kind = 'account' AND value = $2) OR"
										 "  (kind = 'phone' AND value IN ($7, $8)) OR"
										 "  (kind = 'address' AND value = $9)))",
										 9, types),
								 args, nulls, GetLatestSnapshot(), InvalidSnapshot, true, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not look up duplicates, history and blacklist");
		if (spi_text(0, 1) != NULL)
			add_flag(&f, "duplicate_suspect",
					 psprintf("Account %s ordered the same SKU within %d minutes in order %s.",
							  account, ot_duplicate_window / 60, spi_text(0, 1)));
		if (spi_text(0, 2) != NULL)
			add_flag(&f, "customer_history", spi_text(0, 2));
		if (spi_text(0, 3) != NULL)
			add_flag(&f, "blacklisted", psprintf("On the blacklist: %s.", spi_text(0, 3)));
	}

	/* statement 3: the flags, the events and the order's verdict */
	{
		ArrayBuildState *codes = NULL;
		ArrayBuildState *details = NULL;
		ArrayBuildState *tags = NULL;
		Datum		args[5];
		char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
		Oid			types[5] = {TEXTOID, INT8OID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID};

		for (int i = 0; i < f.n; i++)
		{
			codes = accumArrayResult(codes, CStringGetTextDatum(f.flags[i].code), false, TEXTOID, CurrentMemoryContext);
			details = accumArrayResult(details, CStringGetTextDatum(f.flags[i].detail), false, TEXTOID, CurrentMemoryContext);
		}
		for (int t = 0; IntakeServiceTag(t); t++)
			if (f.tags & ((uint32) 1 << t))
				tags = accumArrayResult(tags, CStringGetTextDatum(IntakeServiceTag(t)), false, TEXTOID, CurrentMemoryContext);
		if (tags == NULL)
			tags = accumArrayResult(tags, CStringGetTextDatum("none"), false, TEXTOID, CurrentMemoryContext);
		args[0] = shop;
		args[1] = order_id;
		args[2] = codes ? makeArrayResult(codes, CurrentMemoryContext) : PointerGetDatum(construct_empty_array(TEXTOID));
		args[3] = details ? makeArrayResult(details, CurrentMemoryContext) : PointerGetDatum(construct_empty_array(TEXTOID));
		args[4] = makeArrayResult(tags, CurrentMemoryContext);

		/* flags, their flag_raised events, the order's verdict and its event, in one statement */
		if (SPI_execute_plan(prepare(&plans.record,
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
									 " FROM raised ORDER BY flag_id),"
									 " verdict AS ("
									 " UPDATE ordertrack.orders o SET service_requirements = $5,"
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
									 5, types), args, nulls, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not record the intake of the order");
	}
	OtLeaveOwner(&scope);
	SPI_finish();
	return PointerGetDatum(NULL);
}

/* Nothing to set up yet: the plans are prepared on first use. */
void
OrdersInit(void)
{
}

PG_FUNCTION_INFO_V1(resolve_flag);

/*
 * A person resolves a flag.  When the last open blocking flag of an order in
 * review is resolved, the order returns to received.  Returns the order's
 * stage.
 */
Datum
resolve_flag(PG_FUNCTION_ARGS)
{
	int64		flag_id = PG_GETARG_INT64(0);
	Datum		note = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);
	char	   *who = GetUserNameFromId(GetUserId(), false);
	OwnerScope	scope;
	Datum		args[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	Datum		result;
	bool		isnull;
	Oid			nsp = get_namespace_oid(OT_SCHEMA, false);
	Oid			flags_rel = get_relname_relid("flags", nsp);

	if (!OidIsValid(flags_rel))
		elog(ERROR, "relation %s.flags does not exist", OT_SCHEMA);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	OtEnterOwner(OtRelationOwner(flags_rel), &scope);

	args[0] = Int64GetDatum(flag_id);
	if (SPI_execute_with_args("SELECT shop, order_id, severity, resolved_at::text, code"
							  " FROM ordertrack.flags WHERE flag_id = $1 FOR UPDATE",
							  1, (Oid[]) {INT8OID}, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read flag " INT64_FORMAT, flag_id);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("flag " INT64_FORMAT " does not exist", flag_id),
				 errhint("Open flags are listed in ordertrack.flags WHERE resolved_at IS NULL.")));
	if (spi_text(0, 4) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("flag " INT64_FORMAT " is already resolved", flag_id),
				 errdetail("It was resolved at %s.", spi_text(0, 4))));
	{
		Datum		shop = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		Datum		order_id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);

		shop = PointerGetDatum(PG_DETOAST_DATUM_COPY(shop));
		args[0] = shop;
		args[1] = Int64GetDatum(flag_id);
		args[2] = CStringGetTextDatum(who);
		args[3] = note;
		nulls[3] = PG_ARGISNULL(1) ? 'n' : ' ';
		if (SPI_execute_with_args("WITH done AS ("
								  " UPDATE ordertrack.flags SET resolved_at = pg_catalog.now(), resolved_by = $3, resolution = $4"
								  " WHERE shop = $1 AND flag_id = $2"
								  " RETURNING order_id, flag_id, code, severity, resolution, resolved_by)"
								  " INSERT INTO ordertrack.events (shop, topic, kind, order_id, payload)"
								  " SELECT $1, 'alerts', 'flag_resolved', order_id, pg_catalog.jsonb_build_object("
								  " 'flag_id', flag_id, 'code', code, 'severity', severity,"
								  " 'resolution', resolution, 'resolved_by', resolved_by) FROM done",
								  4, (Oid[]) {TEXTOID, INT8OID, TEXTOID, TEXTOID}, args, nulls, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not resolve flag " INT64_FORMAT, flag_id);

		/* the order leaves review when nothing blocks it any more */
		args[1] = order_id;
		if (SPI_execute_with_args("UPDATE ordertrack.orders o SET stage = 'received'"
								  " WHERE o.shop = $1 AND o.order_id = $2 AND o.stage = 'review'"
								  " AND NOT EXISTS (SELECT 1 FROM ordertrack.flags f"
								  " WHERE f.shop = $1 AND f.order_id = $2 AND f.severity = 'block'"
								  " AND f.resolved_at IS NULL)",
								  2, (Oid[]) {TEXTOID, INT8OID}, args, NULL, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "could not update the order");
		if (SPI_execute_with_args("SELECT stage FROM ordertrack.orders WHERE shop = $1 AND order_id = $2",
								  2, (Oid[]) {TEXTOID, INT8OID}, args, NULL, false, 1) != SPI_OK_SELECT ||
			SPI_processed != 1)
			elog(ERROR, "could not read the order's stage");
		result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	}
	OtLeaveOwner(&scope);
	SPI_finish();
	PG_RETURN_DATUM(result);	/* an enum value is an Oid: passed by value */
}
