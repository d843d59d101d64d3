/*
 * ot_ac.c
 *	  Aho-Corasick automaton over Unicode code points.
 *
 * States live in one array; the goto function is an open-addressing hash
 * table keyed by (state, code point), so memory grows with the keywords, not
 * with the alphabet.  Bytes of invalid UTF-8 are symbols of their own
 * (0x110000 + byte), so a match always starts and ends on a character
 * boundary.
 */
#include "ot_ac.h"
#include "ot_text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ROOT 0
#define NONE (-1)

typedef struct ac_state
{
	int			fail;			/* longest proper suffix that is a state */
	int			dict;			/* nearest state on the fail chain with a keyword, or NONE */
	int			kw;				/* first keyword ending here, or NONE */
	int			depth;			/* in code points */
} ac_state;

typedef struct ac_keyword
{
	int			id;
	int			next;			/* next keyword ending in the same state */
	size_t		len;			/* in bytes */
	bool		left;			/* begins with an ASCII letter */
	bool		right;			/* ends with an ASCII letter */
} ac_keyword;

typedef struct ac_edge
{
	uint64_t	key;			/* state << 32 | symbol; 0 = empty slot */
	int			to;
} ac_edge;

struct ot_ac
{
	ac_state   *states;
	int			nstates,
				cstates;
	ac_keyword *kws;
	int			nkws,
				ckws;
	ac_edge    *edges;			/* hash table */
	size_t		nedges,
				cedges;			/* cedges is a power of two */
	bool		built;
};

static uint64_t
edge_key(int state, unsigned sym)
{
	/* +1 so that no real key is 0 */
	return ((uint64_t) (unsigned) state << 32 | sym) + 1;
}

static size_t
edge_slot(const ot_ac *ac, uint64_t key)
{
	uint64_t	h = key * UINT64_C(0x9E3779B97F4A7C15);

	return (size_t) (h >> 20) & (ac->cedges - 1);
}

/* The state reached from state by sym, or NONE. */
static int
go(const ot_ac *ac, int state, unsigned sym)
{
	uint64_t	key = edge_key(state, sym);

	for (size_t i = edge_slot(ac, key);; i = (i + 1) & (ac->cedges - 1))
	{
		if (ac->edges[i].key == key)
			return ac->edges[i].to;
		if (ac->edges[i].key == 0)
			return NONE;
	}
}

static void
put_edge(ac_edge *table, uint64_t key, int to, const ot_ac *ac)
{
	size_t		i;

	for (i = edge_slot(ac, key); table[i].key != 0; i = (i + 1) & (ac->cedges - 1))
		;
	table[i].key = key;
	table[i].to = to;
}

/* Keeps the table at most half full. */
static bool
grow_edges(ot_ac *ac)
{
	ac_edge    *old = ac->edges;
	size_t		oldcap = ac->cedges;
	ac_edge    *table;

	if (ac->nedges * 2 < ac->cedges)
		return true;
	table = calloc(oldcap * 2, sizeof(ac_edge));
	if (table == NULL)
		return false;
	ac->edges = table;
	ac->cedges = oldcap * 2;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key != 0)
			put_edge(table, old[i].key, old[i].to, ac);
	free(old);
	return true;
}

static int
new_state(ot_ac *ac, int depth)
{
	if (ac->nstates == ac->cstates)
	{
		int			c = ac->cstates * 2;
		ac_state   *s = realloc(ac->states, sizeof(ac_state) * c);

		if (s == NULL)
			return NONE;
		ac->states = s;
		ac->cstates = c;
	}
	ac->states[ac->nstates] = (ac_state) {ROOT, NONE, NONE, depth};
	return ac->nstates++;
}

ot_ac *
ot_ac_new(void)
{
	ot_ac	   *ac = calloc(1, sizeof(ot_ac));

	if (ac == NULL)
		return NULL;
	ac->cstates = 64;
	ac->ckws = 16;
	ac->cedges = 128;
	ac->states = malloc(sizeof(ac_state) * ac->cstates);
	ac->kws = malloc(sizeof(ac_keyword) * ac->ckws);
	ac->edges = calloc(ac->cedges, sizeof(ac_edge));
	if (ac->states == NULL || ac->kws == NULL || ac->edges == NULL)
	{
		ot_ac_free(ac);
		return NULL;
	}
	new_state(ac, 0);
	return ac;
}

/* The symbol of the character at s[0..len): its code point, or the byte. */
static size_t
symbol(const unsigned char *s, size_t len, unsigned *sym)
{
	size_t		n = ot_text_decode(s, len, sym);

	if (n == 1 && *sym >= 0x80)
		*sym = 0x110000 + *sym;
	return n;
}

