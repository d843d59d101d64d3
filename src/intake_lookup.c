/*
 * intake_lookup.c
 *	  What intake looks up for an order, once its account is locked: earlier
 *	  orders of the account with a same SKU (duplicates), the account's
 *	  notes (customer history) and the blacklist entries that match it.
 *
 * The SQL path asks one statement; the direct path scans the indexes
 * (direct.c) and asks the cached blacklist (catalogue.c).  Both read with
 * the latest snapshot and filter on the order's shop.
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "catalogue.h"
#include "common.h"
#include "direct.h"
#include "intake.h"
#include "intake_order.h"

/* Prepared statement of the SQL path's look-ups, kept for the backend's life. */
static SPIPlanPtr lookups_plan;

/* Duplicates, history and blacklist, with the latest snapshot. */
void
IntakeLookupsSql(IntakeOrder *o)
{
	Oid			types[9] = {TEXTOID, TEXTOID, INT8OID, TEXTARRAYOID, TIMESTAMPTZOID, INTERVALOID,
	TEXTOID, TEXTOID, TEXTOID};
	Datum		args[9];
	char		nulls[9] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	Interval   *window = palloc0(sizeof(Interval));
	Datum	   *skus = palloc(sizeof(Datum) * o->nlines);

	for (int i = 0; i < o->nlines; i++)
		skus[i] = CStringGetTextDatum(o->lines[i].sku);
	window->time = (int64) ot_duplicate_window * USECS_PER_SEC;
	args[0] = o->shop;
	args[1] = CStringGetTextDatum(o->account);
	args[2] = Int64GetDatum(o->order_id);
	args[3] = PointerGetDatum(construct_array(skus, o->nlines, TEXTOID, -1, false, TYPALIGN_INT));
	args[4] = TimestampTzGetDatum(o->created_at);
	args[5] = IntervalPGetDatum(window);
	args[6] = o->phone_normalized ? CStringGetTextDatum(o->phone_normalized) : (Datum) 0;
	args[7] = o->phone ? CStringGetTextDatum(o->phone) : (Datum) 0;
	args[8] = o->address ? CStringGetTextDatum(o->address) : (Datum) 0;
	nulls[6] = o->phone_normalized ? ' ' : 'n';
	nulls[7] = o->phone ? ' ' : 'n';
	nulls[8] = o->address ? ' ' : 'n';
	if (SPI_execute_snapshot(OtPrepare(&lookups_plan,
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
	o->duplicates = OtSpiText(0, 1);
	o->history = OtSpiText(0, 2);
	o->blacklisted = OtSpiText(0, 3);
}

/* Whether a checked order's SKUs (its skus column) include one of the order's. */
static bool
has_any_sku(const IntakeOrder *o, ArrayType *skus)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	deconstruct_array(skus, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (int k = 0; k < n; k++)
	{
		char	   *sku;

		if (nulls[k])
			continue;
		sku = TextDatumGetCString(elems[k]);
		for (int i = 0; i < o->nlines; i++)
			if (strcmp(sku, o->lines[i].sku) == 0)
				return true;
	}
	return false;
}

/* Whether order other_id has a line with one of the order's SKUs (read from its lines). */
static bool
shares_sku(Direct *d, Snapshot snap, const IntakeOrder *o, Datum other_id)
{
	OtKey		k[2] = {{1, BTEqualStrategyNumber, o->shop}, {2, BTEqualStrategyNumber, other_id}};
	AttrNumber	sku_att = OtAttnum(RelationGetDescr(d->lines), "sku");
	OtScan		s;
	bool		found = false;

	OtScanBegin(&s, d->lines, "order_lines_order", snap, 2, k);
	while (!found && OtScanNext(&s))
	{
		char	   *sku = OtSlotText(s.slot, sku_att);

		for (int i = 0; i < o->nlines && !found; i++)
			found = strcmp(sku, o->lines[i].sku) == 0;
	}
	OtScanEnd(&s);
	return found;
}

/* Earlier orders of the account within the window that share a SKU, in o->duplicates. */
static void
duplicates_direct(Direct *d, Snapshot snap, IntakeOrder *o)
{
	TupleDesc	desc = RelationGetDescr(d->orders);
	int64		window = (int64) ot_duplicate_window * USECS_PER_SEC;
	OtKey		k[4] = {{1, BTEqualStrategyNumber, o->shop},
	{2, BTEqualStrategyNumber, CStringGetTextDatum(o->account)},
	{3, BTGreaterStrategyNumber, TimestampTzGetDatum(o->created_at - window)},
	{3, BTLessStrategyNumber, TimestampTzGetDatum(o->created_at + window)}};
	Datum		cancelled = DirectFunctionCall2(enum_in, CStringGetDatum("cancelled"),
												ObjectIdGetDatum(d->stage_type));
	AttrNumber	id_att = OtAttnum(desc, "order_id");
	AttrNumber	stage_att = OtAttnum(desc, "stage");
	AttrNumber	ref_att = OtAttnum(desc, "external_ref");
	AttrNumber	skus_att = OtAttnum(desc, "skus");
	char	  **found = NULL;
	int			n = 0,
				cap = 0;
	OtScan		s;
	StringInfoData out;

	/* an order of infinite date has no window (as infinity plus 2h is infinity) */
	if (TIMESTAMP_NOT_FINITE(o->created_at))
		return;
	OtScanBegin(&s, d->orders, "orders_account", snap, 4, k);
	while (OtScanNext(&s))
	{
		bool		isnull;
		Datum		id = slot_getattr(s.slot, id_att, &isnull);

		Datum		skus;

		if (DatumGetInt64(id) == o->order_id ||
			DatumGetObjectId(slot_getattr(s.slot, stage_att, &isnull)) == DatumGetObjectId(cancelled))
			continue;
		skus = slot_getattr(s.slot, skus_att, &isnull);
		if (isnull ? !shares_sku(d, snap, o, id) : !has_any_sku(o, DatumGetArrayTypeP(skus)))
			continue;
		if (n == cap)
		{
			cap = cap ? cap * 2 : 4;
			found = found ? repalloc(found, sizeof(char *) * cap) : palloc(sizeof(char *) * cap);
		}
		found[n++] = psprintf(INT64_FORMAT " (ERP %s)", DatumGetInt64(id), OtSlotText(s.slot, ref_att));
	}
	OtScanEnd(&s);
	if (n == 0)
		return;
	qsort(found, n, sizeof(char *), OtCStringCmp);
	initStringInfo(&out);
	for (int i = 0; i < n; i++)
		if (i == 0 || strcmp(found[i], found[i - 1]) != 0)
			appendStringInfo(&out, "%s%s", out.len ? ", " : "", found[i]);
	o->duplicates = out.data;
}

/* One of the account's notes, as history lists it. */
typedef struct Note
{
	TimestampTz at;
	char	   *text;
} Note;

/* Orders notes newest first. */
static int
note_cmp(const void *a, const void *b)
{
	TimestampTz x = ((const Note *) a)->at;
	TimestampTz y = ((const Note *) b)->at;

	return (x < y) - (x > y);	/* newest first */
}

/* The account's notes, newest first, in o->history. */
static void
history_direct(Direct *d, Snapshot snap, IntakeOrder *o)
{
	TupleDesc	desc = RelationGetDescr(d->notes);
	OtKey		k[2] = {{1, BTEqualStrategyNumber, o->shop},
	{2, BTEqualStrategyNumber, CStringGetTextDatum(o->account)}};
	AttrNumber	at_att = OtAttnum(desc, "noted_at");
	AttrNumber	note_att = OtAttnum(desc, "note");
	AttrNumber	kind_att = OtAttnum(desc, "kind");
	Note	   *notes = NULL;
	int			n = 0,
				cap = 0;
	OtScan		s;
	StringInfoData out;

	OtScanBegin(&s, d->notes, "customer_notes_account", snap, 2, k);
	while (OtScanNext(&s))
	{
		bool		isnull;
		Datum		at = slot_getattr(s.slot, at_att, &isnull);
		char	   *day = DatumGetCString(DirectFunctionCall1(date_out, DirectFunctionCall1(timestamptz_date, at)));

		if (n == cap)
		{
			cap = cap ? cap * 2 : 4;
			notes = notes ? repalloc(notes, sizeof(Note) * cap) : palloc(sizeof(Note) * cap);
		}
		notes[n].at = DatumGetTimestampTz(at);
		notes[n].text = psprintf("%s (%s, %s)", OtSlotText(s.slot, note_att), OtSlotText(s.slot, kind_att), day);
		n++;
	}
	OtScanEnd(&s);
	if (n == 0)
		return;
	qsort(notes, n, sizeof(Note), note_cmp);
	initStringInfo(&out);
	for (int i = 0; i < n; i++)
		appendStringInfo(&out, "%s%s", i ? "; " : "", notes[i].text);
	o->history = out.data;
}

/*
 * Appends "kind value[: reason]" when (shop, kind, value) is on the
 * blacklist: one probe of its unique index, so that neither memory nor the
 * cost of an order grows with the list.
 */
static void
blacklist_probe(Direct *d, Snapshot snap, const IntakeOrder *o, const char *kind, const char *value,
				StringInfo out)
{
	OtKey		k[3] = {{1, BTEqualStrategyNumber, o->shop},
	{2, BTEqualStrategyNumber, CStringGetTextDatum(kind)},
	{3, BTEqualStrategyNumber, CStringGetTextDatum(value)}};
	OtScan		s;

	OtScanBegin(&s, d->blacklist, "blacklist_shop_kind_value_key", snap, 3, k);
	if (OtScanNext(&s))
	{
		char	   *reason = OtSlotText(s.slot, OtAttnum(RelationGetDescr(d->blacklist), "reason"));

		appendStringInfo(out, "%s%s %s%s%s", out->len ? "; " : "", kind, value,
						 reason && reason[0] ? ": " : "", reason ? reason : "");
	}
	OtScanEnd(&s);
}

/* Duplicates, history and blacklist, with the latest snapshot. */
void
IntakeLookupsDirect(Direct *d, IntakeOrder *o)
{
	Snapshot	snap = RegisterSnapshot(GetLatestSnapshot());
	StringInfoData bl;

	duplicates_direct(d, snap, o);
	history_direct(d, snap, o);
	initStringInfo(&bl);
	blacklist_probe(d, snap, o, "account", o->account, &bl);
	if (o->phone_normalized)
		blacklist_probe(d, snap, o, "phone", o->phone_normalized, &bl);
	if (o->phone && (!o->phone_normalized || strcmp(o->phone, o->phone_normalized) != 0))
		blacklist_probe(d, snap, o, "phone", o->phone, &bl);
	if (o->address)
		blacklist_probe(d, snap, o, "address", o->address, &bl);
	if (bl.len > 0)
		o->blacklisted = bl.data;
	UnregisterSnapshot(snap);
}
