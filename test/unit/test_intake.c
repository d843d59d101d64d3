/*
 * test_intake.c
 *	  Plain C unit tests (TAP output) for ot_phone.c and ot_text.c.
 */
#include "ot_ac.h"
#include "ot_phone.h"
#include "ot_text.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* Checks one phone text against its expected kind and normal form. */
static void
phone(const char *in, ot_phone_kind want, const char *norm)
{
	char		out[OT_PHONE_NORMALISED_MAX];
	char		name[256];
	ot_phone_kind got = ot_phone_parse(in, strlen(in), out);

	snprintf(name, sizeof name, "phone \"%s\" -> %d \"%s\"", in, (int) want, norm);
	ok(got == want && strcmp(out, norm) == 0, name);
	if (got != want || strcmp(out, norm) != 0)
		printf("#   got %d \"%s\"\n", (int) got, out);
}

static void
test_phone(void)
{
	/* mobiles, every way they are written */
	phone("13812345678", OT_PHONE_CN_MOBILE, "+8613812345678");
	phone("138 1234 5678", OT_PHONE_CN_MOBILE, "+8613812345678");
	phone("138-1234-5678", OT_PHONE_CN_MOBILE, "+8613812345678");
	phone("+86 138 1234 5678", OT_PHONE_CN_MOBILE, "+8613812345678");
	phone("+86-13812345678", OT_PHONE_CN_MOBILE, "+8613812345678");
	phone("0086 13812345678", OT_PHONE_CN_MOBILE, "+8613812345678");
	phone("8613812345678", OT_PHONE_CN_MOBILE, "+8613812345678");
	phone("(+86)13812345678", OT_PHONE_CN_MOBILE, "+8613812345678");
	phone("\xef\xbc\x91\xef\xbc\x93\xef\xbc\x98\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95\xef\xbc\x96\xef\xbc\x97\xef\xbc\x98",
		  OT_PHONE_CN_MOBILE, "+8613812345678");	/* full-width digits */
	phone("\xef\xbc\x8b" "86\xe3\x80\x80" "199 0000 1111", OT_PHONE_CN_MOBILE, "+8619900001111");
	phone(" 15900001111 ", OT_PHONE_CN_MOBILE, "+8615900001111");
	/* landlines */
	phone("010-62345678", OT_PHONE_CN_LANDLINE, "+861062345678");
	phone("(010) 6234 5678", OT_PHONE_CN_LANDLINE, "+861062345678");
	phone("021-6123-4567", OT_PHONE_CN_LANDLINE, "+862161234567");
	phone("0755-87654321", OT_PHONE_CN_LANDLINE, "+8675587654321");	/* Shenzhen: 8 digits */
	phone("0991-6123456", OT_PHONE_CN_LANDLINE, "+869916123456");	/* Urumqi: 7 digits */
	phone("0851-8123456", OT_PHONE_CN_LANDLINE, "+868518123456");	/* Guiyang: 7 or 8 */
	phone("0851-81234567", OT_PHONE_CN_LANDLINE, "+8685181234567");
	/* marketplace privacy numbers and extensions after a hyphen */
	phone("13812345678-1234", OT_PHONE_CN_MOBILE, "+8613812345678;ext=1234");
	phone("17012345678转5678", OT_PHONE_CN_MOBILE, "+8617012345678;ext=5678");
	phone("18412345678#1234", OT_PHONE_CN_MOBILE, "+8618412345678;ext=1234");
	phone("13812345678 ext 1", OT_PHONE_CN_MOBILE, "+8613812345678;ext=1");
	phone("138-1234-5678-1234", OT_PHONE_CN_MOBILE, "+8613812345678;ext=1234");
	phone("010-62345678-8001", OT_PHONE_CN_LANDLINE, "+861062345678;ext=8001");
	phone("+86 10 6234 5678-8001", OT_PHONE_CN_LANDLINE, "+861062345678;ext=8001");
	phone("+86 10 62345678", OT_PHONE_CN_LANDLINE, "+861062345678");
	phone("+86 (0)571 8888 6666", OT_PHONE_CN_LANDLINE, "+8657188886666");
	phone("010-62345678 ext 123", OT_PHONE_CN_LANDLINE, "+861062345678;ext=123");
	phone("010-62345678-转8001", OT_PHONE_CN_LANDLINE, "+861062345678;ext=8001");
	phone("010 62345678 分机 66", OT_PHONE_CN_LANDLINE, "+861062345678;ext=66");
	phone("010-62345678#9", OT_PHONE_CN_LANDLINE, "+861062345678;ext=9");
	phone("010-62345678 x12", OT_PHONE_CN_LANDLINE, "+861062345678;ext=12");
	phone("+861062345678;ext=12", OT_PHONE_CN_LANDLINE, "+861062345678;ext=12");
	/* other countries */
	phone("+1 (415) 555-2671", OT_PHONE_INTERNATIONAL, "+14155552671");
	phone("+44 20 7946 0958", OT_PHONE_INTERNATIONAL, "+442079460958");
	phone("00852 9123 4567", OT_PHONE_INTERNATIONAL, "+85291234567");
	/* empty */
	phone("", OT_PHONE_EMPTY, "");
	phone("  - ( ) ", OT_PHONE_EMPTY, "");
	/* invalid */
	phone("12345", OT_PHONE_INVALID, "");
	phone("12812345678", OT_PHONE_INVALID, "");		/* 12x is no mobile prefix */
	phone("1381234567", OT_PHONE_INVALID, "");		/* 10 digits */
	phone("138123456789", OT_PHONE_INVALID, "");	/* 12 digits */
	phone("12345678", OT_PHONE_INVALID, "");		/* landline without area code */
	phone("010-6234567890", OT_PHONE_INVALID, "");
	phone("010-02345678", OT_PHONE_INVALID, "");	/* local number starting 0 */
	phone("010-12345678", OT_PHONE_INVALID, "");	/* or 1 */
	phone("138abc45678", OT_PHONE_INVALID, "");
	/* numbers that cannot exist */
	phone("0755-8765432", OT_PHONE_INVALID, "");	/* 7 digits in an 8-digit city */
	phone("026-12345678", OT_PHONE_INVALID, "");	/* 026 is not assigned */
	phone("0300-1234567", OT_PHONE_INVALID, "");	/* nor is 0300 */
	phone("0010 62345678", OT_PHONE_INVALID, "");	/* +1 0...: no North American area code */
	phone("+1 415 555 267", OT_PHONE_INVALID, "");	/* +1 with 9 digits */
	phone("13812345678-1234567", OT_PHONE_INVALID, "");	/* an extension of 7 digits */
	phone("1381234-5678", OT_PHONE_CN_MOBILE, "+8613812345678");	/* a hyphen that only groups digits */
	phone("138123-45678901", OT_PHONE_INVALID, "");	/* no number before the hyphen */
	phone("+0 123456789", OT_PHONE_INVALID, "");
	phone("+1 555", OT_PHONE_INVALID, "");
	phone("+1234567890123456", OT_PHONE_INVALID, "");	/* 16 digits */
	phone("138+12345678", OT_PHONE_INVALID, "");
	phone("010-62345678 ext 1234567", OT_PHONE_INVALID, "");
	phone("\xf0\x9f\x99\x82", OT_PHONE_INVALID, "");	/* emoji */
	phone("'; DROP TABLE orders; --", OT_PHONE_INVALID, "");
	{
		char	   *big = malloc(10001);

		memset(big, '1', 10000);
		big[10000] = '\0';
		phone(big, OT_PHONE_INVALID, "");
		free(big);
	}
}

