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
#define WEIGHT_SUFFIXED 3		/* 南山区 */
#define WEIGHT_BARE 2			/* 南山 */

typedef struct region
{
	int			code;
	int			parent;			/* code */
	int			level;
	bool		placeholder;
	int			only_city;		/* of a province with one city (北京's 市辖区): index, else -1 */
} region;

typedef struct name_entry
{
	char	   *text;			/* folded */
	size_t		len;
	int			region;			/* index into regions */
	bool		suffixed;		/* ends in 省, 市, 区, 县 ...: a whole name */
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
	int			province;		/* index of its region's province */
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

/*
 * Whether a folded name ends in a division's suffix (省 市 区 县 旗 盟 乡 镇
 * 岛), or in 州 as the short name of an autonomous prefecture (恩施州), not
 * as in 广州.
 */
static bool
ends_in_suffix(const char *s, size_t len, bool prefecture)
{
	static const char *const suffixes[] = {"省", "市", "区", "县", "旗", "盟", "乡", "镇", "岛"};

	for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++)
	{
		size_t		n = strlen(suffixes[i]);

		if (len >= n && memcmp(s + len - n, suffixes[i], n) == 0)
			return true;
	}
	return prefecture && len >= strlen("州") && memcmp(s + len - strlen("州"), "州", strlen("州")) == 0;
}

static bool
add_name(ot_regions *rs, const char *s, size_t len, int region, bool prefecture)
{
	char	   *folded;
	size_t		n;

	if (len == 0)
		return true;
	if (rs->nnames == rs->cnames)
	{
		int			c = rs->cnames ? rs->cnames * 2 : 256;
		name_entry *e = realloc(rs->names, sizeof(name_entry) * c);

		if (e == NULL)
			return false;
		rs->names = e;
		rs->cnames = c;
	}
	folded = malloc(len + 1);
	if (folded == NULL)
		return false;
	n = ot_text_fold(s, len, folded);
	rs->names[rs->nnames++] = (name_entry) {folded, n, region, ends_in_suffix(folded, n, prefecture)};
	return true;
}

