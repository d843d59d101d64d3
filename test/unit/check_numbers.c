/*
 * check_numbers.c
 *	  Reads tracking numbers, one per line, and checks them independently of
 *	  the extension's code: 16 digits, first not 0, Damm-valid, not passing
 *	  Luhn, all distinct.  Prints TAP.
 *
 *	  psql -Atc "SELECT ordertrack.issue_tracking_no() FROM ..." | check_numbers
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int damm[10][10] = {
	{0, 3, 1, 7, 5, 9, 8, 6, 4, 2}, {7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
	{4, 2, 0, 6, 8, 7, 1, 3, 5, 9}, {1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
	{6, 1, 2, 3, 0, 4, 5, 9, 7, 8}, {3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
	{5, 8, 6, 9, 7, 2, 0, 1, 3, 4}, {8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
	{9, 4, 3, 8, 6, 1, 7, 2, 0, 5}, {2, 5, 8, 1, 4, 3, 6, 7, 9, 0}
};

static int
cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *) a,
				y = *(const uint64_t *) b;

	return (x > y) - (x < y);
}

int
main(void)
{
	char		line[256];
	size_t		n = 0,
				cap = 1 << 20;
	uint64_t   *v = malloc(cap * sizeof(uint64_t));
	long		bad_form = 0,
				bad_check = 0,
				luhn = 0,
				dups = 0;

	while (fgets(line, sizeof line, stdin))
	{
		size_t		len = strcspn(line, "\r\n");
		int			interim = 0,
					sum = 0;
		uint64_t	x = 0;

		line[len] = '\0';
		if (len != 16 || strspn(line, "0123456789") != 16 || line[0] == '0')
		{
			bad_form++;
			continue;
		}
		for (int i = 0; i < 16; i++)
		{
			int			d = line[i] - '0';

			interim = damm[interim][d];
			/* Luhn: from the right, every second digit doubled */
			if ((15 - i) % 2 == 1)
				d = d * 2 > 9 ? d * 2 - 9 : d * 2;
			sum += d;
			x = x * 10 + (uint64_t) (line[i] - '0');
		}
		if (interim != 0)
			bad_check++;
		if (sum % 10 == 0)
			luhn++;
		if (n == cap)
			v = realloc(v, (cap *= 2) * sizeof(uint64_t));
		v[n++] = x;
	}
	qsort(v, n, sizeof(uint64_t), cmp);
	for (size_t i = 1; i < n; i++)
		if (v[i] == v[i - 1])
			dups++;
	printf("# %zu numbers read\n", n);
	printf("%sok 1 - all are 16 digits not starting with 0 (%ld not)\n", bad_form ? "not " : "", bad_form);
	printf("%sok 2 - all have a valid check digit (%ld not)\n", bad_check ? "not " : "", bad_check);
	printf("%sok 3 - none passes Luhn (%ld do)\n", luhn ? "not " : "", luhn);
	printf("%sok 4 - all are distinct (%ld repeats)\n", dups ? "not " : "", dups);
	free(v);
	return (bad_form || bad_check || luhn || dups) ? 1 : 0;
}
