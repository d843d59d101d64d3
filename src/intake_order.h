/*
 * intake_order.h
 *	  Order intake (intake_trigger.c, intake_lookup.c): the order as intake
 *	  reads it, the tables of the direct path, and the look-ups.
 */
#ifndef OT_INTAKE_ORDER_H
#define OT_INTAKE_ORDER_H

#include "datatype/timestamp.h"

#include "direct.h"

/* One order line, with the catalogue's view of its SKU. */
typedef struct IntakeLine
{
	int64		line_id;
	char	   *sku;
	char	   *title;
	char	   *spec;
	char	   *colour;
	char	   *customization;
	int32		quantity;
	bool		known;			/* the SKU is in the catalogue */
	bool		active;
	bool		fragile;
	bool		cold_chain;
	char	   *cat_title;
	char	   *cat_spec;
	char	   *cat_colour;
} IntakeLine;

/* What intake reads of an order, and what its look-ups found. */
typedef struct IntakeOrder
{
	Datum		shop;			/* text */
	int64		order_id;
	char	   *external_ref;
	char	   *account;
	char	   *recipient;
	char	   *phone;
	char	   *phone_normalized;
	char	   *address;
	char	   *remarks;
	char	   *province;
	bool		urgent;
	TimestampTz created_at;
	int			nlines;
	IntakeLine *lines;
	char	   *duplicates;		/* "order (ERP ref), ...", NULL when none */
	char	   *history;		/* the account's notes, NULL when none */
	char	   *blacklisted;	/* matching blacklist entries, NULL when none */
} IntakeOrder;

/* The direct path's tables, and the order's row as read (intake_trigger.c). */
typedef struct Direct
{
	Relation	orders;
	Relation	lines;
	Relation	flags;
	Relation	events;
	Relation	notes;
	Relation	blacklist;
	Snapshot	snapshot;		/* the order and its lines */
	TupleTableSlot *order_row;	/* the order's row, kept until it is updated */
	bool		scanned;		/* ... held by order_scan */
	OtScan		order_scan;
	Oid			stage_type;
	Datum		stage;			/* the order's stage as read */
} Direct;

/* Defines the setting that picks the intake's path. */
extern void IntakeTriggerInit(void);
/* Setting ordertrack.intake_sql. */
extern bool ot_intake_sql;

/* Duplicates, history and blacklist, with the latest snapshot: the SQL path. */
extern void IntakeLookupsSql(IntakeOrder *o);
/* Duplicates, history and blacklist, with the latest snapshot: the direct path. */
extern void IntakeLookupsDirect(Direct *d, IntakeOrder *o);

#endif							/* OT_INTAKE_ORDER_H */
