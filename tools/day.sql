-- tools/day.sql: one trading day of a shop, run through ordertrack's own
-- interfaces.  Loaded into the session of tools/day.sh (everything here is
-- in pg_temp: the database keeps only what ordertrack itself stores).
--
-- pg_temp.day_plan(shop, orders, seed, fast clock) draws the whole day at
-- once from the seed: every order, what is wrong with it, and when each
-- thing happens to it (so that the same seed gives the same day however fast
-- it runs).  The day's work is shared by several sessions (one a core): each
-- draws the same plan and keeps its share of the orders,
-- pg_temp.day_share(part, parts).  CALL pg_temp.day_step() then does
-- whatever its share has due by the day's clock: the ERP's INSERTs and
-- submit_order, payments, the person on duty correcting or releasing held
-- orders, confirm, the warehouse's picks and shortages, the carriers' scans
-- and customers' feedback.  Once every session has stepped, one of them
-- calls CALL pg_temp.day_sweep(), as pg_cron calls the sweep every minute.
-- pg_temp.day_progress() says how far a session is.

SET search_path = "$user", public, ordertrack;
SET timezone = 'Asia/Shanghai';

CREATE TEMP TABLE day_settings (shop text, orders integer, seed double precision, day0 timestamptz,
								last_sweep timestamptz, errors integer DEFAULT 0,
								fast boolean, vnow timestamptz);

-- The day's clock.  On tools/run.sh's throwaway cluster the server's own
-- clock runs fast (libfaketime), and everything ordertrack stamps lives on
-- the same day: the day's clock is now().  In another database the clock is
-- real: the day is yesterday, its clock moves on five minutes a step
-- (pg_temp.day_tick) as fast as the work is done, and what ordertrack
-- stamps itself (stage moves, confirmation) happens within those minutes of
-- real time.
CREATE FUNCTION pg_temp.day_now() RETURNS timestamptz LANGUAGE sql STABLE AS
	$$ SELECT CASE WHEN fast THEN now() ELSE vnow END FROM day_settings $$;
CREATE PROCEDURE pg_temp.day_tick() LANGUAGE sql AS
	$$ UPDATE day_settings SET vnow = vnow + interval '5 minutes' WHERE NOT fast $$;
CREATE TEMP TABLE day_errors (action text, message text, n integer);

-- The catalogue: SKUs of the demo's own (DEMO-…), some fragile, cold-chain
-- or customisable.
CREATE TEMP TABLE day_products (sku text, title text, spec text, colour text, fragile boolean,
								cold_chain boolean, customizable boolean, weight double precision);
INSERT INTO day_products VALUES
	('DEMO-HD-1', 'hoodie', 'L', 'grey', false, false, false, 14),
	('DEMO-HD-2', 'hoodie', 'M', 'black', false, false, false, 10),
	('DEMO-TS-1', 'T-shirt', 'XL', 'white', false, false, false, 14),
	('DEMO-SOCK-1', 'socks', '5 pairs', 'mixed', false, false, false, 8),
	('DEMO-BAG-1', 'tote bag', NULL, 'natural', false, false, true, 6),
	('DEMO-CUP-1', 'mug', '350ml', 'white', true, false, true, 9),
	('DEMO-GLS-1', 'wine glasses', 'set of 2', NULL, true, false, false, 4),
	('DEMO-LAMP-1', 'desk lamp', NULL, 'black', true, false, false, 4),
	('DEMO-PEN-1', 'fountain pen', 'F nib', 'navy', false, false, true, 5),
	('DEMO-TEA-1', 'oolong tea', '250g', NULL, false, false, false, 8),
	('DEMO-ICE-1', 'ice cream', '6 cups', NULL, false, true, false, 4),
	('DEMO-CAKE-1', 'birthday cake', '8 inch', NULL, true, true, true, 3),
	('DEMO-YOG-1', 'yoghurt', '12 bottles', NULL, false, true, false, 4);
