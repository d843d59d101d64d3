--
-- The intake text checks as SQL functions: phone numbers, significant
-- characters, address unit words, special requests, regions.
--
SET search_path = ordertrack, public;

-- Phones: every way customers write them.
SELECT p AS phone, phone_kind(p), normalize_phone(p)
  FROM unnest(ARRAY[
	'13812345678', '138 1234 5678', '+86 138-1234-5678', '0086 13812345678', '8613812345678',
	'１３８１２３４５６７８', '010-62345678', '(0755) 8765-4321', '(0755) 8765-432', '+86 (0)571 8888 6666',
	'13812345678-1234', '17012345678转5678', '010-62345678-8001', '026-12345678',
	'010-62345678 转 8001', '010-62345678 ext 12', '+1 (415) 555-2671', '+44 20 7946 0958',
	'', '  ', '12345', '12812345678', '010-12345678', '13812345678 ext 1', 'call me',
	'+1234567890123456']) AS p;
SELECT phone_kind(NULL) IS NULL AS strict_kind, normalize_phone(NULL) IS NULL AS strict_normalize;

-- Names and addresses: what carries meaning.
SELECT t, significant_chars(t)
  FROM unnest(ARRAY['张三', 'Li Lei', '  ', '...。，！', '🙂🙂', 'Zoë', '先生/女士', '']) AS t;

-- Address units (the rules of ordertrack.address_unit_keywords): a door
-- number alone or a unit word inside a name is not a unit.
SELECT a AS address, address_needs_unit(a)
  FROM unnest(ARRAY[
	'北京市朝阳区建国路88号SOHO现代城3号楼2单元501室', '某某小区', 'some residential compound',
	'Sunny Community, Harbour Road', 'Unit5, Harbour Road', 'Ｒｏｏｍ　５ Harbour Road',
	'88 Main St #5', 'Flatbush Avenue', 'Flat 2, Flatbush Avenue', '',
	'杭州拱墅区建设路88号', '长春朝阳区5-2-1101', '武汉珞喻路1037号3舍205', '南京鼓楼区中山北路1号',
	'成都石桥村五组', '杭州滨江区创新大厦1505', '上海地铁2号线徐家汇站']) AS a;

-- Special requests (ordertrack.special_request_keywords).
SELECT r AS remarks, special_requests(r)
  FROM unnest(ARRAY[
	'请周末配送', '放快递柜，谢谢', '红色包装，送女朋友', '泡沫箱+冰袋', '需要开箱验货',
	'不要打电话，短信通知', '易碎品轻拿轻放', '加急！', 'Please leave in parcel locker',
	'DON''T CALL, text me', 'Weekend delivery; GIFT WRAP', '周末配送 加急 冰袋 易碎 验货 礼品包装 快递柜 短信通知',
	'', 'nothing special', NULL,
	'不要礼品包装', '周末配送，不要加冰袋', '请勿放快递柜，放门口', 'No gift wrap please', '特别易碎']) AS r;

-- Regions: official names, short forms, municipalities, look-alike streets,
-- ambiguous district names, nothing at all; Hong Kong, Macau and Taiwan,
-- former names, overlapping names, a district the named province does not
-- have, and a remote city.
SELECT a AS address, (locate_region(a)).*
  FROM unnest(ARRAY[
	'北京市朝阳区建国路88号', '北京朝阳区建国路88号', '上海黄浦区南京东路100号',
	'浙江杭州西湖区文三路90号', '内蒙古呼和浩特新城区某街1号', '新疆乌鲁木齐天山区解放北路5号',
	'西藏拉萨城关区北京中路1号', '广东东莞南城街道1号', '吉林长春朝阳区西安大路1号',
	'朝阳区建国路88号', '海南省 某小区', 'some residential compound', '',
	'香港九龙旺角弥敦道580号', '台北市大同区承德路一段1号', '澳門氹仔', '杭州市下城区延安路1号',
	'山西运城新绛县龙兴镇1号', '天津南开卫津路94号', '广东省朝阳区建国路88号', '海南三沙市永兴岛']) AS a;
