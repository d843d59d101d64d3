/*
 * stages.h
 *	  The stage graph and who moves an order.
 */
#ifndef OT_STAGES_H
#define OT_STAGES_H

#include "compat.h"

typedef struct OtStageMove
{
	Oid			actor_role;		/* recorded as its name unless actor is given */
	const char *actor;
	const char *reason;
	SubTransactionId subxact;
	struct OtStageMove *outer;
} OtStageMove;

/* Registers the graph's invalidation callback and the settings actor and reason. */
extern void StagesInit(void);
/* Moves made from now on are the actor's, for the reason, until StageMoveEnd. */
extern void StageMoveBegin(OtStageMove *m, Oid actor_role, const char *actor, const char *reason);
/* Restores the previous mover. */
extern void StageMoveEnd(OtStageMove *m);
/*
 * Runs an UPDATE of orders with SPI, its moves made by the actor for the
 * reason; a "%s" in sql, where the SET list ends, is where the move's
 * stage_move is set (as the parameter after nargs).
 */
extern uint64 StageMoveExecute(Oid actor_role, const char *actor, const char *reason,
							   const char *sql, int nargs, Oid *types, Datum *args);
/* stage_entered_at with the stage entered at the start of this transaction. */
extern Datum StageEntered(Datum entered, bool isnull, const char *stage);
/* The error for a move the graph does not allow. */
extern void StageRefuse(int64 order_id, Oid from, Oid to) pg_attribute_noreturn();

#endif							/* OT_STAGES_H */