INSERT INTO ordertrack.products (sku, title, spec, colour, fragile, cold_chain, customizable)
SELECT sku, title, spec, colour, fragile, cold_chain, customizable FROM day_products
ON CONFLICT (sku) DO NOTHING;

-- Where parcels go: every district, weighted by its province's share of
-- online orders (rough shares; Hong Kong, Macau and Taiwan small).
CREATE TEMP TABLE day_places AS
SELECT p.name AS province, CASE WHEN c.placeholder THEN '' ELSE c.name END AS city, d.name AS district,
	   p.code AS province_code,
	   coalesce((SELECT w FROM (VALUES ('广东省', 13.0), ('浙江省', 9), ('江苏省', 8), ('上海市', 6), ('北京市', 5),
					('山东省', 6), ('四川省', 5), ('福建省', 4), ('河南省', 4), ('湖北省', 3.5), ('湖南省', 3),
					('河北省', 3), ('安徽省', 2.5), ('重庆市', 2), ('陕西省', 2), ('天津市', 1.5), ('辽宁省', 2),
					('江西省', 1.5), ('广西壮族自治区', 1.5), ('云南省', 1.5), ('新疆维吾尔自治区', 0.8),
					('西藏自治区', 0.3), ('青海省', 0.3), ('宁夏回族自治区', 0.3), ('海南省', 0.6),
					('香港特别行政区', 0.5), ('澳门特别行政区', 0.2), ('台湾省', 0.4)) v(n, w) WHERE v.n = p.name), 1.0)
		/ count(*) OVER (PARTITION BY p.code) AS weight
  FROM ordertrack.regions d
  JOIN ordertrack.regions c ON c.code = d.parent_code AND c.level = 2
  JOIN ordertrack.regions p ON p.code = c.parent_code AND p.level = 1
 WHERE d.level = 3 AND d.origin = 'shipped' AND NOT d.placeholder;
CREATE TEMP TABLE day_place_cdf AS
SELECT row_number() OVER (ORDER BY province_code, district) AS i, province, city, district,
	   sum(weight) OVER (ORDER BY province_code, district) / sum(weight) OVER () AS upto
  FROM day_places;
CREATE INDEX ON day_place_cdf (upto);

CREATE FUNCTION pg_temp.pick(a text[]) RETURNS text LANGUAGE sql VOLATILE AS
	$$ SELECT a[1 + floor(random() * cardinality(a))::int] $$;
CREATE FUNCTION pg_temp.digits(n integer) RETURNS text LANGUAGE sql VOLATILE AS
	$$ SELECT string_agg(floor(random() * 10)::int::text, '') FROM generate_series(1, n) $$;

-- A recipient as shoppers type one: mostly a full name, sometimes a title,
-- a nickname or a Latin name.
CREATE FUNCTION pg_temp.day_name() RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	sur text := pg_temp.pick('{王,李,张,刘,陈,杨,黄,赵,吴,周,徐,孙,马,朱,胡,郭,何,高,林,罗,郑,梁,谢,宋,唐,许,韩,冯,邓,曹,彭,曾,肖,田,董,袁,潘,蒋,蔡,余,杜,叶,程,苏,魏,吕,丁,沈,姚,卢,欧阳,司马}');
	given text := pg_temp.pick('{伟,芳,娜,敏,静,丽,强,磊,军,洋,勇,艳,杰,娟,涛,明,超,秀英,霞,平,刚,桂英,浩然,子涵,欣怡,梓萱,一诺,宇轩,雨桐,思远,晓燕,建国,志强,海燕,婷婷}');
	r double precision := random();
BEGIN
	RETURN CASE WHEN r < 0.80 THEN sur || given
				WHEN r < 0.88 THEN sur || pg_temp.pick('{先生,女士,小姐}')
				WHEN r < 0.93 THEN pg_temp.pick('{小,老,阿}') || sur
				WHEN r < 0.97 THEN pg_temp.pick('{Amy,Kevin,Lily,Jason,Cindy,Tony,Grace,David}') || ' ' || sur
				ELSE sur || ' ' || given END;
