/*
 * intake_recheck.c
 *	  A corrected order.  When the ERP corrects the recipient, the phone or
 *	  the address of an order that intake has checked and that is not yet
 *	  confirmed (stage received or review), the checks of those fields run
 *	  again, as intake runs them:
 *
 *	  - an open flag of theirs that the correction clears is resolved, by
 *		the role that made the correction, as resolve_flag resolves one: when
 *		no blocking flag of the order is left open, the order leaves review;
 *	  - a problem that the correction brings is flagged (flag_raised, as
 *		intake publishes it), and a blocking one holds an order that was in
 *		received in review.
 *
 * The other checks (items, duplicates, history, special requests) do not
 * depend on these fields and are not run again.  Orders in later stages
 * keep their flags: they were confirmed with them, by a person.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "common.h"
#include "flags.h"
#include "intake_order.h"
#include "stages.h"

/* The flags that the recipient, the phone and the address decide. */
static const char *const recheck_codes[] = {
	"name_missing", "phone_invalid", "address_incomplete", "address_needs_unit",
	"region_unknown", "blacklisted"
};

static bool
rechecked(const char *code)
{
	for (int i = 0; i < (int) lengthof(recheck_codes); i++)
		if (strcmp(code, recheck_codes[i]) == 0)
			return true;
	return false;
}

/* The finding of the code, or NULL. */
static const FoundFlag *
found(const Findings *f, const char *code)
{
	for (int i = 0; i < f->n; i++)
		if (strcmp(f->flags[i].code, code) == 0)
			return &f->flags[i];
	return NULL;
}

