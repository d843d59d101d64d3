/*
 * ordertrack.h
 *	  Shared declarations of the ordertrack extension's parts.
 */
#ifndef ORDERTRACK_H
#define ORDERTRACK_H

/* Schema that holds every ordertrack object (the extension is not relocatable). */
#define OT_SCHEMA "ordertrack"

/* ordertrack.c: running SPI work as a table's owner */
typedef struct OwnerScope
{
	Oid			userid;
	int			sec_context;
	int			nestlevel;
} OwnerScope;

extern Oid	OtRelationOwner(Oid relid);
extern void OtEnterOwner(Oid owner, OwnerScope *scope);
extern void OtLeaveOwner(OwnerScope *scope);

/* tracking_no.c */
extern void TrackingNoInit(void);

/* intake.c */
typedef struct IntakeRegion
{
	char	   *province;		/* palloc'd names, NULL when not recognised */
	char	   *city;
	char	   *district;
	int			province_code;	/* GB/T 2260 codes, 0 when not recognised */
	int			city_code;
	int			district_code;
	int			code;			/* of the most precise level recognised */
	bool		remote;
} IntakeRegion;

extern int	ot_duplicate_window;
extern int	ot_bulk_quantity;
extern int	ot_address_min_chars;

extern void IntakeInit(void);
extern char *IntakeFold(struct varlena *t, size_t *len);
extern bool IntakeNeedsUnit(const char *folded, size_t len);
extern uint32 IntakeRequestMask(const char *folded, size_t len);
extern const char *IntakeServiceTag(int i);
extern int	IntakeTagIndex(const char *tag);
extern void IntakeLocate(const char *folded, size_t len, IntakeRegion *out);

/* orders.c */
extern void OrdersInit(void);

#endif							/* ORDERTRACK_H */