END $$;

-- A phone: mobiles in their many spellings, landlines with area codes,
-- platforms' privacy numbers with an extension, and mistyped ones.
CREATE FUNCTION pg_temp.day_phone(mistyped boolean) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	m text := pg_temp.pick('{130,131,132,133,135,136,137,138,139,150,151,152,155,156,157,158,159,166,176,177,180,181,182,185,186,187,188,189,191,198,199}')
			  || pg_temp.digits(8);
	r double precision := random();
BEGIN
	IF mistyped THEN
		RETURN CASE WHEN random() < 0.5 THEN left(m, 10) ELSE m || pg_temp.digits(1) END;
	END IF;
	RETURN CASE WHEN r < 0.55 THEN m
				WHEN r < 0.70 THEN substr(m, 1, 3) || ' ' || substr(m, 4, 4) || ' ' || substr(m, 8)
				WHEN r < 0.78 THEN substr(m, 1, 3) || '-' || substr(m, 4, 4) || '-' || substr(m, 8)
				WHEN r < 0.84 THEN '+86 ' || m
				WHEN r < 0.88 THEN pg_temp.pick('{010-,021-,020-,0755-,0571-,028-}') || pg_temp.digits(8)
				WHEN r < 0.90 THEN '(' || pg_temp.pick('{0755,0512,0731,0898}') || ')' || pg_temp.digits(4) || ' ' || pg_temp.digits(4)
				ELSE '170' || pg_temp.digits(8) || pg_temp.pick('{转,-,#," ext. "}') || pg_temp.digits(4) END;
END $$;

-- An address: province (full or short), city, district, street, number
-- and, unless forgotten, a building, unit and room.
CREATE FUNCTION pg_temp.day_address(no_unit boolean, in_province text DEFAULT NULL) RETURNS text
	LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	p day_place_cdf;
	r double precision := random();
	u double precision := random();
	street text := pg_temp.pick('{人民路,解放路,中山路,建设路,和平路,新华路,长江路,科技园路,胜利街,文化路,幸福里,学府路,滨江大道}');
	unit text;
BEGIN
	IF in_province IS NULL THEN
		SELECT * INTO p FROM day_place_cdf WHERE upto >= r ORDER BY upto LIMIT 1;
	ELSE
		SELECT * INTO p FROM day_place_cdf WHERE province = in_province ORDER BY i
		OFFSET floor(r * (SELECT count(*) FROM day_place_cdf WHERE province = in_province)) LIMIT 1;
	END IF;
	unit := CASE WHEN no_unit THEN ''
				 WHEN u < 0.5 THEN (1 + floor(random() * 30))::int || '号楼' || (1 + floor(random() * 6))::int || '单元'
								   || (1 + floor(random() * 30))::int || '0' || (1 + floor(random() * 4))::int || '室'
				 WHEN u < 0.7 THEN (1 + floor(random() * 20))::int || '栋' || (1 + floor(random() * 30))::int || '0'
								   || (1 + floor(random() * 8))::int
				 WHEN u < 0.85 THEN pg_temp.pick('{阳光,锦绣,翠苑,金色,碧水}') || pg_temp.pick('{花园,小区,家园}')
								   || (1 + floor(random() * 12))::int || '幢' || (101 + floor(random() * 20))::int || '室'
				 ELSE (2 + floor(random() * 28))::int || '楼' || chr(65 + floor(random() * 6)::int) || '室' END;
	RETURN CASE WHEN random() < 0.3 THEN replace(replace(p.province, '省', ''), '特别行政区', '') ELSE p.province END
		   || p.city || p.district || street || (1 + floor(random() * 300))::int || '号' || unit;
END $$;

