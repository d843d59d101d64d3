/*
 * ot_region.c
 *	  Region recognition: every region name is a keyword of one automaton;
 *	  the mentions found in an address are scored as chains province -> city
 *	  -> district, and the best chain wins.
 */
#include "ot_region.h"
#include "ot_ac.h"
#include "ot_text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MENTIONS 64
#define MAX_HITS 128
#define WEIGHT_FULL 3
#define WEIGHT_SHORT 2

typedef struct region
{
	int			code;
	int			parent;			/* code */
	int			level;
	bool		placeholder;
} region;

typedef struct name_entry
{
	char	   *text;			/* folded */
	size_t		len;
	int			region;			/* index into regions */
	bool		full;
} name_entry;

struct ot_regions
{
	region	   *regions;
	int			nregions,
				cregions;
	name_entry *names;
	int			nnames,
				cnames;
	struct code_index
	{
		int			code;
		int			idx;
	}		   *by_code;		/* sorted by code */
	ot_ac	   *ac;
};

/* A name found in the address: which, and the bytes it spans. */
typedef struct hit
{
	int			name;			/* index into names */
	size_t		start,
				end;
} hit;

/* One region mentioned in the address: its best name and where. */
typedef struct mention
{
	int			region;
	int			weight;
	size_t		start,
				end;
} mention;

typedef struct scan_state
{
	const ot_regions *rs;
	hit			hits[MAX_HITS];
	int			nhits;
	mention		m[MAX_MENTIONS];
	int			n;
	int			chains[MAX_MENTIONS][3];
	int			scores[MAX_MENTIONS];
} scan_state;

ot_regions *
ot_regions_new(void)
{
	ot_regions *rs = calloc(1, sizeof(ot_regions));

	return rs;
}

static bool
add_name(ot_regions *rs, const char *s, size_t len, int region, bool full)
{
	char	   *folded;

	if (len == 0)
		return true;
	if (rs->nnames == rs->cnames)
	{
		int			c = rs->cnames ? rs->cnames * 2 : 256;
		name_entry *n = realloc(rs->names, sizeof(name_entry) * c);

		if (n == NULL)
			return false;
		rs->names = n;
		rs->cnames = c;
	}
	folded = malloc(len + 1);
	if (folded == NULL)
		return false;
	rs->names[rs->nnames++] = (name_entry) {folded, ot_text_fold(s, len, folded), region, full};
	return true;
}

bool
ot_regions_add(ot_regions *rs, int code, int parent, int level, bool placeholder,
			   const char *name, size_t namelen, const char *shorts, size_t shortlen)
{
	int			idx;

	if (level < 1 || level > 3 || rs->ac != NULL)
		return false;
	if (rs->nregions == rs->cregions)
	{
		int			c = rs->cregions ? rs->cregions * 2 : 256;
		region	   *r = realloc(rs->regions, sizeof(region) * c);

		if (r == NULL)
			return false;
		rs->regions = r;
		rs->cregions = c;
	}
	idx = rs->nregions++;
	rs->regions[idx] = (region) {code, parent, level, placeholder};
	if (placeholder)
		return true;			/* addresses never name 市辖区 */
	if (!add_name(rs, name, namelen, idx, true))
		return false;
	for (size_t i = 0; i < shortlen;)
	{
		const char *comma = memchr(shorts + i, ',', shortlen - i);
		size_t		n = comma ? (size_t) (comma - (shorts + i)) : shortlen - i;

		if (!add_name(rs, shorts + i, n, idx, false))
			return false;
		i += n + 1;
	}
	return true;
}

static int
cmp_code(const void *a, const void *b)
{
	int			x = *(const int *) a;	/* code is the first member */
	int			y = *(const int *) b;

	return (x > y) - (x < y);
}

bool
ot_regions_build(ot_regions *rs)
{
	rs->by_code = malloc(sizeof(*rs->by_code) * (rs->nregions + 1));
	rs->ac = ot_ac_new();
	if (rs->by_code == NULL || rs->ac == NULL)
		return false;
	for (int i = 0; i < rs->nregions; i++)
	{
		rs->by_code[i].code = rs->regions[i].code;
		rs->by_code[i].idx = i;
	}
	qsort(rs->by_code, rs->nregions, sizeof(*rs->by_code), cmp_code);
	for (int i = 0; i < rs->nnames; i++)
		if (!ot_ac_add(rs->ac, rs->names[i].text, rs->names[i].len, i))
			return false;
	return ot_ac_build(rs->ac);
}