static size_t
fold_str(const char *s, char *out)
{
	size_t		n = ot_text_fold(s, strlen(s), out);

	out[n] = '\0';
	return n;
}

/* True if the first occurrence of kw in text is negated (both folded). */
static int
negated(const char *text, const char *kw)
{
	char		ft[1024],
				fk[256];
	size_t		nt = fold_str(text, ft);
	char	   *at;

	(void) nt;
	fold_str(kw, fk);
	at = strstr(ft, fk);
	if (at == NULL)
		return -1;
	return ot_text_negated(ft, (size_t) (at - ft));
}

/* True if keyword kw is found in text, both folded. */
static int
has(const char *text, const char *kw)
{
	char		ft[1024],
				fk[256];
	size_t		nt = fold_str(text, ft),
				nk = fold_str(kw, fk);

	return ot_text_contains(ft, nt, fk, nk);
}

static void
test_text(void)
{
	char		out[256];

	fold_str("Room 5", out);
	ok(strcmp(out, "room 5") == 0, "folding lowers ASCII letters");
	fold_str("\xef\xbc\xb2\xef\xbd\x8f\xef\xbd\x8f\xef\xbd\x8d\xe3\x80\x80\xef\xbc\x95", out);	/* Ｒｏｏｍ　５ */
	ok(strcmp(out, "room 5") == 0, "folding maps full-width letters, digits and space to ASCII");
	fold_str("朝阳区 3号楼", out);
	ok(strcmp(out, "朝阳区 3号楼") == 0, "folding leaves simplified ideographs alone");
	fold_str("香港九龍觀塘區12號樓 週末", out);
	ok(strcmp(out, "香港九龙观塘区12号楼 周末") == 0, "folding maps traditional characters to simplified ones");
	{
		char		again[256];

		fold_str(out, again);
		ok(strcmp(out, again) == 0 && strlen(out) == strlen("香港九龍觀塘區12號樓 週末"),
		   "and folding again changes nothing, nor the length");
	}
	fold_str("\xff\xfe" "AB\xe4\xb8", out);
	ok(strcmp(out, "\xff\xfe" "ab\xe4\xb8") == 0, "folding copies invalid UTF-8 byte for byte");

	ok(ot_text_significant("张三", 6) == 2, "two ideographs are two significant characters");
	ok(ot_text_significant("  ...,，。！？—— ", strlen("  ...,，。！？—— ")) == 0, "punctuation only counts nothing");
	ok(ot_text_significant("\xf0\x9f\x99\x82\xf0\x9f\x99\x82", 8) == 0, "emoji count nothing");
	ok(ot_text_significant("Li Lei", 6) == 5, "letters count, spaces do not");
	ok(ot_text_significant("\xff\x80", 2) == 0, "invalid bytes count nothing");
	ok(ot_text_significant("Zoë", 4) == 3, "accented letters count");

	ok(has("北京市朝阳区建国路88号3号楼2单元501室", "单元"), "单元 is found");
	ok(has("Flat 5, 10 Downing Street", "flat"), "Flat is found whatever its case");
	ok(has("Unit5 Harbour Rd", "unit"), "Unit is found before a digit");
	ok(!has("Sunny Community, Harbour Rd", "unit"), "unit is not found inside community");
	ok(!has("Flatbush Avenue", "flat"), "flat is not found at the start of Flatbush");
	ok(has("Ｒｏｏｍ　５", "room"), "full-width Room is found");
	ok(has("88 Main St #5", "#"), "# is found");
	ok(has("No. 3 Xinhua Rd", "no."), "No. is found");
	ok(!has("Casino. Main St", "no."), "no. is not found at the end of Casino.");

	ok(negated("不要礼品包装", "礼品包装") == 1, "不要礼品包装 negates gift wrap");
	ok(negated("周末配送，不要加冰袋", "冰袋") == 1, "不要加冰袋 negates ice packs a few characters on");
	ok(negated("周末配送，不要加冰袋", "周末配送") == 0, "the clause before a negation is not negated");
	ok(negated("不要打电话，短信通知", "短信通知") == 0, "a negation ends at the comma (full width)");
	ok(negated("不要打电话。短信通知", "短信通知") == 0, "and at 。");
	ok(negated("无需开箱验货", "开箱验货") == 1, "无需 negates");
	ok(negated("请勿放快递柜", "快递柜") == 1, "请勿 negates");
	ok(negated("No gift wrap please", "gift wrap") == 1, "No negates gift wrap");
	ok(negated("Please don't leave in parcel locker", "parcel locker") == 1, "don't negates two words on");
	ok(negated("Casino gift wrap", "gift wrap") == 0, "no inside Casino is not a negation");
	ok(negated("Weekend delivery, no calls", "weekend delivery") == 0, "a negation after the keyword does not count");
	ok(negated("特别易碎", "易碎") == 0, "特别 is not a negation");
	ok(negated("免费礼品包装", "礼品包装") == 0, "免费 is not a negation");
	ok(negated("不要不要不要不要不要 这里写了很多很多很多字 礼品包装", "礼品包装") == 0,
	   "a negation further back than the window does not count");
	ok(negated("\x80\x80不要礼品包装", "礼品包装") == 1, "stray continuation bytes before are skipped");
	ok(!has("some residential compound", "室"), "an address with no unit word has none");
	ok(!has("abc", ""), "the empty keyword matches nothing");
	ok(!has("ab", "abc"), "a keyword longer than the text matches nothing");
	ok(has("请周末配送，谢谢", "周末配送"), "a remark keyword is found in a sentence");
	ok(has("Don't call, TEXT ME please", "text me"), "an English remark keyword is found");
}