-- The plan: one row per order, with what will happen to it.
CREATE TEMP TABLE day_plan (
	n integer PRIMARY KEY,
	external_ref text, account text, created_at timestamptz, via text, doc jsonb,
	pay_at timestamptz,          -- NULL: never paid (reminded by the sweep)
	fix text,                    -- what the person on duty does when intake holds it
	shortage boolean, delivery text, rating integer, review text,
	backlog boolean,             -- taken on an earlier day, on the road when the day begins
	order_id bigint, next text, next_at timestamptz
);
CREATE INDEX ON day_plan (next_at);

CREATE FUNCTION pg_temp.day_plan(p_shop text, p_orders integer, p_seed double precision, p_fast boolean)
	RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	-- the fast clock starts at 23:00 the evening before; the real one is past it
	day0 timestamptz := CASE WHEN p_fast THEN date_trunc('day', now() + interval '3 hours')
							 ELSE date_trunc('day', now()) - interval '1 day' END;
	cnt integer := 0;
	k integer;
	-- of the backlog (15%), the late carrier's week: urgent parcels to
	-- Sichuan and Yunnan, enough for its record there to be judged on a day
	-- of any size (ordertrack.min_scorecard_sample, 20)
	week integer := least(60, p_orders * 3 / 40);
	backlog integer := p_orders * 3 / 20 - week;
	t timestamptz;
	r double precision;
	lines jsonb;
	p day_products;
	acct text;
	dup boolean;
	prev day_plan;
	o jsonb;
	late_zone boolean;
