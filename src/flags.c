/*
 * flags.c
 *	  Flags: the severity of a flag code, which flags are published as
 *	  alerts (setting ordertrack.alert_severity), and resolve_flag, with
 *	  which a person resolves one.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "catalogue.h"
#include "common.h"
#include "flags.h"
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
	if (OtSpiText(0, 4) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("flag " INT64_FORMAT " is already resolved", flag_id),
				 errdetail("It was resolved at %s.", OtSpiText(0, 4))));
	{
		Datum		shop = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		Datum		order_id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
		char	   *code = OtSpiText(0, 5);

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
		(void) StageMoveExecute(InvalidOid, who,
								psprintf("flag " INT64_FORMAT " (%s) resolved", flag_id, code),
								"UPDATE ordertrack.orders o SET stage = 'received'"
								" WHERE o.shop = $1 AND o.order_id = $2 AND o.stage = 'review'"
								" AND NOT EXISTS (SELECT 1 FROM ordertrack.flags f"
								" WHERE f.shop = $1 AND f.order_id = $2 AND f.severity = 'block'"
								" AND f.resolved_at IS NULL)",
								2, (Oid[]) {TEXTOID, INT8OID}, args);
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
