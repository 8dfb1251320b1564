#!/usr/bin/python3
"""api.metrics: parse two scrapes of GET /metrics with the Prometheus client's own
text-format parser and check how much each series moved between them.
usage: metrics_check.py BEFORE AFTER 'name{label="v",...} op amount' ...
op is == (moved by exactly amount), >= (by at least amount) or abs (is amount in AFTER);
amount is a number, or another series: then what that series moved (== and >=)."""
import re
import sys

from prometheus_client.parser import text_string_to_metric_families


def samples(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for family in text_string_to_metric_families(f.read()):
            for s in family.samples:
                out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def key(text):
    m = re.fullmatch(r'([a-z_]+)(?:\{(.*)\})?', text)
    labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
    return (m.group(1), tuple(sorted(labels.items())))


def main():
    before, after = samples(sys.argv[1]), samples(sys.argv[2])
    bad = 0
    for check in sys.argv[3:]:
        series, op, amount = check.rsplit(" ", 2)
        k = key(series)
        if k not in after:
            print(f"FAIL: {series} is not in the second scrape")
            bad += 1
            continue
        try:
            amount = float(amount)
        except ValueError:  # another series: what it moved
            other = key(amount)
            if other not in after or op == "abs":
                print(f"FAIL: {amount} is not in the second scrape, or compared with abs")
                bad += 1
                continue
            amount = after[other] - before.get(other, 0.0)
        moved = after[k] - before.get(k, 0.0)
        ok = {"==": moved == amount, ">=": moved >= amount, "abs": after[k] == amount}[op]
        print(f"{'ok' if ok else 'FAIL'}: {series} {'is ' + str(after[k]) if op == 'abs' else 'moved ' + str(moved)} (want {op} {amount})")
        bad += not ok
    sys.exit(1 if bad else 0)


main()
