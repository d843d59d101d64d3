/*
 * ordertrack.h
 *	  Shared declarations of the ordertrack extension's parts.
 */
#ifndef ORDERTRACK_H
#define ORDERTRACK_H

/* Schema that holds every ordertrack object (the extension is not relocatable). */
#define OT_SCHEMA "ordertrack"

/* tracking_no.c */
extern void TrackingNoInit(void);

/* intake.c */
extern void IntakeInit(void);

#endif							/* ORDERTRACK_H */
