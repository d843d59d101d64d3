/*
 * settings.c
 *	  The triggers of the settings tables (regions, keywords, the stage
 *	  graph, carriers, flag codes): rows shipped with the extension plus the
 *	  shop's own (src/sql/settings.sql).  A change to a shipped row makes it
 *	  custom; an inserted row replaces the shipped row with its key; shipped
 *	  rows are switched off, not deleted (flag codes are never removed or
 *	  renamed); and every committed change drops each session's cached copy
 *	  (cache.c), so that no session uses a stale rule.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "cache.h"


PG_FUNCTION_INFO_V1(settings_row_guard);
PG_FUNCTION_INFO_V1(settings_changed);
PG_FUNCTION_INFO_V1(flag_codes_guard);

/* True while settings_row_guard itself deletes a shipped row it replaces. */
static bool replacing_shipped = false;

/* Refuses a change to a settings table, saying what to do instead. */
static void
RefuseSettingsChange(const char *message, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg_internal("%s", message),
			 errdetail("Rows shipped with the extension come back with every restore and upgrade."),
			 errhint("%s", hint)));
}

/* Value of a tuple's "origin" column as a C string, or NULL. */
static char *
OriginOf(HeapTuple tup, TupleDesc desc, int attno)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, attno, desc, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/*
 * BEFORE trigger on the settings tables; arguments: the table's qualified
 * name, then its key columns.
 */
Datum
settings_row_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Trigger    *tg;
	TupleDesc	desc;
	int			origin_att;
	const char *table;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("settings_row_guard must be fired as a BEFORE trigger")));
	tg = td->tg_trigger;
	if (tg->tgnargs < 1)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("settings_row_guard needs the table name and its key columns as arguments")));
	table = tg->tgargs[0];

	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
	{
		if (!creating_extension)
			RefuseSettingsChange(psprintf("%s cannot be truncated", table),
								 "Delete the custom rows and switch the shipped ones off.");
		return PointerGetDatum(NULL);
	}
	if (!TRIGGER_FIRED_FOR_ROW(td->tg_event) || tg->tgnargs < 2)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("settings_row_guard must be fired for each row, with key columns as arguments")));
	desc = td->tg_relation->rd_att;
	origin_att = SPI_fnumber(desc, "origin");
	if (origin_att <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("settings_row_guard needs a column \"origin\" in %s", table)));

	if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
	{
		char	   *origin = OriginOf(td->tg_trigtuple, desc, origin_att);

		if (!creating_extension && !replacing_shipped && origin && strcmp(origin, "shipped") == 0)
			RefuseSettingsChange(psprintf("shipped rows of %s cannot be deleted", table),
								 "Switch the row off instead (enabled = false; remote = false for remote_regions; for carrier_promises, change its days).");
		return PointerGetDatum(td->tg_trigtuple);
	}

	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		HeapTuple	newtup = td->tg_newtuple;
		char	   *origin = OriginOf(td->tg_trigtuple, desc, origin_att);

		if (creating_extension)
			return PointerGetDatum(newtup);
		if (origin && strcmp(origin, "shipped") == 0)
		{
			for (int k = 1; k < tg->tgnargs; k++)
			{
				int			att = SPI_fnumber(desc, tg->tgargs[k]);
				Form_pg_attribute a;
				bool		n1,
							n2;
				Datum		d1,
							d2;

				if (att <= 0)
					elog(ERROR, "settings_row_guard: no column \"%s\" in %s", tg->tgargs[k], table);
				a = TupleDescAttr(desc, att - 1);
				d1 = heap_getattr(td->tg_trigtuple, att, desc, &n1);
				d2 = heap_getattr(newtup, att, desc, &n2);
				if (n1 != n2 || (!n1 && !datumIsEqual(d1, d2, a->attbyval, a->attlen)))
					RefuseSettingsChange(psprintf("the key of a shipped row of %s cannot change", table),
										 "Insert a custom row with the new key and switch this one off.");
			}
		}
		{
			int			cols[1] = {origin_att};
			Datum		vals[1] = {CStringGetTextDatum("custom")};
			bool		nulls[1] = {false};

			return PointerGetDatum(heap_modify_tuple_by_cols(newtup, desc, 1, cols, vals, nulls));
		}
	}

	/* INSERT: a row from outside the extension's scripts is custom ... */
	{
		HeapTuple	newtup = td->tg_trigtuple;
		StringInfoData sql;
		Oid		   *types = palloc(sizeof(Oid) * tg->tgnargs);
		Datum	   *vals = palloc(sizeof(Datum) * tg->tgnargs);
		char	   *nulls = palloc(tg->tgnargs);

		if (!creating_extension)
		{
			int			cols[1] = {origin_att};
			Datum		ov[1] = {CStringGetTextDatum("custom")};
			bool		on[1] = {false};

			newtup = heap_modify_tuple_by_cols(newtup, desc, 1, cols, ov, on);
		}
		/*
		 * ... and takes the place of the shipped row with its key, in the
		 * relation the row goes to: the table, or on a Citus node the
		 * placement of the reference table that each node's copy of the row
		 * goes to (a statement on the table itself would be a distributed
		 * one, which a shard's trigger may not run)
		 */
		initStringInfo(&sql);
		appendStringInfo(&sql, "DELETE FROM %s WHERE origin OPERATOR(pg_catalog.=) 'shipped'",
						 quote_qualified_identifier(get_namespace_name(RelationGetNamespace(td->tg_relation)),
													RelationGetRelationName(td->tg_relation)));
		for (int k = 1; k < tg->tgnargs; k++)
		{
			int			att = SPI_fnumber(desc, tg->tgargs[k]);
			bool		isnull;

			if (att <= 0)
				elog(ERROR, "settings_row_guard: no column \"%s\" in %s", tg->tgargs[k], table);
			types[k - 1] = TupleDescAttr(desc, att - 1)->atttypid;
			vals[k - 1] = heap_getattr(newtup, att, desc, &isnull);
			nulls[k - 1] = isnull ? 'n' : ' ';
			appendStringInfo(&sql, " AND %s OPERATOR(pg_catalog.=) $%d",
							 quote_identifier(tg->tgargs[k]), k);
		}
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		replacing_shipped = true;
		PG_TRY();
		{
			if (SPI_execute_with_args(sql.data, tg->tgnargs - 1, types, vals, nulls, false, 0) != SPI_OK_DELETE)
				elog(ERROR, "could not replace a shipped row of %s", table);
		}
		PG_FINALLY();
		{
			replacing_shipped = false;
		}
		PG_END_TRY();
		SPI_finish();
		return PointerGetDatum(newtup);
	}
}

