/*
 * flags.c
 *	  Flags: the severity of a flag code, which flags are published as
 *	  alerts (setting ordertrack.alert_severity), and resolve_flag, with
 *	  which a person resolves one.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"

#include "catalogue.h"
#include "common.h"
#include "flags.h"
#include "shop_access.h"
#include "stages.h"

/*
 * Which flags are published as flag_raised on topic alerts: those of at
 * least this severity (ordertrack.alert_severity).  Every flag is stored,
 * and order_received lists them all.
 */
typedef enum AlertSeverity
{
	ALERT_INFO,
	ALERT_WARN,
	ALERT_BLOCK
} AlertSeverity;

static const struct config_enum_entry alert_severity_options[] = {
	{"info", ALERT_INFO, false},
	{"warn", ALERT_WARN, false},
	{"block", ALERT_BLOCK, false},
	{NULL, 0, false}
};
static int	ot_alert_severity = ALERT_WARN;

/* Whether a flag of the severity is published as flag_raised. */
bool
FlagAlerted(const char *severity)
{
	AlertSeverity rank = strcmp(severity, "block") == 0 ? ALERT_BLOCK
		: strcmp(severity, "warn") == 0 ? ALERT_WARN : ALERT_INFO;

	return (int) rank >= ot_alert_severity;
}

/* Severity of a flag code, from ordertrack.flag_codes (cached per session). */
const char *
FlagSeverity(const char *code)
{
	const char *severity = CatalogueFlagSeverity(code);

	if (severity == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("flag code \"%s\" is missing from ordertrack.flag_codes", code)));
	return severity;
}

/* The setting that picks which flags are published as alerts. */
void
FlagsInit(void)
{
	DefineCustomEnumVariable("ordertrack.alert_severity",
							 "Publishes flag_raised (topic alerts) for flags of at least this severity.",
							 "block, warn or info. Every flag is stored whatever this says, and the "
							 "order_received event lists all of an order's flags.",
							 &ot_alert_severity, ALERT_WARN, alert_severity_options, PGC_SUSET, 0,
							 NULL, NULL, NULL);
}

PG_FUNCTION_INFO_V1(resolve_flag);

/* The statement that counts an order's open blocking flags (kept). */
static SPIPlanPtr open_blocking_plan = NULL;

/*
 * Resolves an open flag of an order that the caller has locked (inside SPI,
 * as the tables' owner): who resolved it and why, and its flag_resolved
 * event.  When no blocking flag of the order is left open and the order is
 * in review, it returns to received, or to confirmed when confirm() had
 * confirmed it (a shortage found at picking, say: picking resumes with
 * record_pick, and the payment confirm() checked stands), the move made by
 * who for the reason.
 *
 * What stays open is counted with the latest snapshot (after this
 * command's changes), which sees every resolution committed before the
 * order's lock was granted: two people resolving the two blocking flags of
 * one order, in whichever order they commit and at any isolation level,
 * release it.
 */