/* Region index of a code, or -1. */
static int
find(const ot_regions *rs, int code)
{
	int			lo = 0,
				hi = rs->nregions - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			c = rs->by_code[mid].code;

		if (c == code)
			return rs->by_code[mid].idx;
		if (c < code)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* Collects every name found, up to MAX_HITS. */
static bool
on_name(int id, size_t start, size_t end, void *arg)
{
	scan_state *st = arg;

	if (st->nhits < MAX_HITS)
		st->hits[st->nhits++] = (hit) {id, start, end};
	return true;
}

/* Whether the text at s (len bytes) begins with word. */
static bool
starts_with(const char *s, size_t len, const char *word)
{
	size_t		n = strlen(word);

	return n <= len && memcmp(s, word, n) == 0;
}

/*
 * Whether a name that ends where text[at..len) begins is part of a street,
 * town or village name rather than the region: 南京东路, 中山路, 太原街,
 * 黄山镇, 龙华街道.  A direction may come between: 北京西路.
 */
static bool
names_a_street(const char *text, size_t len, size_t at)
{
	static const char *const directions[] = {"东", "西", "南", "北", "中"};
	static const char *const streets[] = {"路", "街", "大道", "大街", "巷", "胡同", "弄", "道",
	"镇", "乡", "村", "社区"};
	const char *s = text + at;
	size_t		n = len - at;

	for (size_t i = 0; i < sizeof directions / sizeof *directions; i++)
		if (starts_with(s, n, directions[i]))
		{
			size_t		d = strlen(directions[i]);

			/* 北京西路: the direction then a street word */
			for (size_t j = 0; j < 2; j++)	/* 路, 街 */
				if (starts_with(s + d, n - d, streets[j]))
					return true;
			if (starts_with(s + d, n - d, "大道") || starts_with(s + d, n - d, "大街"))
				return true;
		}
	for (size_t i = 0; i < sizeof streets / sizeof *streets; i++)
		if (starts_with(s, n, streets[i]))
			return true;
	return false;
}

/*
 * Keeps the names that stand for regions: not one that lies inside a longer
 * name found (绛县 in 新绛县, 城区 in 增城区, 龙江 in 黑龙江), nor one that
 * is the start of a street or town name.  Then keeps, per region, the
 * heaviest and then earliest mention.
 */
static void
collect_mentions(scan_state *st, const char *text, size_t len)
{
	const ot_regions *rs = st->rs;

	st->n = 0;
	for (int i = 0; i < st->nhits; i++)
	{
		const hit  *h = &st->hits[i];
		const name_entry *ne = &rs->names[h->name];
		int			w = ne->full ? WEIGHT_FULL : WEIGHT_SHORT;
		bool		inside = false;
		int			k;

		for (int j = 0; j < st->nhits && !inside; j++)
		{
			const hit  *o = &st->hits[j];

			inside = j != i && o->start <= h->start && h->end <= o->end &&
				o->end - o->start > h->end - h->start;
		}
		if (inside || names_a_street(text, len, h->end))
			continue;
		for (k = 0; k < st->n; k++)
			if (st->m[k].region == ne->region)
				break;
		if (k < st->n)
		{
			if (w > st->m[k].weight || (w == st->m[k].weight && h->start < st->m[k].start))
				st->m[k] = (mention) {ne->region, w, h->start, h->end};
		}
		else if (st->n < MAX_MENTIONS)
			st->m[st->n++] = (mention) {ne->region, w, h->start, h->end};
	}
}

static const mention *
mention_of(const scan_state *st, int region)
{
	for (int i = 0; i < st->n; i++)
		if (st->m[i].region == region)
			return &st->m[i];
	return NULL;
}

/* The chain province, city, district ending at a region (indexes or -1). */
static void
chain_of(const ot_regions *rs, int leaf, int chain[3])
{
	chain[0] = chain[1] = chain[2] = -1;
	for (int r = leaf, guard = 0; r >= 0 && guard < 3; guard++)
	{
		int			level = rs->regions[r].level;

		if (chain[level - 1] != -1)
			break;				/* a cycle in bad data */
		chain[level - 1] = r;
		r = rs->regions[r].parent ? find(rs, rs->regions[r].parent) : -1;
	}
}

/*
 * Score of the chain ending at a mentioned region: its own weight, plus each
 * ancestor's whose mention ends before the mention below it starts.
 */
static int
chain_score(const scan_state *st, const int chain[3], int leaf_level)
{
	const mention *below = mention_of(st, chain[leaf_level - 1]);
	int			score = below->weight;

	for (int level = leaf_level - 1; level >= 1; level--)
	{
		const mention *m = chain[level - 1] >= 0 ? mention_of(st, chain[level - 1]) : NULL;

		if (m != NULL && m->end <= below->start)
		{
			score += m->weight;
			below = m;
		}
	}
	return score;
}

ot_region_match
ot_regions_match(const ot_regions *rs, const char *folded, size_t len)
{
	ot_region_match result = {0, 0, 0};
	scan_state *st;
	int			best = 0;
	int			common[3] = {-1, -1, -1};
	bool		any = false;
	size_t		first_start = SIZE_MAX;
	int			frame[MAX_MENTIONS];
	int			nframe = 0;

	if (rs->ac == NULL || (st = malloc(sizeof(scan_state))) == NULL)
		return result;
	st->rs = rs;
	st->nhits = 0;
	ot_ac_scan(rs->ac, folded, len, on_name, st);
	collect_mentions(st, folded, len);

	/*
	 * The address is written from the largest division down: when it begins
	 * with a province or a city, that is the province it is in, and a chain
	 * in another province is a street or an estate named after a place.
	 */
	for (int i = 0; i < st->n; i++)
		if (st->m[i].start < first_start)
			first_start = st->m[i].start;
	for (int i = 0; i < st->n; i++)
		chain_of(rs, st->m[i].region, st->chains[i]);
	for (int i = 0; i < st->n; i++)
		if (st->m[i].start == first_start)
		{
			if (rs->regions[st->m[i].region].level == 3)
			{
				nframe = 0;		/* a district first: no frame */
				break;
			}
			frame[nframe++] = st->chains[i][0];
		}
	for (int i = 0; i < st->n; i++)
	{
		bool		in_frame = nframe == 0;

		for (int f = 0; f < nframe && !in_frame; f++)
			in_frame = st->chains[i][0] == frame[f];
		st->scores[i] = in_frame ? chain_score(st, st->chains[i], rs->regions[st->m[i].region].level) : 0;
		if (st->scores[i] > best)
			best = st->scores[i];
	}
	/* what every best chain agrees on, from the province down */
	for (int i = 0; i < st->n && best > 0; i++)
	{
		if (st->scores[i] != best)
			continue;
		if (!any)
		{
			memcpy(common, st->chains[i], sizeof(common));
			any = true;
			continue;
		}
		for (int l = 0; l < 3; l++)
			if (common[l] != st->chains[i][l])
			{
				for (int k = l; k < 3; k++)
					common[k] = -1;
				break;
			}
	}
	free(st);
	if (common[0] >= 0)
	{
		result.province = rs->regions[common[0]].code;
		if (common[1] >= 0)
		{
			result.city = rs->regions[common[1]].code;
			if (common[2] >= 0)
				result.district = rs->regions[common[2]].code;
		}
	}
	return result;
}

size_t
ot_regions_count(const ot_regions *rs)
{
	return (size_t) rs->nregions;
}

size_t
ot_regions_memory(const ot_regions *rs)
{
	size_t		total = sizeof(ot_regions) + sizeof(region) * (size_t) rs->cregions +
		sizeof(name_entry) * (size_t) rs->cnames + sizeof(*rs->by_code) * (size_t) (rs->nregions + 1);

	for (int i = 0; i < rs->nnames; i++)
		total += rs->names[i].len + 1;
	return total + (rs->ac ? ot_ac_memory(rs->ac) : 0);
}

void
ot_regions_free(ot_regions *rs)
{
	if (rs == NULL)
		return;
	for (int i = 0; i < rs->nnames; i++)
		free(rs->names[i].text);
	free(rs->names);
	free(rs->regions);
	free(rs->by_code);
	ot_ac_free(rs->ac);
	free(rs);
}