/* AFTER statement trigger: drop every session's cached settings at commit. */
Datum
settings_changed(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("settings_changed must be fired as an AFTER ... FOR EACH STATEMENT trigger")));
	CacheInvalidateRelcacheByRelid(RelationGetRelid(td->tg_relation));

	/*
	 * A relation that no cache names may be a Citus node's placement of a
	 * settings table (named after its shard, which the caches cannot
	 * know): then every cache of the extension's tables is dropped.
	 */
	if (!OtCacheNamesTable(RelationGetRelid(td->tg_relation)))
		OtCacheInvalidateTables();
	return PointerGetDatum(NULL);
}

/* Refuses the removal or renaming of a flag code. */
static void
RefuseFlagCodeChange(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_IN_USE),
			 errmsg("flag codes are not removed or renamed"),
			 errdetail("Flags keep their code for as long as they are kept."),
			 errhint("Change the code's severity or description instead.")));
}

/*
 * BEFORE trigger on flag_codes, for each row and on TRUNCATE: a code is
 * never removed or renamed.  The one delete it lets through is
 * settings_row_guard's, of the shipped row that a custom row of the same
 * code replaces (as when a restore brings the shop's row back over the one
 * CREATE EXTENSION wrote).
 */
Datum
flag_codes_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	int			code_att;
	bool		n1,
				n2;
	Datum		d1,
				d2;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("flag_codes_guard must be fired as a BEFORE trigger")));
	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		RefuseFlagCodeChange();
	if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
	{
		if (!replacing_shipped)
			RefuseFlagCodeChange();
		return PointerGetDatum(td->tg_trigtuple);
	}
	if (!TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		return PointerGetDatum(td->tg_trigtuple);

	desc = td->tg_relation->rd_att;
	code_att = SPI_fnumber(desc, "code");
	if (code_att <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("flag_codes_guard needs a column \"code\" in %s",
						RelationGetRelationName(td->tg_relation))));
	d1 = heap_getattr(td->tg_trigtuple, code_att, desc, &n1);
	d2 = heap_getattr(td->tg_newtuple, code_att, desc, &n2);
	if (n1 != n2 || (!n1 && strcmp(TextDatumGetCString(d1), TextDatumGetCString(d2)) != 0))
		RefuseFlagCodeChange();
	return PointerGetDatum(td->tg_newtuple);
}