void
FlagResolve(Datum shop, Datum order_id, int64 flag_id, const char *who,
			const char *reason, Datum note, bool note_isnull)
{
	Oid			key_types[2] = {TEXTOID, INT8OID};
	Datum		args[4] = {shop, Int64GetDatum(flag_id), CStringGetTextDatum(who), note};
	char		nulls[4] = {' ', ' ', ' ', note_isnull ? 'n' : ' '};
	bool		isnull;

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

	args[1] = order_id;
	CommandCounterIncrement();
	if (SPI_execute_snapshot(OtPrepare(&open_blocking_plan,
									   "SELECT count(*) FROM ordertrack.flags f"
									   " WHERE f.shop = $1 AND f.order_id = $2 AND f.severity = 'block'"
									   " AND f.resolved_at IS NULL",
									   2, key_types),
							 args, NULL, GetLatestSnapshot(), InvalidSnapshot, false, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not count the open blocking flags of the order");
	if (DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) == 0)
		(void) StageMoveExecute(InvalidOid, who, reason,
								"UPDATE ordertrack.orders o SET stage = CASE WHEN o.confirmed_at IS NULL"
								" THEN 'received'::ordertrack.stage ELSE 'confirmed'::ordertrack.stage END%s"
								" WHERE o.shop = $1 AND o.order_id = $2 AND o.stage = 'review'",
								2, key_types, args);
}

/*
 * A person resolves a flag.  When the last open blocking flag of an order in
 * review is resolved, the order returns to received, or to confirmed if it
 * had been confirmed (FlagResolve).  Returns the order's stage.
 *
 * Two people resolving the two blocking flags of one order at the same time
 * must not each see the other's flag still open and leave the order in
 * review: the order is locked first (as every function that changes an
 * order locks it), so the second waits for the first (FlagResolve counts
 * what stays open).
 */
Datum
resolve_flag(PG_FUNCTION_ARGS)
{
	int64		flag_id = PG_GETARG_INT64(0);
	Datum		note = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);
	char	   *who = GetUserNameFromId(GetUserId(), false);
	OwnerScope	scope;
	Oid			key_types[2] = {TEXTOID, INT8OID};
	Datum		args[2];
	Datum		shop;
	Datum		order_id;
	char	   *code;
	Datum		result;
	bool		isnull;
	Oid			nsp = get_namespace_oid(OT_SCHEMA, false);
	Oid			flags_rel = get_relname_relid("flags", nsp);

	if (!OidIsValid(flags_rel))
		elog(ERROR, "relation %s.flags does not exist", OT_SCHEMA);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	OtEnterOwner(OtRelationOwner(flags_rel), &scope);

	/* the flag's order, locked before the flag */
	args[0] = Int64GetDatum(flag_id);
	if (SPI_execute_with_args("SELECT shop, order_id FROM ordertrack.flags WHERE flag_id = $1 ORDER BY shop",
							  1, (Oid[]) {INT8OID}, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read flag " INT64_FORMAT, flag_id);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("flag " INT64_FORMAT " does not exist", flag_id),
				 errhint("Open flags are listed in ordertrack.flags WHERE resolved_at IS NULL.")));
	if (SPI_processed > 1)
		OtIdAmbiguous("flag_id", flag_id, 1);
	shop = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	shop = PointerGetDatum(PG_DETOAST_DATUM_COPY(shop));
	ShopRequireVisible(shop, "flag", flag_id);
	order_id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	args[0] = shop;
	args[1] = order_id;
	if (SPI_execute_with_args("SELECT FROM ordertrack.orders WHERE shop = $1 AND order_id = $2 FOR UPDATE",
							  2, key_types, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not lock the order of flag " INT64_FORMAT, flag_id);

	args[1] = Int64GetDatum(flag_id);
	if (SPI_execute_with_args("SELECT resolved_at::text, code FROM ordertrack.flags"
							  " WHERE shop = $1 AND flag_id = $2 FOR UPDATE",
							  2, key_types, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read flag " INT64_FORMAT, flag_id);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("flag " INT64_FORMAT " does not exist", flag_id),
				 errdetail("It was deleted while it was being resolved.")));
	if (OtSpiText(0, 1) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("flag " INT64_FORMAT " is already resolved", flag_id),
				 errdetail("It was resolved at %s.", OtSpiText(0, 1))));
	code = OtSpiText(0, 2);

	FlagResolve(shop, order_id, flag_id, who, psprintf("flag " INT64_FORMAT " (%s) resolved", flag_id, code),
				note, PG_ARGISNULL(1));
	args[1] = order_id;
	if (SPI_execute_with_args("SELECT stage FROM ordertrack.orders WHERE shop = $1 AND order_id = $2",
							  2, key_types, args, NULL, false, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not read the order's stage");
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	OtLeaveOwner(&scope);
	SPI_finish();
	PG_RETURN_DATUM(result);	/* an enum value is an Oid: passed by value */
}
