/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A line chart as plain SVG: no bundler, no library.  etmemChart.draw(container,
 * points, series) replaces container's content with the chart of points
 * ([{t: milliseconds, <key>: value, ...}]) for each series ({key, label, cls}). */
"use strict";

window.etmemChart = (function () {
    const NS = "http://www.w3.org/2000/svg";
    const W = 900, H = 240, LEFT = 70, RIGHT = 10, TOP = 28, BOTTOM = 24;

    function el(name, attrs, text) {
        const e = document.createElementNS(NS, name);
        for (const k in attrs)
            e.setAttribute(k, attrs[k]);
        if (text !== undefined)
            e.textContent = text;
        return e;
    }

    function formatBytes(v) {
        const units = ["B", "KiB", "MiB", "GiB", "TiB"];
        let i = 0;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return (i === 0 ? v.toFixed(0) : v.toFixed(v < 10 ? 1 : 0)) + " " + units[i];
    }

    /* 1, 2, 5 × 1024^k steps so the grid lines fall on round byte counts */
    function niceMax(v) {
        if (v <= 0)
            return 1024;
        let base = 1;
        while (base * 1024 <= v)
            base *= 1024;
        for (const m of [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 1024])
            if (base * m >= v)
                return base * m;
        return base * 1024;
    }

    function draw(container, points, series) {
        const svg = el("svg", { viewBox: "0 0 " + W + " " + H, preserveAspectRatio: "xMinYMin meet" });
        const plotW = W - LEFT - RIGHT, plotH = H - TOP - BOTTOM;
        let maxV = 0;
        for (const p of points)
            for (const s of series)
                maxV = Math.max(maxV, p[s.key]);
        const ymax = niceMax(maxV);
        const t0 = points.length ? points[0].t : 0;
        const t1 = points.length > 1 ? points[points.length - 1].t : t0 + 1000;
        const x = t => LEFT + (t - t0) / (t1 - t0) * plotW;
        const y = v => TOP + plotH - v / ymax * plotH;

        for (let i = 0; i <= 4; i++) {
            const v = ymax * i / 4;
            svg.appendChild(el("line", { class: "grid", x1: LEFT, x2: W - RIGHT, y1: y(v), y2: y(v) }));
            svg.appendChild(el("text", { x: LEFT - 6, y: y(v) + 4, "text-anchor": "end" }, formatBytes(v)));
        }
        svg.appendChild(el("line", { class: "axis", x1: LEFT, x2: LEFT, y1: TOP, y2: TOP + plotH }));
        svg.appendChild(el("line", { class: "axis", x1: LEFT, x2: W - RIGHT, y1: TOP + plotH, y2: TOP + plotH }));
        const span = Math.round((t1 - t0) / 1000);
        svg.appendChild(el("text", { x: LEFT, y: H - 6 }, "−" + span + " s"));
        svg.appendChild(el("text", { x: W - RIGHT, y: H - 6, "text-anchor": "end" }, "now"));

        let lx = LEFT;
        for (const s of series) {
            svg.appendChild(el("rect", { class: "swatch-" + s.cls, x: lx, y: 8, width: 12, height: 12 }));
            const last = points.length ? points[points.length - 1][s.key] : 0;
            svg.appendChild(el("text", { x: lx + 18, y: 18 }, s.label + ": " + formatBytes(last)));
            lx += 260;
            if (points.length < 2)
                continue;
            const coords = points.map(p => x(p.t).toFixed(1) + "," + y(p[s.key]).toFixed(1)).join(" ");
            svg.appendChild(el("polyline", { class: s.cls, points: coords, "data-series": s.key }));
        }
        container.replaceChildren(svg);
    }

    return { draw, formatBytes };
})();
