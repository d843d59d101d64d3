/*
 * order_guards.h
 *	  What no writer of orders and lines may do (order_guards.c).
 */
#ifndef OT_ORDER_GUARDS_H
#define OT_ORDER_GUARDS_H

/* Registers the end-of-transaction callback. */
extern void OrderGuardsInit(void);
/* Notes an order this transaction inserted, not yet checked by intake. */
extern void OrderGuardNoteNew(int64 order_id, Datum shop);
/* Notes that intake has checked it. */
extern void OrderGuardNoteChecked(int64 order_id, Datum shop);

#endif							/* OT_ORDER_GUARDS_H */
