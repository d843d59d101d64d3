/*
 * events.h
 *	  The outbox's live push.
 */
#ifndef OT_EVENTS_H
#define OT_EVENTS_H

#include "executor/tuptable.h"

/* The settings of the push, and the doorbell worker when preloaded. */
extern void EventsInit(void);
/* Notes (doorbell mode) or announces (commit mode) the event in slot, a row of events. */
extern void EventAnnounce(TupleTableSlot *slot);

#endif							/* OT_EVENTS_H */