typedef struct found
{
	char		log[512];
	int			count;
} found;

/* Appends "id@start-end " for each hit. */
static bool
log_hit(int id, size_t start, size_t end, void *arg)
{
	found	   *f = arg;
	size_t		n = strlen(f->log);

	snprintf(f->log + n, sizeof f->log - n, "%d@%zu-%zu ", id, start, end);
	f->count++;
	return true;
}

static bool
stop_at_first(int id, size_t start, size_t end, void *arg)
{
	(void) id;
	(void) start;
	(void) end;
	((found *) arg)->count++;
	return false;
}

/* Marks the keyword ids found. */
static bool
mark_seen(int id, size_t start, size_t end, void *arg)
{
	(void) start;
	(void) end;
	((bool *) arg)[id] = true;
	return true;
}

static ot_ac *
build(const char **kws, int n)
{
	ot_ac	   *ac = ot_ac_new();

	for (int i = 0; i < n; i++)
		ot_ac_add(ac, kws[i], strlen(kws[i]), i);
	ot_ac_build(ac);
	return ac;
}

static void
test_ac(void)
{
	const char *classic[] = {"12", "312", "153", "1243"};	/* he she his hers */
	const char *cjk[] = {"单元", "号楼", "号", "室", "unit", "#"};
	const char *dup[] = {"冰袋", "冰袋", ""};
	found		f = {"", 0};
	ot_ac	   *ac = build(classic, 4);

	ot_ac_scan(ac, "u31243", 6, log_hit, &f);
	ok(strcmp(f.log, "1@1-4 0@2-4 3@2-6 ") == 0, "overlapping keywords are all found, by end");
	if (strcmp(f.log, "1@1-4 0@2-4 3@2-6 ") != 0)
		printf("#   got %s\n", f.log);
	f.count = 0;
	ot_ac_scan(ac, "u31243", 6, stop_at_first, &f);
	ok(f.count == 1, "the scan stops when told to");
	ot_ac_free(ac);

	ac = build(cjk, 6);
	memset(&f, 0, sizeof f);
	{
		const char *addr = "建国路88号3号楼2单元501室, Community unit5 #3";

		ot_ac_scan(ac, addr, strlen(addr), log_hit, &f);
	}
	ok(strcmp(f.log, "2@11-14 2@15-18 1@15-21 0@22-28 3@31-34 4@46-50 5@52-53 ") == 0,
	   "address words are found where they are, not inside community");
	if (strcmp(f.log, "2@11-14 2@15-18 1@15-21 0@22-28 3@31-34 4@46-50 5@52-53 ") != 0)
		printf("#   got %s\n", f.log);
	ot_ac_free(ac);

	ac = build(dup, 3);
	memset(&f, 0, sizeof f);
	ot_ac_scan(ac, "加冰袋", 9, log_hit, &f);
	ok(f.count == 2, "a keyword listed twice is reported under both ids; the empty one never");
	ot_ac_free(ac);

	/* random texts over a small alphabet against the one-keyword search */
	{
		const char *alpha[] = {"a", "b", "A", " ", "单", "元", "号", "1", "-"};
		const char *kws[40];
		char		kwbuf[40][16];
		int			agree = 1;
		unsigned	seed = 12345;

		for (int k = 0; k < 40; k++)
		{
			kwbuf[k][0] = '\0';
			for (int j = 0; j < 1 + k % 3; j++)
			{
				seed = seed * 1103515245u + 12345u;
				strcat(kwbuf[k], alpha[(seed >> 16) % 9]);
			}
			kws[k] = kwbuf[k];
		}
		ac = build(kws, 40);
		for (int round = 0; round < 2000; round++)
		{
			char		text[256] = "";
			bool		seen[40] = {false};

			for (int j = 0; j < 20; j++)
			{
				seed = seed * 1103515245u + 12345u;
				strcat(text, alpha[(seed >> 16) % 9]);
			}
			ot_ac_scan(ac, text, strlen(text), mark_seen, seen);
			for (int k = 0; k < 40; k++)
				if (seen[k] != ot_text_contains(text, strlen(text), kws[k], strlen(kws[k])))
					agree = 0;
		}
		ok(agree, "2000 random texts: the automaton finds what the one-keyword search finds");
		printf("# automaton for 40 keywords: %zu bytes\n", ot_ac_memory(ac));
		ot_ac_free(ac);
	}
}

int
main(void)
{
	test_phone();
	test_text();
	test_ac();
	printf("1..%d\n", test_no);
	return failures == 0 ? 0 : 1;
}
