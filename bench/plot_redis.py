#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""SVG bar chart of bench/redis_tiering.py --json output: RSS saved per arm, each bar
labelled with its throughput ratio and hot-set major faults.

  bench/plot_redis.py RESULT.json OUT.svg"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot import svg  # noqa: E402


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    with open(sys.argv[1]) as f:
        d = json.load(f)
    bars = [('%s (×%.2f GET/s, %d majflt)' % (t['arm'], t['throughput_ratio'], t['hot_majflt']),
             max(t['rss_saved_pct'], 0.0)) for t in d['table']]
    a = d['args']
    title = 'redis, %d keys × %d B, %g %% hot: RSS saved (median of %d interleaved rounds)' % (
        a['keys'], a['value'], a['hot'], a['rounds'])
    with open(sys.argv[2], 'w') as f:
        f.write(svg(bars, title, d['machine'], fmt='{:.1f} %'))
    print('wrote %s (%d bars)' % (sys.argv[2], len(bars)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
