/*
 * test_region.c
 *	  Plain C unit tests (TAP output) for ot_region.c against the shipped
 *	  divisions in data/regions.tsv (run from the repository root).
 */
#include "ot_region.h"
#include "ot_text.h"
#include "tap.h"
#include "load_regions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


static void
expect(const ot_regions *rs, const char *address, int province, int city, int district)
{
	char		folded[1024];
	size_t		n = ot_text_fold(address, strlen(address), folded);
	ot_region_match m = ot_regions_match(rs, folded, n);
	char		name[512];

	snprintf(name, sizeof name, "%s -> %d/%d/%d", address, province, city, district);
	ok(m.province == province && m.city == city && m.district == district, name);
	if (m.province != province || m.city != city || m.district != district)
		printf("#   got %d/%d/%d\n", m.province, m.city, m.district);
}

int
main(void)
{
	ot_regions *rs = ot_regions_new();
	int			rows = load_regions(rs, "data/regions.tsv");

	ok(rows > 3000, "data/regions.tsv loads (more than 3000 divisions)");
	ok(ot_regions_build(rs), "the region automaton builds");
	printf("# %d regions, %zu bytes\n", rows, ot_regions_memory(rs));

	/* official names */
	expect(rs, "北京市朝阳区建国路88号SOHO现代城3号楼2单元501室", 110000, 110100, 110105);
	expect(rs, "上海市浦东新区世纪大道100号", 310000, 310100, 310115);
	expect(rs, "广东省深圳市南山区科技园南区1栋", 440000, 440300, 440305);
	expect(rs, "浙江省杭州市西湖区文三路90号", 330000, 330100, 330106);
	expect(rs, "重庆市渝中区解放碑步行街8号", 500000, 500100, 500103);
	/* short forms */
	expect(rs, "北京朝阳区建国路88号", 110000, 110100, 110105);
	expect(rs, "浙江杭州西湖区文三路90号", 330000, 330100, 330106);
	expect(rs, "内蒙古呼和浩特新城区某街1号", 150000, 150100, 150102);
	expect(rs, "内蒙古自治区呼和浩特市新城区", 150000, 150100, 150102);
	expect(rs, "广西南宁青秀区民族大道1号", 450000, 450100, 450103);
	expect(rs, "新疆乌鲁木齐天山区解放北路5号", 650000, 650100, 650102);
	expect(rs, "西藏拉萨城关区北京中路1号", 540000, 540100, 540102);
	expect(rs, "宁夏银川兴庆区解放东街2号", 640000, 640100, 640104);
	/* districts and cities named without what is above them */
	expect(rs, "杭州市西湖区文三路90号", 330000, 330100, 330106);
	expect(rs, "深圳南山区科技园", 440000, 440300, 440305);
	expect(rs, "延边州延吉市河南街1号", 220000, 222400, 222401);
	/* street names that are also place names do not mislead */
	expect(rs, "上海市黄浦区南京东路100号", 310000, 310100, 310101);
	expect(rs, "上海黄浦区南京东路100号", 310000, 310100, 310101);
	/* a district name shared by two cities, without a city: only what is certain */
	expect(rs, "朝阳区建国路88号", 0, 0, 0);
	expect(rs, "吉林长春朝阳区西安大路1号", 220000, 220100, 220104);
	/* city without districts */
	expect(rs, "广东东莞南城街道1号", 440000, 441900, 0);
	/* nothing to recognise */
	expect(rs, "some residential compound", 0, 0, 0);
	expect(rs, "", 0, 0, 0);
	expect(rs, "Flat 5, 10 Downing Street, London", 0, 0, 0);
	/* names shared by a province and a county or prefecture */
	expect(rs, "河南省郑州市金水区花园路1号", 410000, 410100, 410105);
	expect(rs, "河南郑州金水区花园路1号", 410000, 410100, 410105);
	expect(rs, "青海省海南州共和县1号", 630000, 632500, 632521);
	expect(rs, "海南三亚吉阳区1号", 460000, 460200, 460203);
	expect(rs, "吉林省吉林市船营区1号", 220000, 220200, 220204);
	expect(rs, "广州天河体育西路1号", 440000, 440100, 440106);
	/* Hong Kong, Macau and Taiwan: never a mainland district of the same name */
	expect(rs, "香港特别行政区中西区德辅道中100号5楼", 810000, 810100, 810101);
	expect(rs, "香港九龙旺角弥敦道580号", 810000, 810200, 810201);
	expect(rs, "台北市大同区承德路一段1号", 710000, 710100, 710111);
	expect(rs, "台湾省台北市大同区", 710000, 710100, 710111);
	expect(rs, "澳门圣安多尼堂区白鸽巢前地1号", 820000, 820100, 820105);
	expect(rs, "澳門氹仔", 820000, 820200, 820201);
	/* a longer name holds the shorter one inside it */
	expect(rs, "山西省运城市新绛县龙兴镇1号", 140000, 140800, 140825);
	expect(rs, "山西运城绛县古绛镇1号", 140000, 140800, 140826);
	expect(rs, "湖南常德临澧县安福镇1号", 430000, 430700, 430724);
	expect(rs, "广东省广州市增城区荔城街道1号", 440000, 440100, 440118);
	expect(rs, "增城区荔城街道1号", 440000, 440100, 440118);
	expect(rs, "四川乐山峨眉山市名山路1号", 510000, 511100, 511181);
	expect(rs, "海南省临高县临城镇1号", 460000, 469000, 469024);
	expect(rs, "四川宜宾高县庆符镇1号", 510000, 511500, 511525);
	/* short forms that run across a boundary */
	expect(rs, "天津南开区卫津路94号", 120000, 120100, 120104);
	expect(rs, "天津南开卫津路94号", 120000, 120100, 120104);
	expect(rs, "黑龙江省哈尔滨市南岗区1号", 230000, 230100, 230103);
	expect(rs, "黑龙江齐齐哈尔龙江县1号", 230000, 230200, 230221);
	/* names without their ethnic groups, and former names */
	expect(rs, "河南郑州管城区紫荆山路1号", 410000, 410100, 410104);
	expect(rs, "杭州市下城区延安路1号", 330000, 330100, 330105);
	expect(rs, "南宁横县横州镇1号", 450000, 450100, 450181);
	/* a district that the named province does not have: only the province */
	expect(rs, "广东省朝阳区建国路88号", 440000, 0, 0);
	/* a street named after a place */
	expect(rs, "广州北京路1号", 440000, 440100, 0);
	expect(rs, "武汉中山大道1号", 420000, 420100, 0);
	/* traditional characters read as simplified */
	expect(rs, "香港九龍觀塘區西成街279號", 810000, 810200, 810205);
	/* a name shared by a city's own name and a district of another city */
	expect(rs, "山东枣庄市中区西王庄镇1号", 370000, 370400, 370402);
	expect(rs, "台中市中区七贤街三段219号", 710000, 710400, 710411);
	/* a zone's short name is its district's */
	expect(rs, "北戴河电力北路706号", 130000, 130300, 130304);
	/* a bare name before a town that is not a street */
	expect(rs, "东莞道滘镇邮电一路975号", 440000, 441900, 0);
	/* equally likely chains: the later, smaller division */
	expect(rs, "吉林省四平市公主岭市贾家村10社", 220000, 220100, 220184);
	/* a street named after a place, written before the region */
	expect(rs, "南京东路100号 上海市黄浦区", 310000, 310100, 310101);
	/* a municipality alone is its one city */
	expect(rs, "上海南京东路202号", 310000, 310100, 0);
	/* province alone */
	expect(rs, "海南省 某小区", 460000, 0, 0);

	{
		/* speed: one automaton pass per address */
		const char *a = "浙江省杭州市西湖区文三路90号东部软件园3号楼2单元501室";
		char		folded[256];
		size_t		n = ot_text_fold(a, strlen(a), folded);
		clock_t		t0 = clock();
		long		sum = 0;

		for (int i = 0; i < 100000; i++)
			sum += ot_regions_match(rs, folded, n).district;
		printf("# %.2f us per address match\n", (double) (clock() - t0) / CLOCKS_PER_SEC * 10.0);
		ok(sum == 100000L * 330106, "100000 matches give the same answer");
	}
	ot_regions_free(rs);
	printf("1..%d\n", test_no);
	return failures == 0 ? 0 : 1;
}
