/*
 * deadlines.h
 *	  The settings of the deadlines that ordertrack.sweep() watches.
 */
#ifndef OT_DEADLINES_H
#define OT_DEADLINES_H

/* Defines the deadline settings. */
extern void DeadlinesInit(void);

#endif							/* OT_DEADLINES_H */
