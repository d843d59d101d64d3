/*
 * intake.h
 *	  The intake text checks (phone, address, special requests, region) and their settings.
 */
#ifndef OT_INTAKE_H
#define OT_INTAKE_H

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

/* Settings (GUCs) of the intake checks. */
extern int	ot_duplicate_window;
extern int	ot_bulk_quantity;
extern int	ot_address_min_chars;
extern int	ot_clock_skew;

/* Registers the settings cache's invalidation callback and the GUCs. */
extern void IntakeInit(void);
/* The text as folded UTF-8, palloc'd. */
extern char *IntakeFold(struct varlena *t, size_t *len);
/* True when the folded address names no unit by the unit rules (ot_unit.h). */
extern bool IntakeNeedsUnit(const char *folded, size_t len);
/* Bit i set when the folded remarks ask for service tag i. */
extern uint32 IntakeRequestMask(const char *folded, size_t len);
/* Name of service tag i, or NULL past the last. */
extern const char *IntakeServiceTag(int i);
/* Index of a service tag by name, -1 when unknown. */
extern int	IntakeTagIndex(const char *tag);
/* Region of a folded address; names are palloc'd copies, NULL when unknown. */
extern void IntakeLocate(const char *folded, size_t len, IntakeRegion *out);

#endif							/* OT_INTAKE_H */
