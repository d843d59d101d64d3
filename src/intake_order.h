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
/* Setting ordertrack.restoring: orders arrive checked, from a restore. */
extern bool IntakeRestoring(void);

/* Duplicates, history and blacklist, with the latest snapshot: the SQL path. */
extern void IntakeLookupsSql(IntakeOrder *o);
/* Duplicates, history and blacklist, with the latest snapshot: the direct path. */
extern void IntakeLookupsDirect(Direct *d, IntakeOrder *o);

/* At most this many service requirement tags. */
#define INTAKE_MAX_TAGS 32

/* A flag found by the checks, before it is written. */
typedef struct FoundFlag
{
	const char *code;
	char	   *detail;
	char	   *base;			/* the detail as found, when more were folded in */
	int			more;			/* findings of the code folded into this flag */
} FoundFlag;

/* What the checks found on one order: flags, and service tags as bits. */
typedef struct Findings
{
	FoundFlag  *flags;
	int			n,
				cap;
	uint32		tags;			/* service tag bits */
} Findings;

/* intake_check.c: the checks on one order, and what they find */
/* 1. the customer, 2. the items, 3. the special requests. */
extern void IntakeCheckOrder(const IntakeOrder *o, Findings *f);
/* 4. duplicates, 5. history, 6. blacklist, from what the look-ups found. */
extern void IntakeCheckLookups(const IntakeOrder *o, Findings *f);
/* The service requirement tags in their fixed order ({none}); returns how many. */
extern int	IntakeFindingsTags(const Findings *f, const char **tags);
/* The service requirements as a text[]. */
extern Datum IntakeFindingsRequirements(const Findings *f);
/* The SKUs of the order's lines, distinct and sorted, as a text[]. */
extern Datum IntakeOrderSkus(const IntakeOrder *o);
/* Why intake holds the order, or NULL when nothing blocks it. */
extern char *IntakeHoldReason(const Findings *f);

/* intake_store.c: reading the order and writing the verdict, by SQL or directly */
/* The order and its lines through SQL; false when it is gone or already checked (not yet, for a recheck). */
extern bool IntakeReadSql(IntakeOrder *o, bool recheck);
/* Flags, events and the verdict through one SQL statement. */
extern void IntakeRecordSql(const IntakeOrder *o, const Findings *f);
/* Opens the tables the direct path reads and writes (false: one is not on this node). */
extern bool IntakeDirectOpen(Direct *d, Relation orders);
/* Closes them (their locks are kept to the end of the transaction). */
extern void IntakeDirectClose(Direct *d);
/* The order and its lines by index scans; false when it is gone or already checked. */
extern bool IntakeReadDirect(Direct *d, IntakeOrder *o, HeapTuple fired);
/* Flags, events and the verdict through the executor's single-row writes. */
extern void IntakeRecordDirect(Direct *d, const IntakeOrder *o, const Findings *f);

/* intake_recheck.c: a corrected order */
/* The checks of the corrected fields again, on a checked order not yet confirmed (inside SPI, as owner). */
extern void IntakeRecheck(Datum shop, int64 order_id, Oid caller, const char *corrected);
/* The lines of a checked order not yet confirmed again, after lines were added (inside SPI, as owner). */
extern void IntakeLinesAdded(Datum shop, int64 order_id, Oid caller);

#endif							/* OT_INTAKE_ORDER_H */
