/*
 * fuzz_phone.c
 *	  libFuzzer target for the phone parser (ot_phone_parse).
 *
 * Beyond memory safety: the normal form always fits and is NUL-terminated,
 * is empty exactly when the number is not valid, and parses back to itself
 * with the same kind.
 */
#include "ot_phone.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char		out[OT_PHONE_NORMALISED_MAX];
	char		again[OT_PHONE_NORMALISED_MAX];
	ot_phone_kind k = ot_phone_parse((const char *) data, size, out);
	size_t		n = strnlen(out, OT_PHONE_NORMALISED_MAX);
	bool		valid = k == OT_PHONE_CN_MOBILE || k == OT_PHONE_CN_LANDLINE ||
		k == OT_PHONE_INTERNATIONAL;

	if (n >= OT_PHONE_NORMALISED_MAX || valid != (n > 0))
		abort();
	if (valid && (ot_phone_parse(out, n, again) != k || strcmp(out, again) != 0))
		abort();
	return 0;
}
