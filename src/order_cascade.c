/*
 * order_cascade.c
 *	  Deleting orders deletes their flags, stage history and scans, and
 *	  truncating orders truncates those (they belong to their order without
 *	  a foreign key: only ordertrack's own functions write them, for an
 *	  order they have just read).
 *
 * A statement trigger with the deleted rows as a transition table.  On a
 * Citus worker it fires on a shard of orders, and deletes from the shards
 * colocated with it (placement.c): a statement on the distributed tables
 * would be a distributed one, which a shard's trigger may not run.
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "common.h"
#include "placement.h"

PG_FUNCTION_INFO_V1(order_deleted);

/* The qualified name of the relation that holds table's rows that go with orders' rows. */
static char *
rows_of(Relation orders, const char *table)
{
	Oid			relid = OtRowsOf(orders, table);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the %s that go with %s are not on this server", table,
						RelationGetRelationName(orders)),
				 errhint("Delete orders from ordertrack.orders itself.")));
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
}

Datum
order_deleted(PG_FUNCTION_ARGS)
{
	static const char *const children[] = {"flags", "stage_history", "scans"};
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	OwnerScope	scope;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) ||
		!(TRIGGER_FIRED_BY_DELETE(td->tg_event) || TRIGGER_FIRED_BY_TRUNCATE(td->tg_event)) ||
		(TRIGGER_FIRED_BY_DELETE(td->tg_event) && td->tg_oldtable == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("order_deleted must be fired AFTER DELETE (REFERENCING OLD TABLE) or AFTER TRUNCATE, for each statement")));
	rel = td->tg_relation;

	/* as the tables' owner: whoever may delete orders deletes what belongs to them */
	OtEnterOwner(rel->rd_rel->relowner, &scope);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
	{
		if (SPI_execute(psprintf("TRUNCATE %s, %s, %s", rows_of(rel, children[0]), rows_of(rel, children[1]),
								 rows_of(rel, children[2])), false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "could not truncate what belongs to the orders");
	}
	else
	{
		if (SPI_register_trigger_data(td) != SPI_OK_TD_REGISTER)
			elog(ERROR, "could not read the deleted orders");
		for (int i = 0; i < (int) lengthof(children); i++)
			if (SPI_execute(psprintf("DELETE FROM %s c USING %s g"
									 " WHERE c.shop OPERATOR(pg_catalog.=) g.shop"
									 " AND c.order_id OPERATOR(pg_catalog.=) g.order_id",
									 rows_of(rel, children[i]), quote_identifier(td->tg_trigger->tgoldtable)),
							false, 0) != SPI_OK_DELETE)
				elog(ERROR, "could not delete the %s of the deleted orders", children[i]);
	}
	SPI_finish();
	OtLeaveOwner(&scope);
	return PointerGetDatum(NULL);
}
