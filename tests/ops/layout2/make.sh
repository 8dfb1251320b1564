set -e
cd /tmp/eo-ops && rm -rf /tmp/eo-ops/*
export EO_TEST_TMP=/tmp/eo-ops EO_SOURCE_DIR=/work/wt-ops
. /work/wt-ops/tests/e2e/lib.sh
P=$(eo_free_port); eo_config $P cfg; B=${B:-/work/wt-ops/build}
eo_start serve $B/eonjena serve --config cfg --store st --init --carers ${CARERS:-40} --clock offset:2026-11-27T19:00:00+09:00
eo_wait_for health 30 curl -sf http://127.0.0.1:$P/v1/health
req() { curl -s -X POST http://127.0.0.1:$P/v1/requests -d "{\"id\":\"$1\",\"site\":\"$2\",\"dong\":\"$3\",\"start\":\"2026-11-27T$4\",\"end\":\"2026-11-27T$5\",\"channel\":\"call_centre\",\"member\":{\"id\":\"m-$1\",\"phone\":\"010-1234-56$6\",\"verified\":true},\"child\":{\"first_name\":\"서연\",\"age_months\":60},\"address\":\"수원시 장안구 파장로 $6\"}"; echo; }
req r1 suwon 4111354000 22:00 23:30 11; req r2 hwaseong 4159053000 22:00 23:00 12; req r3 namyangju 4136034000 22:30 23:30 13; req r4 siheung 4139051000 22:00 23:30 14; req r5 suwon 4111571000 22:00 23:00 15
sleep 3; for i in r1 r2; do :; done
curl -s -X POST http://127.0.0.1:$P/v1/requests/r6/cancel -d '{"reason":"test"}'; echo
sleep 1
true
kill -TERM $PID_serve; wait $PID_serve
