/*
 * tracking_no.h
 *	  SQL glue for the tracking_no type: I/O, validation and issuing.
 */
#ifndef OT_TRACKING_NO_H
#define OT_TRACKING_NO_H

/* Registers the cache callbacks. */
extern void TrackingNoInit(void);

#endif							/* OT_TRACKING_NO_H */
