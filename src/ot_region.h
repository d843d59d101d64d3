/*
 * ot_region.h
 *	  Recognising province, city and district in a Chinese address, against
 *	  the administrative divisions (GB/T 2260) that the caller loads.
 *	  Pure C; no PostgreSQL dependency.
 */
#ifndef OT_REGION_H
#define OT_REGION_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ot_regions ot_regions;

typedef struct ot_region_match
{
	int			province;		/* GB/T 2260 codes, 0 when not recognised */
	int			city;
	int			district;
} ot_region_match;

/* An empty set of regions; NULL when out of memory. */
extern ot_regions *ot_regions_new(void);

/*
 * Adds a region: its code, its parent's code (0 for a province), its level
 * (1 province, 2 city, 3 district), whether it is a stand-in that addresses
 * never name (市辖区), its official name and its short forms separated by
 * commas.  Names are matched folded (ot_text_fold).  False when out of
 * memory or the level is not 1 to 3.
 */
extern bool ot_regions_add(ot_regions *rs, int code, int parent, int level,
						   bool placeholder, const char *name, size_t namelen,
						   const char *shorts, size_t shortlen);

/* Prepares for matching; false when out of memory. */
extern bool ot_regions_build(ot_regions *rs);

/*
 * The most plausible region of a folded address.  Each mention of a region's
 * name counts (official names more than short forms), and a mention of a
 * province or city counts for a district below it only when it comes before
 * the district's, so that 南京东路 in Shanghai is not Nanjing.  When two
 * different regions are equally plausible, only what they share is returned.
 */
extern ot_region_match ot_regions_match(const ot_regions *rs, const char *folded, size_t len);

extern size_t ot_regions_count(const ot_regions *rs);
extern size_t ot_regions_memory(const ot_regions *rs);
extern void ot_regions_free(ot_regions *rs);

#endif							/* OT_REGION_H */