bool
ot_regions_add(ot_regions *rs, int code, int parent, int level, bool placeholder,
			   const char *name, size_t namelen, const char *shorts, size_t shortlen)
{
	int			idx;
	bool		prefecture;

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
	rs->regions[idx] = (region) {code, parent, level, placeholder, -1};
	if (placeholder)
		return true;			/* addresses never name 市辖区 */
	prefecture = namelen >= strlen("自治州") &&
		memcmp(name + namelen - strlen("自治州"), "自治州", strlen("自治州")) == 0;
	if (!add_name(rs, name, namelen, idx, prefecture))
		return false;
	for (size_t i = 0; i < shortlen;)
	{
		const char *comma = memchr(shorts + i, ',', shortlen - i);
		size_t		n = comma ? (size_t) (comma - (shorts + i)) : shortlen - i;

		if (!add_name(rs, shorts + i, n, idx, prefecture))
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
	/* a province with exactly one city implies it (北京 -> 市辖区) */
	{
		int		   *cities = calloc(rs->nregions + 1, sizeof(int));

		if (cities == NULL)
			return false;
		for (int i = 0; i < rs->nregions; i++)
		{
			int			p = rs->regions[i].level == 2 ? find(rs, rs->regions[i].parent) : -1;

			if (p >= 0 && rs->regions[p].level == 1 && cities[p]++ == 0)
				rs->regions[p].only_city = i;
		}
		for (int i = 0; i < rs->nregions; i++)
			if (cities[i] != 1)
				rs->regions[i].only_city = -1;
		free(cities);
	}
	for (int i = 0; i < rs->nnames; i++)
		if (!ot_ac_add(rs->ac, rs->names[i].text, rs->names[i].len, i))
			return false;
	return ot_ac_build(rs->ac);
}

/* Collects every name found, up to MAX_HITS. */
static bool
on_name(int id, size_t start, size_t end, void *arg)
{
	scan_state *st = arg;

	if (st->nhits < MAX_HITS)
		st->hits[st->nhits++] = (hit) {id, -1, start, end};
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
 * Whether a bare name (one without its suffix) that ends where text[at..len)
 * begins is part of a street, town or village name rather than the region:
 * 南京东路, 中山路, 太原街, 黄山镇, 龙华街道.  A direction may come between:
 * 北京西路.
 */
static bool
names_a_street(const char *text, size_t len, size_t at)
{
	static const char *const directions[] = {"东", "西", "南", "北", "中"};
	static const char *const streets[] = {"路", "街", "大道", "大街", "巷", "胡同", "弄",
	"镇", "乡", "村", "社区"};
	const char *s = text + at;
	size_t		n = len - at;

	for (size_t i = 0; i < sizeof directions / sizeof *directions; i++)
		if (starts_with(s, n, directions[i]))
		{
			size_t		d = strlen(directions[i]);

			if (starts_with(s + d, n - d, "路") || starts_with(s + d, n - d, "街") ||
				starts_with(s + d, n - d, "大道") || starts_with(s + d, n - d, "大街"))
				return true;
		}
	for (size_t i = 0; i < sizeof streets / sizeof *streets; i++)
		if (starts_with(s, n, streets[i]))
			return true;
	return false;
}

static int
hit_weight(const scan_state *st, const hit *h)
{
	return st->rs->names[h->name].suffixed ? WEIGHT_SUFFIXED : WEIGHT_BARE;
}

static int
hit_region(const scan_state *st, const hit *h)
{
	return st->rs->names[h->name].region;
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

static int
province_of(const ot_regions *rs, int region)
{
	int			chain[3];

	chain_of(rs, region, chain);
	return chain[0];
}

/*
 * The frame: an address is written from the largest division down, so when
 * it begins with a province or a city, it is in that province.  The
 * provinces of the longest names at the earliest place go into frame[];
 * none when a district comes first.  Returns their number.
 */
static int
find_frame(const scan_state *st, int *frame)
{
	size_t		first = SIZE_MAX,
				longest = 0;
	int			n = 0;

	for (int i = 0; i < st->nhits; i++)
		if (st->hits[i].start < first)
			first = st->hits[i].start;
	for (int i = 0; i < st->nhits; i++)
		if (st->hits[i].start == first && st->hits[i].end - first > longest)
			longest = st->hits[i].end - first;
	for (int i = 0; i < st->nhits; i++)
	{
		const hit  *h = &st->hits[i];

		if (h->start != first || h->end - first != longest)
			continue;
		if (st->rs->regions[hit_region(st, h)].level == 3)
			return 0;
		frame[n++] = h->province;
	}
	return n;
}

static bool
in_frame(const int *frame, int nframe, int province)
{
	if (nframe == 0)
		return true;
	for (int f = 0; f < nframe; f++)
		if (frame[f] == province)
			return true;
	return false;
}

/* Drops the bare names that begin a street or town name (南京东路, 黄山镇). */
static void
drop_streets(scan_state *st, const char *text, size_t len)
{
	int			n = 0;

	for (int i = 0; i < st->nhits; i++)
		if (st->rs->names[st->hits[i].name].suffixed || !names_a_street(text, len, st->hits[i].end))
		{
			st->hits[n] = st->hits[i];
			st->hits[n].province = province_of(st->rs, hit_region(st, &st->hits[i]));
			n++;
		}
	st->nhits = n;
}

/*
 * Keeps the names that stand for regions in the frame: not one that lies
 * inside a longer name of another region in the frame (绛县 in 新绛县, 城区
 * in 增城区, 龙江 in 黑龙江; but 台中市中区 keeps 中区, as 市中区 is not in
 * Taiwan).
 */
static void
collect_mentions(scan_state *st, const int *frame, int nframe)
{
	st->n = 0;
	for (int i = 0; i < st->nhits; i++)
	{
		const hit  *h = &st->hits[i];
		int			r = hit_region(st, h);
		bool		inside = false;

		if (!in_frame(frame, nframe, h->province))
			continue;
		for (int j = 0; j < st->nhits && !inside; j++)
		{
			const hit  *o = &st->hits[j];

			inside = hit_region(st, o) != r && o->start <= h->start && h->end <= o->end &&
				o->end - o->start > h->end - h->start && in_frame(frame, nframe, o->province);
		}
		if (!inside && st->n < MAX_MENTIONS)
			st->m[st->n++] = (mention) {r, hit_weight(st, h), h->start, h->end};
	}
}

/*
 * Score of the chain ending at mention leaf: its weight, plus, for each
 * ancestor from the city up, the heaviest of its mentions that ends before
 * the mention below it starts (天津南开: 天津 then 南开, not 津南).
 */
static int
chain_score(const scan_state *st, const int chain[3], int leaf)
{
	const mention *below = &st->m[leaf];
	int			score = below->weight;

	for (int level = st->rs->regions[below->region].level - 1; level >= 1; level--)
	{
		const mention *best = NULL;

		if (chain[level - 1] < 0)
			continue;
		for (int i = 0; i < st->n; i++)
		{
			const mention *m = &st->m[i];

			if (m->region == chain[level - 1] && m->end <= below->start &&
				(best == NULL || m->weight > best->weight ||
				 (m->weight == best->weight && m->start > best->start)))
				best = m;
		}
		if (best != NULL)
		{
			score += best->weight;
			below = best;
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
	int			frame[MAX_HITS];
	int			nframe;
	size_t		last = 0;

	if (rs->ac == NULL || (st = malloc(sizeof(scan_state))) == NULL)
		return result;
	st->rs = rs;
	st->nhits = 0;
	ot_ac_scan(rs->ac, folded, len, on_name, st);
	drop_streets(st, folded, len);
	nframe = find_frame(st, frame);
	collect_mentions(st, frame, nframe);

	for (int i = 0; i < st->n; i++)
	{
		chain_of(rs, st->m[i].region, st->chains[i]);
		st->scores[i] = chain_score(st, st->chains[i], i);
		if (st->scores[i] > best)
			best = st->scores[i];
	}
	/*
	 * Of equally likely chains, those whose last name comes last: the
	 * address goes from large to small (莱芜市钢城区: 钢城区, not 莱芜区);
	 * then what every one of them agrees on, from the province down.
	 */
	for (int i = 0; i < st->n; i++)
		if (st->scores[i] == best && st->m[i].start > last)
			last = st->m[i].start;
	for (int i = 0; i < st->n; i++)
	{
		if (st->scores[i] != best || st->m[i].start != last)
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
	if (common[0] >= 0 && common[1] < 0)
		common[1] = rs->regions[common[0]].only_city;
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
