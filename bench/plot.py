#!/usr/bin/env python3
"""Turns bench-mem's output into an SVG bar chart (no plotting library needed).

  bench/plot.py BENCH_OUTPUT.txt OUT.svg

Bars: page-out throughput of each way of passing ranges to process_madvise, and
single-core lz4 on the same data, in GiB/s, as bench-mem measured them in one run."""
import re
import sys


def parse(text):
    bars = []
    for line in text.splitlines():
        m = re.match(r'\s{2}(\S.*?)\s+\d+ MiB in\s+[\d.]+ s\s+([\d.]+) GiB/s', line)
        if m:
            bars.append((m.group(1).strip(), float(m.group(2))))
        m = re.match(r'lz4, one core.*?: ([\d.]+) GiB/s', line)
        if m:
            bars.append(('lz4, one core (zram\'s limit)', float(m.group(1))))
    machine = next((l for l in text.splitlines() if l.startswith('machine:')), '')
    return bars, machine


def svg(bars, title, subtitle, fmt='{:.2f} GiB/s'):
    w, bar_h, gap, left, top = 760, 26, 10, 330, 60
    h = top + len(bars) * (bar_h + gap) + 30
    vmax = max(max(v for _, v in bars), 1e-9) * 1.15
    scale = (w - left - 60) / vmax
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="13">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="10" y="22" font-size="16" font-weight="bold">{title}</text>',
           f'<text x="10" y="42" fill="#555">{subtitle}</text>']
    for i, (name, v) in enumerate(bars):
        y = top + i * (bar_h + gap)
        color = '#d9822b' if name.startswith('lz4') else '#2b6cb0'
        out.append(f'<text x="{left - 8}" y="{y + bar_h * 0.7}" text-anchor="end">{name}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{v * scale:.1f}" height="{bar_h}" fill="{color}"/>')
        out.append(f'<text x="{left + v * scale + 6:.1f}" y="{y + bar_h * 0.7}">{fmt.format(v)}</text>')
    out.append('</svg>')
    return '\n'.join(out) + '\n'


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    bars, machine = parse(open(sys.argv[1]).read())
    if not bars:
        print('plot.py: no page-out figures in %s' % sys.argv[1], file=sys.stderr)
        return 1
    with open(sys.argv[2], 'w') as f:
        f.write(svg(bars, 'Page-out into zram: process_madvise(MADV_PAGEOUT) vs single-core lz4', machine))
    print('wrote %s (%d bars)' % (sys.argv[2], len(bars)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