BEGIN
	PERFORM setseed(p_seed);
	INSERT INTO day_settings (shop, orders, seed, day0, fast, vnow)
	VALUES (p_shop, p_orders, p_seed, day0, p_fast, day0 - interval '1 hour');
	FOR k IN 1 .. p_orders + backlog LOOP
		cnt := cnt + 1;
		IF k <= backlog THEN
			-- on the road: taken half a day to a day and a half before
			t := day0 - interval '1 day' * (0.6 + random() * 0.9);
		ELSE
			-- the day's orders, most of them in the evening
			r := random();
			t := day0 + interval '1 hour' * CASE WHEN r < 0.05 THEN random() * 7
												 WHEN r < 0.45 THEN 7 + random() * 11
												 ELSE 18 + random() * 6 END;
		END IF;
		dup := k > backlog AND random() < 0.01 AND prev.n IS NOT NULL;
		acct := CASE WHEN dup THEN prev.account ELSE 'u' || (1 + floor(random() * p_orders * 0.8))::int END;
		lines := '[]';
		FOR i IN 1 .. CASE WHEN random() < 0.8 THEN 1 WHEN random() < 0.8 THEN 2 ELSE 3 END LOOP
			SELECT * INTO p FROM day_products ORDER BY -ln(1 - random()) / weight LIMIT 1;
			lines := lines || (jsonb_build_object('sku', p.sku, 'quantity', CASE WHEN random() < 0.85 THEN 1 ELSE 2 END,
				'title', CASE WHEN random() < 0.015 THEN p.title || ' (new)' ELSE p.title END,
				'colour', CASE WHEN p.colour IS NOT NULL AND random() < 0.01 THEN 'red' ELSE p.colour END)
				|| CASE WHEN p.customizable AND random() < 0.3
						THEN jsonb_build_object('customization', pg_temp.pick('{刻字：生日快乐,刻字：To Lily ♥,印字：永远爱你,刻字：毕业快乐 2026,刻字：LOVE}'))
						ELSE '{}' END);
		END LOOP;
		IF random() < 0.005 THEN
			lines := lines || jsonb_build_object('sku', 'DEMO-GONE-' || (1 + floor(random() * 9))::int, 'quantity', 1);
		END IF;
		IF dup THEN
			lines := prev.doc -> 'lines';
			t := prev.created_at + interval '1 minute' * (5 + random() * 100);
		END IF;
		o := jsonb_build_object('shop', p_shop, 'external_ref', 'D' || to_char(day0, 'YYYYMMDD') || lpad(cnt::text, 6, '0'),
			'account', acct, 'recipient', CASE WHEN random() < 0.004 THEN '...' ELSE pg_temp.day_name() END,
			'phone', pg_temp.day_phone(random() < 0.02),
			'address', pg_temp.day_address(random() < 0.03),
			'remarks', CASE WHEN random() < 0.12 THEN pg_temp.pick('{周末配送,请放快递柜,不要放快递柜,加急，明天要用,易碎请轻放,送人的，不要放发票,需要礼品包装,不要礼品包装,上班时间不在家，放门卫,下午送货}') END,
			'urgent', random() < 0.08, 'cash_on_delivery', random() < 0.05,
			'created_at', t, 'lines', lines);
		late_zone := o ->> 'address' ~ '^(四川|云南)';
		INSERT INTO day_plan VALUES (cnt, o ->> 'external_ref', acct, t,
			CASE WHEN random() < 0.5 THEN 'submit' ELSE 'insert' END, o,
			CASE WHEN k <= backlog OR random() >= 0.04 THEN t + interval '1 minute' * (1 + random() * 25) END,
			pg_temp.pick('{correct,correct,correct,release,cancel,wait}'),
			random() < 0.015,
			CASE WHEN random() < 0.03 THEN 'failed_attempt' WHEN random() < 0.0015 THEN 'lost' ELSE 'delivered' END,
			CASE WHEN random() < 0.25 THEN CASE WHEN random() < 0.12 THEN 1 + floor(random() * 2)::int ELSE 4 + floor(random() * 2)::int END END,
			NULL, k <= backlog, NULL, 'create', CASE WHEN k <= backlog THEN day0 - interval '1 day' ELSE t END);
		UPDATE day_plan SET review = CASE WHEN rating <= 2 THEN pg_temp.pick('{包装太薄，杯子破损,发错颜色了，要退货,物流太慢,质量一般，申请退款}')
										  WHEN rating IS NOT NULL THEN pg_temp.pick('{很好，物超所值,包装很用心,第二次买了,快递很快}') END
		 WHERE day_plan.n = cnt;
		SELECT * INTO prev FROM day_plan WHERE day_plan.n = cnt;
		-- the late carrier: urgent parcels to Sichuan and Yunnan (SF), taken early
		IF k <= backlog AND late_zone AND random() < 0.6 THEN
			UPDATE day_plan d SET doc = jsonb_set(d.doc, '{urgent}', 'true'), created_at = day0 - interval '5 days' + random() * interval '12 hours'
			 WHERE d.n = cnt;
		END IF;
	END LOOP;
	FOR k IN 1 .. week LOOP
		cnt := cnt + 1;
		SELECT * INTO prev FROM day_plan d WHERE d.backlog ORDER BY d.n OFFSET floor(random() * (p_orders * 3 / 20 - week)) LIMIT 1;
		t := day0 - interval '5 days' + random() * interval '12 hours';
		o := prev.doc || jsonb_build_object('external_ref', 'D' || to_char(day0, 'YYYYMMDD') || lpad(cnt::text, 6, '0'),
			'account', 'u' || (1 + floor(random() * p_orders * 0.8))::int,
			'address', pg_temp.day_address(false, CASE WHEN k % 2 = 0 THEN '四川省' ELSE '云南省' END),
			'urgent', true, 'cash_on_delivery', false, 'created_at', t);
		INSERT INTO day_plan VALUES (cnt, o ->> 'external_ref', o ->> 'account', t, prev.via, o,
			t + interval '1 minute' * (1 + random() * 25), 'correct', false, 'delivered', NULL, NULL, true,
			NULL, 'create', day0 - interval '1 day');
	END LOOP;
	RETURN cnt;
END $$;

-- A tracking number's order.
CREATE FUNCTION pg_temp.tn(o bigint) RETURNS ordertrack.tracking_no LANGUAGE sql STABLE AS
	$$ SELECT tracking_no FROM ordertrack.orders WHERE order_id = o $$;

