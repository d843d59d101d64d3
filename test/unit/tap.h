/*
 * tap.h
 *	  The few lines of TAP output the plain C unit tests share.
 */
#ifndef OT_TAP_H
#define OT_TAP_H

#include <stdio.h>

static int	test_no = 0;
static int	failures = 0;

/* One test line: "ok N - name" or "not ok N - name". */
static void
ok(int cond, const char *name)
{
	test_no++;
	if (!cond)
		failures++;
	printf("%sok %d - %s\n", cond ? "" : "not ", test_no, name);
}

#endif							/* OT_TAP_H */