static bool
ascii_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool
ot_ac_add(ot_ac *ac, const char *kw, size_t len, int id)
{
	const unsigned char *p = (const unsigned char *) kw;
	int			state = ROOT;
	size_t		i = 0;

	if (ac->built)
		return false;
	if (len == 0)
		return true;			/* the empty keyword matches nothing */
	while (i < len)
	{
		unsigned	sym;
		size_t		n = symbol(p + i, len - i, &sym);
		int			next = go(ac, state, sym);

		if (next == NONE)
		{
			next = new_state(ac, ac->states[state].depth + 1);
			if (next == NONE || !grow_edges(ac))
				return false;
			put_edge(ac->edges, edge_key(state, sym), next, ac);
			ac->nedges++;
		}
		state = next;
		i += n;
	}
	if (ac->nkws == ac->ckws)
	{
		int			c = ac->ckws * 2;
		ac_keyword *k = realloc(ac->kws, sizeof(ac_keyword) * c);

		if (k == NULL)
			return false;
		ac->kws = k;
		ac->ckws = c;
	}
	ac->kws[ac->nkws] = (ac_keyword) {id, ac->states[state].kw, len,
		ascii_letter(p[0]), ascii_letter(p[len - 1])};
	ac->states[state].kw = ac->nkws++;
	return true;
}

/* Failure and dictionary links, breadth first (states sorted by depth). */
bool
ot_ac_build(ot_ac *ac)
{
	int			maxdepth = 0;
	int		   *count;
	ac_edge    *order;

	for (int s = 0; s < ac->nstates; s++)
		if (ac->states[s].depth > maxdepth)
			maxdepth = ac->states[s].depth;
	count = calloc((size_t) maxdepth + 2, sizeof(int));
	order = malloc(sizeof(ac_edge) * (ac->nedges + 1));
	if (count == NULL || order == NULL)
	{
		free(count);
		free(order);
		return false;
	}
	/* counting sort of the edges by the depth of their target */
	for (size_t i = 0; i < ac->cedges; i++)
		if (ac->edges[i].key != 0)
			count[ac->states[ac->edges[i].to].depth + 1]++;
	for (int d = 1; d <= maxdepth + 1; d++)
		count[d] += count[d - 1];
	for (size_t i = 0; i < ac->cedges; i++)
		if (ac->edges[i].key != 0)
			order[count[ac->states[ac->edges[i].to].depth]++] = ac->edges[i];

	for (size_t e = 0; e < ac->nedges; e++)
	{
		uint64_t	key = order[e].key - 1;
		int			from = (int) (key >> 32);
		unsigned	sym = (unsigned) (key & 0xFFFFFFFF);
		int			to = order[e].to;
		int			f;

		if (from == ROOT)
			ac->states[to].fail = ROOT;
		else
		{
			int			g = NONE;

			for (f = ac->states[from].fail;; f = ac->states[f].fail)
			{
				g = go(ac, f, sym);
				if (g != NONE || f == ROOT)
					break;
			}
			ac->states[to].fail = (g != NONE && g != to) ? g : ROOT;
		}
		f = ac->states[to].fail;
		ac->states[to].dict = ac->states[f].kw != NONE ? f : ac->states[f].dict;
	}
	free(count);
	free(order);
	ac->built = true;
	return true;
}

/* Reports the keywords ending in state at byte offset end; false to stop. */
static bool
report(const ot_ac *ac, int state, const unsigned char *text, size_t len,
	   size_t end, ot_ac_hit_fn fn, void *arg)
{
	for (int k = ac->states[state].kw; k != NONE; k = ac->kws[k].next)
	{
		const ac_keyword *kw = &ac->kws[k];
		size_t		start = end - kw->len;

		if (kw->left && start > 0 && ascii_letter(text[start - 1]))
			continue;
		if (kw->right && end < len && ascii_letter(text[end]))
			continue;
		if (!fn(kw->id, start, end, arg))
			return false;
	}
	return true;
}

void
ot_ac_scan(const ot_ac *ac, const char *text, size_t len, ot_ac_hit_fn fn, void *arg)
{
	const unsigned char *p = (const unsigned char *) text;
	int			state = ROOT;
	size_t		i = 0;

	if (!ac->built)
		return;
	while (i < len)
	{
		unsigned	sym;
		size_t		n = symbol(p + i, len - i, &sym);
		int			next;

		while ((next = go(ac, state, sym)) == NONE && state != ROOT)
			state = ac->states[state].fail;
		state = next == NONE ? ROOT : next;
		i += n;
		for (int s = state; s != NONE; s = ac->states[s].dict)
		{
			if (ac->states[s].kw != NONE && !report(ac, s, p, len, i, fn, arg))
				return;
		}
	}
}

size_t
ot_ac_memory(const ot_ac *ac)
{
	return sizeof(ot_ac) + sizeof(ac_state) * (size_t) ac->cstates +
		sizeof(ac_keyword) * (size_t) ac->ckws + sizeof(ac_edge) * ac->cedges;
}

void
ot_ac_free(ot_ac *ac)
{
	if (ac == NULL)
		return;
	free(ac->states);
	free(ac->kws);
	free(ac->edges);
	free(ac);
}