-- Does one thing to one order; returns what comes next and when.
CREATE FUNCTION pg_temp.day_act(x day_plan, OUT next text, OUT next_at timestamptz) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	id bigint := x.order_id;
	st ordertrack.stage;
	t timestamptz := pg_temp.day_now();
	f record;
	hub text := pg_temp.pick('{广州白云转运中心,上海青浦转运中心,成都双流分拨中心,武汉东西湖分拨中心,北京顺义转运中心}');
BEGIN
	IF x.next <> 'create' THEN
		SELECT o.stage INTO st FROM ordertrack.orders o WHERE o.order_id = id;
		IF st IN ('cancelled', 'completed') THEN
			next := NULL; RETURN;
		END IF;
	END IF;
	CASE x.next
	WHEN 'create' THEN
		IF x.via = 'submit' THEN
			id := ordertrack.submit_order(x.doc);
		ELSE
			INSERT INTO ordertrack.orders (shop, external_ref, account, recipient, phone, address, remarks, urgent,
										   cash_on_delivery, created_at)
			SELECT r.shop, r.external_ref, r.account, r.recipient, r.phone, r.address, r.remarks, r.urgent,
				   r.cash_on_delivery, r.created_at
			  FROM jsonb_populate_record(NULL::ordertrack.orders, x.doc) r
			RETURNING order_id INTO id;
			INSERT INTO ordertrack.order_lines (shop, order_id, sku, title, spec, colour, quantity, customization)
			SELECT x.doc ->> 'shop', id, l.sku, l.title, l.spec, l.colour, l.quantity, l.customization
			  FROM jsonb_populate_recordset(NULL::ordertrack.order_lines, x.doc -> 'lines') l;
		END IF;
		UPDATE day_plan SET order_id = id WHERE n = x.n;
		IF (x.doc ->> 'cash_on_delivery')::boolean THEN
			next := 'confirm'; next_at := greatest(x.created_at, t) + interval '3 minutes';
		ELSIF x.pay_at IS NOT NULL THEN
			next := 'pay'; next_at := x.pay_at;
		END IF;
	WHEN 'pay' THEN
		PERFORM ordertrack.mark_paid(id, x.pay_at);
		next := 'confirm'; next_at := CASE WHEN x.backlog THEN t ELSE x.pay_at + interval '1 minute' * (2 + random() * 8) END;
	WHEN 'confirm' THEN
		IF st = 'review' THEN
			next := CASE WHEN x.backlog THEN 'fix' ELSE x.fix END;
			next := CASE next WHEN 'wait' THEN NULL ELSE 'fix' END;
			next_at := t + interval '1 minute' * CASE WHEN x.backlog THEN 0 ELSE 20 + random() * 70 END;
		ELSE
			PERFORM ordertrack.confirm(id);
			next := 'pick'; next_at := t + interval '1 minute' * CASE WHEN x.backlog THEN 0 WHEN random() < 0.05 THEN 60 + random() * 180 ELSE 3 + random() * 12 END;
		END IF;
	WHEN 'fix' THEN
		-- the person on duty: corrects what the customer confirms on the phone,
		-- cancels what should not ship, releases the rest
		FOR f IN SELECT fl.flag_id, fl.code FROM ordertrack.flags fl
				  WHERE fl.order_id = id AND fl.severity = 'block' AND fl.resolved_at IS NULL ORDER BY fl.flag_id LOOP
			IF x.fix = 'cancel' AND NOT x.backlog THEN
				PERFORM ordertrack.cancel(id, 'held by intake: ' || f.code || '; the customer cancelled');
				next := NULL; RETURN;
			ELSIF f.code = 'phone_invalid' THEN
				UPDATE ordertrack.orders SET phone = pg_temp.day_phone(false) WHERE order_id = id;
			ELSIF f.code IN ('address_needs_unit', 'address_incomplete') THEN
				UPDATE ordertrack.orders SET address = address || '3号楼2单元501室' WHERE order_id = id;
			ELSIF f.code = 'name_missing' THEN
				UPDATE ordertrack.orders SET recipient = pg_temp.day_name() WHERE order_id = id;
			END IF;
		END LOOP;
		FOR f IN SELECT fl.flag_id FROM ordertrack.flags fl
				  WHERE fl.order_id = id AND fl.severity = 'block' AND fl.resolved_at IS NULL LOOP
			PERFORM ordertrack.resolve_flag(f.flag_id, 'checked with the customer by phone');
		END LOOP;
		next := 'confirm'; next_at := t + interval '2 minutes';
	WHEN 'pick' THEN
		IF x.shortage AND NOT x.backlog AND NOT EXISTS (SELECT 1 FROM ordertrack.flags fl WHERE fl.order_id = id AND fl.code = 'stock_short') THEN
			PERFORM ordertrack.report_shortage(id, (SELECT l.sku FROM ordertrack.order_lines l WHERE l.order_id = id ORDER BY l.line_id LIMIT 1), 0);
			next := 'restock'; next_at := t + interval '1 minute' * (40 + random() * 120);
		ELSE
			PERFORM ordertrack.record_pick(id, l.sku, l.quantity - coalesce(l.picked, 0))
			   FROM ordertrack.order_lines l WHERE l.order_id = id AND coalesce(l.picked, 0) < l.quantity ORDER BY l.line_id;
			next := 'pack'; next_at := t + interval '1 minute' * CASE WHEN x.backlog THEN 0 ELSE 5 + random() * 40 END;
		END IF;
	WHEN 'restock' THEN
		PERFORM ordertrack.resolve_flag(fl.flag_id, 'restocked from the returns shelf')
		   FROM ordertrack.flags fl WHERE fl.order_id = id AND fl.code = 'stock_short' AND fl.resolved_at IS NULL;
		next := 'pick'; next_at := t;
	WHEN 'pack' THEN
		PERFORM ordertrack.advance(id, 'packed', 'packed', 'packing-station-' || (1 + floor(random() * 6))::int);
		next := 'collect'; next_at := CASE WHEN x.backlog THEN t ELSE date_trunc('hour', t) + interval '1 hour' * (1 + floor(random() * 3)) END;
	WHEN 'collect' THEN
		PERFORM ordertrack.record_scan(pg_temp.tn(id), 'collected',
			CASE WHEN x.backlog THEN x.created_at + interval '6 hours' ELSE t END, '发货仓 嘉兴');
		next := 'transit';
		next_at := CASE WHEN x.backlog THEN t ELSE t + interval '1 minute' * (120 + random() * 240) END;
	WHEN 'transit' THEN
		PERFORM ordertrack.record_scan(pg_temp.tn(id), 'in_transit',
			CASE WHEN x.backlog THEN x.created_at + interval '14 hours' ELSE t END, hub);
		-- the day's own parcels are still on the road at midnight
		IF x.backlog THEN
			next := CASE x.delivery WHEN 'lost' THEN 'lost' ELSE 'out' END;
			next_at := (SELECT day0 FROM day_settings) + interval '1 minute' * (8 * 60 + random() * 600);
		END IF;
	WHEN 'out' THEN
		PERFORM ordertrack.record_scan(pg_temp.tn(id), 'out_for_delivery', t, '派送网点');
		next := CASE x.delivery WHEN 'failed_attempt' THEN 'failed' ELSE 'delivered' END;
		next_at := t + interval '1 minute' * (30 + random() * 180);
	WHEN 'failed' THEN
		PERFORM ordertrack.record_scan(pg_temp.tn(id), 'failed_attempt', t, '派送网点', '收件人电话无人接听');
		UPDATE day_plan SET delivery = 'delivered' WHERE n = x.n;
		next := 'out'; next_at := t + interval '1 minute' * (120 + random() * 240);
	WHEN 'lost' THEN
		PERFORM ordertrack.record_scan(pg_temp.tn(id), 'lost', t, hub, '包裹在分拨中心遗失');
	WHEN 'delivered' THEN
		PERFORM ordertrack.record_scan(pg_temp.tn(id), 'delivered', t, '已签收');
		IF x.rating IS NOT NULL THEN
			next := 'feedback'; next_at := t + interval '1 minute' * (20 + random() * 300);
		END IF;
	WHEN 'feedback' THEN
		PERFORM ordertrack.add_feedback(id, x.rating, x.review);
	END CASE;
