/*
 * ordertrack.c
 *	  Library entry point: calls each part's initialisation.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "ordertrack.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Reserves the ordertrack.* settings and initialises every part. */
void
_PG_init(void)
{
	TrackingNoInit();
	IntakeInit();
	OrdersInit();
	MarkGUCPrefixReserved(OT_SCHEMA);
}
