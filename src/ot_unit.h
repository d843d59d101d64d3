/*
 * ot_unit.h
 *	  Whether a Chinese (or English) delivery address names the building,
 *	  unit or room, the house, the stall, the dormitory or office room, or
 *	  the village group that a courier needs to find the door.  A rule set
 *	  over the folded text (ot_text_fold) whose words the caller loads.
 *	  Pure C; no PostgreSQL dependency.
 *
 * A "number" below is a run of ASCII digits, possibly after letters (12,
 * B18, c305), a lone ASCII letter (B座, Block B), or a run of Chinese
 * numerals (五组, 十二栋).  A word counts only where its rule holds, so that
 * a unit word inside a place or street name (鼓楼区, 户部巷, 望江楼小区,
 * 地铁2号线) does not.  The rules:
 *
 *   after_number     a number just before the word, with at most a 号 or #
 *                    and spaces between: 3栋, 5号楼, 2单元, 501室, B座, 3舍,
 *                    B18档, 五组, 4社, 33F, 5/F.
 *   between_numbers  a number just before the word and one just after it:
 *                    5号楼1门302 (门 alone is in 三门峡).
 *   near_number      a number just before the word (as for after_number),
 *                    or after it within a few characters: 宿舍C305,
 *                    别墅区A12, 50号别墅, 商位12, 63号商铺, Room 1203,
 *                    Flat 12A, Block B, Apt 3.
 *   room_after       a room number of three digits or more right after the
 *                    word: 创新大厦1505, 国贸中心A1203.
 *   house_after      a door number (a number then 号) within a few
 *                    characters after the word: 张村15号 (a rural house).
 *   separator        numbers joined by the word: three of them (12-3-501,
 *                    5-2-1101), or two when the second has three digits or
 *                    more and no 号 follows (3-501; 88-1号 is a door number).
 *   anywhere         the word alone, wherever it is.
 *   not_unit         no unit word inside this word counts: 组团 (C组团 is
 *                    a cluster of an estate, not a village group), 社区.
 *
 * A street door number alone (建设路88号, 文三路90号东部软件园) names no
 * unit.
 */
#ifndef OT_UNIT_H
#define OT_UNIT_H

#include <stdbool.h>
#include <stddef.h>

typedef enum ot_unit_rule
{
	OT_UNIT_AFTER_NUMBER,
	OT_UNIT_BETWEEN_NUMBERS,
	OT_UNIT_NEAR_NUMBER,
	OT_UNIT_ROOM_AFTER,
	OT_UNIT_HOUSE_AFTER,
	OT_UNIT_SEPARATOR,
	OT_UNIT_ANYWHERE,
	OT_UNIT_NOT_UNIT
} ot_unit_rule;

#define OT_UNIT_NRULES 8

typedef struct ot_units ot_units;

/* The rule's name as the settings table spells it, or NULL. */
extern const char *ot_unit_rule_name(ot_unit_rule rule);

/* The rule of a name; -1 when there is none. */
extern int	ot_unit_rule_parse(const char *name);

/* An empty rule set; NULL when out of memory. */
extern ot_units *ot_units_new(void);

/*
 * Adds a folded word under a rule (before ot_units_build).  False when out
 * of memory or the word is empty.
 */
extern bool ot_units_add(ot_units *u, const char *word, size_t len, ot_unit_rule rule);

/* Prepares for matching; false when out of memory. */
extern bool ot_units_build(ot_units *u);

/* True when the folded address names a unit by one of the rules. */
extern bool ot_units_named(const ot_units *u, const char *folded, size_t len);

extern size_t ot_units_memory(const ot_units *u);
extern void ot_units_free(ot_units *u);

#endif							/* OT_UNIT_H */
