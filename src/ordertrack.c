/*
 * ordertrack.c
 *	  Library entry point: calls each part's initialisation.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "cache.h"
#include "catalogue.h"
#include "common.h"
#include "deadlines.h"
#include "direct.h"
#include "events.h"
#include "flags.h"
#include "intake.h"
#include "intake_order.h"
#include "order_guards.h"
#include "placement.h"
#include "shop_access.h"
#include "shop_group.h"
#include "stages.h"
#include "tracking_no.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Reserves the ordertrack.* settings and initialises every part. */
void
_PG_init(void)
{
	CommonInit();
	CacheInit();
	PlacementInit();
	TrackingNoInit();
	IntakeInit();
	IntakeTriggerInit();
	OrderGuardsInit();
	ShopAccessInit();
	FlagsInit();
	DirectInit();
	CatalogueInit();
	StagesInit();
	ShopGroupInit();
	EventsInit();
	DeadlinesInit();
	MarkGUCPrefixReserved(OT_SCHEMA);
}
