/*
 * shop_access.h
 *	  Which shops a role sees (shop_access.c).
 */
#ifndef OT_SHOP_ACCESS_H
#define OT_SHOP_ACCESS_H

/* Registers the cache of ordertrack.shop_roles. */
extern void ShopAccessInit(void);
/* Whether the role sees the shop's orders. */
extern bool ShopVisible(Oid role, const char *shop);
/* Raises 42501 unless the calling role sees the shop of the order or flag (what, id). */
extern void ShopRequireVisible(Datum shop, const char *what, int64 id);

#endif							/* OT_SHOP_ACCESS_H */