END $$;

-- This session's share of the day: the orders n with n % parts = part.
CREATE FUNCTION pg_temp.day_share(part integer, parts integer) RETURNS integer LANGUAGE sql VOLATILE AS $$
	DELETE FROM day_plan WHERE n % parts <> part;
	SELECT count(*)::integer FROM day_plan;
$$;

-- Does everything that is due by the day's clock, committing as it goes.
CREATE PROCEDURE pg_temp.day_step() LANGUAGE plpgsql AS $$
DECLARE
	x day_plan;
	r record;
	k integer := 0;
	msg text;
BEGIN
	-- until nothing is due (an action makes the next one due at once, e.g.
	-- an order from an earlier day paid as it is taken): the sweep must not
	-- see an order between the two
	<<rounds>>
	FOR round IN 1 .. 5 LOOP
	EXIT rounds WHEN NOT EXISTS (SELECT FROM day_plan WHERE next IS NOT NULL AND next_at <= pg_temp.day_now());
	FOR x IN SELECT * FROM day_plan WHERE next IS NOT NULL AND next_at <= pg_temp.day_now() ORDER BY next_at, n LOOP
		BEGIN
			r := pg_temp.day_act(x);
			UPDATE day_plan SET next = r.next, next_at = CASE WHEN r.next IS NOT NULL THEN r.next_at END WHERE n = x.n;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
			UPDATE day_plan SET next = NULL, next_at = NULL WHERE n = x.n;
			UPDATE day_settings SET errors = errors + 1;
			INSERT INTO day_errors VALUES (x.next, msg, x.n);
		END;
		k := k + 1;
		IF k % 20 = 0 THEN
			COMMIT;
		END IF;
	END LOOP;
	COMMIT;
	END LOOP;
