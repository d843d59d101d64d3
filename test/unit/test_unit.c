/*
 * test_unit.c
 *	  Plain C unit tests (TAP output) for ot_unit.c with the shipped words of
 *	  data/unit_keywords.tsv (run from the repository root): every rule with
 *	  addresses it names a unit in and addresses it must not.
 */
#include "ot_text.h"
#include "ot_unit.h"
#include "tap.h"
#include "load_units.h"

#include <stdio.h>
#include <string.h>

static const ot_units *units;

static void
expect(const char *address, bool named)
{
	char		folded[1024];
	size_t		n = ot_text_fold(address, strlen(address), folded);
	char		name[600];

	snprintf(name, sizeof name, "%s %s", address, named ? "names a unit" : "names no unit");
	ok(ot_units_named(units, folded, n) == named, name);
}

int
main(void)
{
	ot_units   *u = ot_units_new();
	int			rows = load_units(u, "data/unit_keywords.tsv");

	ok(rows > 40, "data/unit_keywords.tsv loads");
	units = u;

	/* after_number */
	expect("北京市朝阳区建国路88号3栋2单元501室", true);
	expect("浙江省杭州市西湖区文三路90号东部软件园3号楼", true);
	expect("江苏南京鼓楼区中山路1号B座1203", true);
	expect("广东深圳南山区科技园15楼", true);
	expect("上海浦东新区世纪大道100号33F", true);
	expect("香港中西区德辅道中100号5/F", true);
	expect("湖北武汉洪山区珞喻路1037号华中科技大学东区3舍205", true);
	expect("北京海淀区颐和园路5号北京大学6斋208", true);
	expect("广州白云区三元里大道1号白马服装市场B18档", true);
	expect("四川成都双流区石桥村五组", true);
	expect("重庆巴南区某镇东泉村4社", true);
	expect("河南周口某县张村3组15号", true);
	expect("山东青岛市南区香港中路10号十二栋", true);
	expect("辽宁朝阳北票市王家村第七村民小组", true);
	/* not_unit: a unit word inside it does not count */
	expect("广东深圳龙岗区万科城三期C组团", false);
	expect("广东深圳龙岗区万科城三期C组团5栋", true);
	expect("上海浦东新区第三社区", false);
	/* traditional characters read as simplified */
	expect("香港九龍旺角彌敦道580號12樓", true);
	/* between_numbers */
	expect("辽宁沈阳和平区南京北街5号楼1门302", true);
	expect("河南三门峡湖滨区黄河路12号", false);
	/* near_number: a number after the word, or just before it */
	expect("湖南长沙岳麓区麓山南路2号宿舍C305", true);
	expect("广东佛山顺德区碧桂园别墅区A12", true);
	expect("义乌国际商贸城商位12088", true);
	expect("Room 1203, 18 Harbour Road, Wan Chai", true);
	expect("Flat 12A, Block B, Taikoo Shing", true);
	expect("香港九龙旺角弥敦道580号 Unit 5", true);
	expect("台北市大安区复兴南路一段 Apt 3", true);
	expect("88 Main St #5", true);
	expect("江苏苏州工业园区星湖街3#楼502", true);
	expect("山东东营河口区紫薇花园50号别墅", true);
	expect("河南洛阳偃师区金色批发市场287号摊位", true);
	expect("山东东营河口区紫薇花园别墅", false);
	/* room_after */
	expect("浙江杭州滨江区创新大厦1505", true);
	expect("北京朝阳区国贸中心A1203", true);
	/* house_after */
	expect("安徽阜阳颍州区李家村128号", true);
	expect("北京海淀区中关村大街27号", false);
	/* separator */
	expect("天津南开区卫津路94号12-3-501", true);
	expect("吉林长春朝阳区5-2-1101", true);
	expect("陕西西安雁塔区小寨3-501", true);
	expect("湖北武汉江汉区12－3－501", true);
	expect("浙江杭州拱墅区建设路88-1号", false);
	/* a door number on a street, or an estate after it: no unit */
	expect("浙江杭州拱墅区建设路88号", false);
	expect("浙江省杭州市西湖区文三路90号东部软件园", false);
	expect("北京朝阳区建国路88号阳光小区", false);
	expect("某某小区", false);
	/* unit words inside place and street names */
	expect("江苏南京鼓楼区中山北路100号", false);
	expect("陕西西安钟楼区西大街1号", false);
	expect("湖南岳阳岳阳楼区洞庭南路12号", false);
	expect("湖北武汉武昌区户部巷12号", false);
	expect("四川成都锦江区望江楼小区", false);
	expect("上海徐汇区地铁2号线徐家汇站", false);
	expect("广东广州越秀区中心路15号", false);
	expect("湖北武汉武昌区黄鹤楼公园", false);
	expect("community centre, 18 Harbour Road", false);
	expect("The Unit of Works, Harbour Road", false);
	expect("", false);

	/* the rule names round-trip */
	{
		bool		all = true;

		for (int r = 0; r < OT_UNIT_NRULES; r++)
			all = all && ot_unit_rule_parse(ot_unit_rule_name((ot_unit_rule) r)) == r;
		ok(all && ot_unit_rule_parse("nonsense") == -1 && ot_unit_rule_name(OT_UNIT_NRULES) == NULL,
		   "rule names parse back to their rules");
	}
	{
		ot_units   *any = ot_units_new();
		char		folded[64];
		size_t		n = ot_text_fold("门牌", strlen("门牌"), folded);

		ok(!ot_units_add(any, folded, 0, OT_UNIT_ANYWHERE), "an empty word is refused");
		ok(ot_units_add(any, folded, n, OT_UNIT_ANYWHERE) && ot_units_build(any), "a word that counts anywhere");
		n = ot_text_fold("有门牌", strlen("有门牌"), folded);
		ok(ot_units_named(any, folded, n), "is found anywhere");
		printf("# %zu bytes for the shipped words\n", ot_units_memory(u));
		ot_units_free(any);
	}
	ot_units_free(u);
	printf("1..%d\n", test_no);
	return failures == 0 ? 0 : 1;
}
