/*
 * shop_group.h
 *	  This server's place in a shop group (see shop_group.c).
 */
#ifndef OT_SHOP_GROUP_H
#define OT_SHOP_GROUP_H

/* Registers the cache of the Citus group id (at library load). */
extern void ShopGroupInit(void);

/*
 * The node number in event ids: the setting ordertrack.node_id when it is
 * not 0, else this server's Citus group id (0 without Citus).
 */
extern int	OtNodeId(int configured);

#endif							/* OT_SHOP_GROUP_H */