END $$;

-- The sweep, as pg_cron runs it every minute (once every session has
-- done what is due: the sweep must not see an order between two steps).
CREATE PROCEDURE pg_temp.day_sweep() LANGUAGE plpgsql AS $$
BEGIN
	IF (SELECT last_sweep IS NULL OR last_sweep < now() - interval '1 minute' FROM day_settings) THEN
		PERFORM ordertrack.sweep();
		UPDATE day_settings SET last_sweep = now();
	END IF;
	COMMIT;
END $$;

-- P|sim time|orders taken|orders planned|flags|held|errors|the day is over (and its work done)
CREATE FUNCTION pg_temp.day_progress() RETURNS text LANGUAGE sql STABLE AS $$
	SELECT concat_ws('|', 'P', to_char(pg_temp.day_now(), 'HH24:MI'),
		(SELECT count(*) FROM day_plan WHERE order_id IS NOT NULL AND NOT backlog),
		(SELECT orders FROM day_settings),
		(SELECT count(*) FROM ordertrack.flags f WHERE f.shop = (SELECT shop FROM day_settings)),
		(SELECT count(*) FROM ordertrack.orders o WHERE o.shop = (SELECT shop FROM day_settings) AND o.stage = 'review'),
		(SELECT errors FROM day_settings),
		(SELECT CASE WHEN pg_temp.day_now() >= day0 + interval '1 day'
						  AND NOT EXISTS (SELECT FROM day_plan WHERE next IS NOT NULL AND next_at <= day0 + interval '1 day')
					 THEN 't' ELSE 'f' END FROM day_settings))
$$;
