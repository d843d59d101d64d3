/*
 * orders.h
 *	  Order intake: the triggers that check every order.
 */
#ifndef OT_ORDERS_H
#define OT_ORDERS_H

/* The setting that picks the intake's path. */
extern void OrdersInit(void);
/* Setting ordertrack.intake_sql. */
extern bool ot_intake_sql;

#endif							/* OT_ORDERS_H */