void
IntakeRecheck(Datum shop, int64 order_id, Oid caller, const char *corrected)
{
	static SPIPlanPtr stage_plan = NULL;
	static SPIPlanPtr open_plan = NULL;
	static SPIPlanPtr raise_plan = NULL;
	Oid			key_types[2] = {TEXTOID, INT8OID};
	Datum		key[2] = {shop, Int64GetDatum(order_id)};
	char	   *who = GetUserNameFromId(caller, false);
	IntakeOrder o;
	Findings	f = {NULL, 0, 0, 0};
	char	   *stage;
	int			nopen;
	int64	   *open_ids;
	char	  **open_codes;
	StringInfoData held;		/* the new blocking flags */

	memset(&o, 0, sizeof(o));
	o.shop = shop;
	o.order_id = order_id;
	if (SPI_execute_plan(OtPrepare(&stage_plan, "SELECT stage::text FROM ordertrack.orders"
								   " WHERE shop = $1 AND order_id = $2", 2, key_types),
						 key, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the order's stage");
	stage = SPI_processed == 1 ? OtSpiText(0, 1) : NULL;
	if (stage == NULL || (strcmp(stage, "received") != 0 && strcmp(stage, "review") != 0))
		return;
	/* not yet checked: intake at commit sees the corrected order */
	if (!IntakeReadSql(&o, true))
		return;
	IntakeCheckOrder(&o, &f);
	IntakeLookupsSql(&o);
	IntakeCheckLookups(&o, &f);

	/* the open flags of these checks, locked (the order is: it was updated) */
	{
		Datum		codes[lengthof(recheck_codes)];
		Oid			types[3] = {TEXTOID, INT8OID, TEXTARRAYOID};
		Datum		args[3] = {shop, Int64GetDatum(order_id), (Datum) 0};

		for (int i = 0; i < (int) lengthof(recheck_codes); i++)
			codes[i] = CStringGetTextDatum(recheck_codes[i]);
		args[2] = PointerGetDatum(construct_array(codes, lengthof(recheck_codes), TEXTOID, -1, false, TYPALIGN_INT));
		if (SPI_execute_plan(OtPrepare(&open_plan, "SELECT flag_id, code FROM ordertrack.flags"
									   " WHERE shop = $1 AND order_id = $2 AND resolved_at IS NULL"
									   " AND code = ANY ($3) ORDER BY flag_id FOR UPDATE", 3, types),
							 args, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read the order's open flags");
	}
	nopen = (int) SPI_processed;
	open_ids = palloc(sizeof(int64) * Max(nopen, 1));
	open_codes = palloc(sizeof(char *) * Max(nopen, 1));
	for (int i = 0; i < nopen; i++)
	{
		bool		isnull;

		open_ids[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		open_codes[i] = OtSpiText(i, 2);
	}

	/* first what the correction brings, so that a new blocking flag keeps the order held */
	held.data = NULL;
	for (int i = 0; i < f.n; i++)
	{
		Oid			types[4] = {TEXTOID, INT8OID, TEXTOID, TEXTOID};
		Datum		args[4] = {shop, Int64GetDatum(order_id), CStringGetTextDatum(f.flags[i].code),
		CStringGetTextDatum(f.flags[i].detail)};
		bool		open = false;

		if (!rechecked(f.flags[i].code))
			continue;
		for (int k = 0; k < nopen && !open; k++)
			open = strcmp(open_codes[k], f.flags[i].code) == 0;
		if (open)
			continue;
		if (SPI_execute_plan(OtPrepare(&raise_plan, "SELECT ordertrack.raise_flag($1, $2, $3, $4)", 4, types),
							 args, NULL, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not flag the corrected order");
		if (strcmp(FlagSeverity(f.flags[i].code), "block") == 0)
		{
			if (held.data == NULL)
				initStringInfo(&held);
			appendStringInfo(&held, "%s%s", held.len == 0 ? "" : ", ", f.flags[i].code);
		}
	}
	if (held.data != NULL)
		(void) StageMoveExecute(caller, NULL, psprintf("held by intake after a corrected %s: %s", corrected, held.data),
								"UPDATE ordertrack.orders o SET stage = 'review'%s"
								" WHERE o.shop = $1 AND o.order_id = $2 AND o.stage = 'received'",
								2, key_types, key);

	/* then what it clears, resolved as a person would */
	for (int k = 0; k < nopen; k++)
		if (found(&f, open_codes[k]) == NULL)
			FlagResolve(shop, Int64GetDatum(order_id), open_ids[k], who,
						psprintf("flag " INT64_FORMAT " (%s) cleared by the corrected %s", open_ids[k], open_codes[k], corrected),
						CStringGetTextDatum(psprintf("cleared by the corrected %s", corrected)), false);
}

/* The flags that an order's lines decide. */
static const char *const line_codes[] = {"sku_unknown", "sku_mismatch", "quantity_unusual", "customization"};

/*
 * Lines added to an order that intake has checked, in stage received or
 * review (order_guards.c refuses them later): the order's lines are checked
 * again, as intake checks them, and what was not flagged before (a line
 * flag with another detail than every flag of the order has, open or
 * resolved) is flagged; a blocking one holds an order in received.  The
 * SKUs and the service requirements follow the lines.  Inside SPI, as the
 * owner; the new lines are visible (AFTER INSERT).
 */
void
IntakeLinesAdded(Datum shop, int64 order_id, Oid caller)
{
	static SPIPlanPtr known_plan = NULL;
	static SPIPlanPtr raise_plan = NULL;
	static SPIPlanPtr update_plan = NULL;
	Oid			key_types[2] = {TEXTOID, INT8OID};
	Datum		key[2] = {shop, Int64GetDatum(order_id)};
	IntakeOrder o;
	Findings	f = {NULL, 0, 0, 0};
	int			nknown;
	char	  **known;
	StringInfoData held;

	memset(&o, 0, sizeof(o));
	o.shop = shop;
	o.order_id = order_id;
	if (!IntakeReadSql(&o, true))
		return;
	IntakeCheckOrder(&o, &f);

	if (SPI_execute_plan(OtPrepare(&known_plan, "SELECT code || ':' || coalesce(detail, '') FROM ordertrack.flags"
								   " WHERE shop = $1 AND order_id = $2", 2, key_types),
						 key, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the order's flags");
	nknown = (int) SPI_processed;
	known = palloc(sizeof(char *) * Max(nknown, 1));
	for (int i = 0; i < nknown; i++)
		known[i] = OtSpiText(i, 1);

	held.data = NULL;
	for (int i = 0; i < f.n; i++)
	{
		Oid			types[4] = {TEXTOID, INT8OID, TEXTOID, TEXTOID};
		Datum		args[4] = {shop, Int64GetDatum(order_id), CStringGetTextDatum(f.flags[i].code),
		CStringGetTextDatum(f.flags[i].detail)};
		char	   *mine = psprintf("%s:%s", f.flags[i].code, f.flags[i].detail);
		bool		line_code = false;
		bool		flagged = false;

		for (int k = 0; k < (int) lengthof(line_codes); k++)
			line_code |= strcmp(f.flags[i].code, line_codes[k]) == 0;
		for (int k = 0; k < nknown && !flagged; k++)
			flagged = strcmp(known[k], mine) == 0;
		if (!line_code || flagged)
			continue;
		if (SPI_execute_plan(OtPrepare(&raise_plan, "SELECT ordertrack.raise_flag($1, $2, $3, $4)", 4, types),
							 args, NULL, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not flag the order's new line");
		if (strcmp(FlagSeverity(f.flags[i].code), "block") == 0)
		{
			if (held.data == NULL)
				initStringInfo(&held);
			appendStringInfo(&held, "%s%s", held.len == 0 ? "" : ", ", f.flags[i].code);
		}
	}

	{
		Oid			types[4] = {TEXTOID, INT8OID, TEXTARRAYOID, TEXTARRAYOID};
		Datum		args[4] = {shop, Int64GetDatum(order_id), IntakeOrderSkus(&o), (Datum) 0};

		/* the tags of the lines join the order's own (urgent, special requests) */
		args[3] = IntakeFindingsRequirements(&f);
		if (SPI_execute_plan(OtPrepare(&update_plan, "UPDATE ordertrack.orders o SET skus = $3,"
									   " service_requirements = (SELECT coalesce(array_agg(DISTINCT t ORDER BY t)"
									   " FILTER (WHERE t <> 'none'), '{none}') FROM unnest(o.service_requirements || $4) t)"
									   " WHERE o.shop = $1 AND o.order_id = $2", 4, types),
							 args, NULL, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "could not update the order's SKUs");
	}
	if (held.data != NULL)
		(void) StageMoveExecute(caller, NULL, psprintf("held by intake after a line was added: %s", held.data),
								"UPDATE ordertrack.orders o SET stage = 'review'%s"
								" WHERE o.shop = $1 AND o.order_id = $2 AND o.stage = 'received'",
								2, key_types, key);
}
