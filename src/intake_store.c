/*
 * intake_store.c
 *	  Order intake's reading of an order and writing of its verdict (flags,
 *	  events, the order's service requirements and stage), in two ways: SQL
 *	  statements through SPI, or index scans and the executor's single-row
 *	  writes (direct.c) where that does what statements would.  The checks
 *	  are in intake_check.c, the triggers in intake_trigger.c.
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
#include "placement.h"
#include "stages.h"
#include "ot_phone.h"
#include "ot_text.h"

/*
 * ------------------------------------------------------------------------
 * The SQL path: three statements through SPI (the look-ups' one is in
 * intake_lookup.c).  Used where the direct path would not do what
 * statements do (a DBA's trigger, a forced policy, a partitioned table),
 * where the trigger fired on a shard whose colocated shards are not on
 * this node, and when ordertrack.intake_sql is on.
 * ------------------------------------------------------------------------
 */

/* Prepared statements of the SQL path, kept for the backend's life. */
typedef struct IntakePlans
{
	SPIPlanPtr	order;			/* the order and its lines */
	SPIPlanPtr	record;			/* flags, events, verdict */
} IntakePlans;

static IntakePlans plans;

/* A boolean column of the current SPI row (false when NULL). */
static bool
spi_bool(int row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return !isnull && DatumGetBool(d);
}

/*
 * The order and its lines; false when it is gone, or already checked (not
 * yet checked, for a recheck).
 */
bool
IntakeReadSql(IntakeOrder *o, bool recheck)
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
	if (SPI_processed == 0 || spi_bool(0, 10) != recheck)
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
void
IntakeRecordSql(const IntakeOrder *o, const Findings *f)
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
	args[4] = IntakeFindingsRequirements(f);
	args[5] = IntakeOrderSkus(o);
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
 * when the trigger's table is ordertrack.orders, or on a Citus worker a
 * shard of it (then on its colocated shards, placement.c), and
 * ordertrack.intake_sql is off.
 * ------------------------------------------------------------------------
 */
/*
 * Opens the tables the direct path reads and writes; false when one is not
 * on this node (orders is a shard whose colocated shards are elsewhere).
 */
bool
IntakeDirectOpen(Direct *d, Relation orders)
{
	Oid			lines = OtRowsOf(orders, "order_lines");
	Oid			flags = OtRowsOf(orders, "flags");
	Oid			events = OtRowsOf(orders, "events");
	Oid			notes = OtRowsOf(orders, "customer_notes");
	Oid			blacklist = OtRowsOf(orders, "blacklist");

	if (!OidIsValid(lines) || !OidIsValid(flags) || !OidIsValid(events) ||
		!OidIsValid(notes) || !OidIsValid(blacklist))
		return false;
	d->orders = orders;
	d->lines = table_open(lines, AccessShareLock);
	d->flags = table_open(flags, RowExclusiveLock);
	d->events = table_open(events, RowExclusiveLock);
	d->notes = table_open(notes, AccessShareLock);
	d->blacklist = table_open(blacklist, AccessShareLock);
	d->stage_type = TupleDescAttr(RelationGetDescr(orders), OtAttnum(RelationGetDescr(orders), "stage") - 1)->atttypid;
	return true;
}

/* Closes them (their locks are kept to the end of the transaction). */
void
IntakeDirectClose(Direct *d)
{
	table_close(d->lines, NoLock);
	table_close(d->flags, NoLock);
	table_close(d->events, NoLock);
	table_close(d->notes, NoLock);
	table_close(d->blacklist, NoLock);
}

/* Orders lines by line_id. */
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
bool
IntakeReadDirect(Direct *d, IntakeOrder *o, HeapTuple fired)
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
void
IntakeRecordDirect(Direct *d, const IntakeOrder *o, const Findings *f)
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
	const char *tags[INTAKE_MAX_TAGS];
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
	vals[0] = IntakeFindingsRequirements(f);
	vals[1] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	vals[2] = stage;
	vals[3] = IntakeOrderSkus(o);
	OtUpdate(&w, W_ORDERS, d->order_row, 4, order_cols, vals, nulls);

	ntags = IntakeFindingsTags(f, tags);
	PayloadBegin(&p);
	PayloadInt8(&p, "order_id", o->order_id);
	PayloadText(&p, "external_ref", o->external_ref);
	PayloadText(&p, "stage", DatumGetCString(DirectFunctionCall1(enum_out, stage)));
	PayloadTexts(&p, "service_requirements", tags, ntags);
	PayloadTexts(&p, "flags", codes, f->n);
	PayloadPublish(&w, W_EVENTS, o->shop, o->order_id, "intake", "order_received", &p);
	OtWriterEnd(&w);
}
