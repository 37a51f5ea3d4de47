/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The etmem page: etmemd's objects over D-Bus (org.etmem on the system bus).
 *
 * client.proxies() watches /org/etmem: cockpit-bridge reads the tree with one
 * ObjectManager.GetManagedObjects call and then follows InterfacesAdded/Removed and
 * PropertiesChanged, so the tables redraw when etmemd says something changed; nothing
 * here polls the daemon.  superuser "try": with administrative access on, calls go
 * through Cockpit's root bridge; without it they are made as the logged-in user and
 * polkit asks through Cockpit's own agent (org.etmem.manage) where it must. */
"use strict";

(function () {
    const ROOT = "/org/etmem";
    const HISTORY_MS = 10 * 60 * 1000;   /* the chart's window */
    const SAMPLE_MS = 2000;              /* a chart point at least this often */

    const client = cockpit.dbus("org.etmem", { bus: "system", superuser: "try" });
    const manager = client.proxy("org.etmem.Manager1", ROOT);
    const projects = client.proxies("org.etmem.Project1", ROOT);
    const engines = client.proxies("org.etmem.Engine1", ROOT);
    const tasks = client.proxies("org.etmem.Task1", ROOT);
    const history = [];
    const busy = new Set();   /* projects with a Start/Stop call in flight */

    function $(id) {
        return document.getElementById(id);
    }

    function cell(tr, text, cls) {
        const td = document.createElement("td");
        td.textContent = text === undefined || text === null ? "" : String(text);
        if (cls)
            td.className = cls;
        tr.appendChild(td);
        return td;
    }

    function byName(list, keys) {
        return Object.values(list).filter(p => p.valid !== false && p.Name !== undefined)
                .sort((a, b) => {
                    for (const k of keys) {
                        const c = String(a[k]).localeCompare(String(b[k]));
                        if (c)
                            return c;
                    }
                    return 0;
                });
    }

    function showError(what, ex) {
        $("error-text").textContent = what + ": " + (ex && ex.message ? ex.message : String(ex));
        $("error").hidden = false;
    }

    function params(kv) {
        return Object.keys(kv || {}).sort().map(k => k + "=" + kv[k]).join(" ");
    }

    function startStop(proxy, method) {
        busy.add(proxy.Name);
        render();
        /* the new State arrives through PropertiesChanged; the reply only says it was taken */
        client.call(proxy.path, "org.etmem.Project1", method, [])
                .catch(ex => showError(method + " " + proxy.Name, ex))
                .finally(() => {
                    busy.delete(proxy.Name);
                    render();
                });
    }

    function renderProjects() {
        const body = $("projects").tBodies[0];
        const rows = byName(projects, ["Name"]);
        body.replaceChildren();
        for (const p of rows) {
            const tr = document.createElement("tr");
            tr.dataset.project = p.Name;
            cell(tr, p.Name);
            cell(tr, p.State, "state state-" + p.State);
            cell(tr, p.Cycles, "num");
            cell(tr, p.Loop, "num");
            cell(tr, p.Interval, "num");
            cell(tr, p.Sleep, "num");
            cell(tr, p.LastError, "error");
            const td = cell(tr, "");
            const running = p.State === "running";
            const b = document.createElement("button");
            b.type = "button";
            b.className = running ? "stop" : "start primary";
            b.textContent = running ? "Stop" : "Start";
            b.disabled = busy.has(p.Name);
            b.addEventListener("click", () => startStop(p, running ? "Stop" : "Start"));
            td.appendChild(b);
            body.appendChild(tr);
        }
        $("no-projects").hidden = rows.length > 0;
    }

    function renderEngines() {
        const body = $("engines").tBodies[0];
        body.replaceChildren();
        for (const e of byName(engines, ["Project", "Name"])) {
            const tr = document.createElement("tr");
            tr.dataset.project = e.Project;
            tr.dataset.engine = e.Name;
            cell(tr, e.Project);
            cell(tr, e.Name);
            cell(tr, e.Type);
            cell(tr, params(e.Params));
            body.appendChild(tr);
        }
    }

    function renderTasks() {
        const body = $("tasks").tBodies[0];
        body.replaceChildren();
        for (const t of byName(tasks, ["Project", "Engine", "Name"])) {
            const tr = document.createElement("tr");
            tr.dataset.project = t.Project;
            tr.dataset.engine = t.Engine;
            tr.dataset.task = t.Name;
            cell(tr, t.Project);
            cell(tr, t.Engine);
            cell(tr, t.Name);
            cell(tr, t.Type + " " + t.Value);
            cell(tr, t.Status, "status");
            cell(tr, (t.Pids || []).join(", "));
            cell(tr, t.Cycles, "num cycles");
            cell(tr, t.PagesScanned, "num");
            cell(tr, t.PagesHot, "num");
            cell(tr, t.PagesCold, "num");
            cell(tr, etmemChart.formatBytes(t.BytesPagedOut || 0), "num");
            cell(tr, etmemChart.formatBytes(t.BytesMigrated || 0), "num");
            cell(tr, t.LastError, "error");
            body.appendChild(tr);
        }
    }

    function renderManager() {
        if (!manager.valid)
            return;
        $("version").textContent = manager.Version ? "etmemd " + manager.Version : "";
        $("engine-types").textContent = (manager.EngineTypes || []).join(", ");
        const body = $("features").tBodies[0];
        body.replaceChildren();
        const kf = manager.KernelFeatures || {};
        for (const k of Object.keys(kf).sort()) {
            const tr = document.createElement("tr");
            tr.dataset.feature = k;
            cell(tr, k);
            cell(tr, kf[k]);
            body.appendChild(tr);
        }
    }

    /* one point of the sums over all tasks; called on every change and by a timer */
    function sample() {
        const now = Date.now();
        let out = 0, mig = 0;
        for (const t of Object.values(tasks)) {
            out += t.BytesPagedOut || 0;
            mig += t.BytesMigrated || 0;
        }
        const last = history[history.length - 1];
        if (last && now - last.t < 250 && last.out === out && last.mig === mig)
            return;
        history.push({ t: now, out, mig });
        while (history.length > 2 && now - history[0].t > HISTORY_MS)
            history.shift();
        etmemChart.draw($("chart"), history, [
            { key: "out", label: "Paged out", cls: "paged-out" },
            { key: "mig", label: "Migrated", cls: "migrated" },
        ]);
    }

    function render() {
        renderProjects();
        renderEngines();
        renderTasks();
        renderManager();
        sample();
    }

    function loadConfig() {
        const text = $("config-text").value;
        const button = $("config-load");
        if (!text.trim()) {
            showError("Load", "the configuration is empty");
            return;
        }
        button.disabled = true;
        $("config-result").textContent = "";
        client.call(ROOT, "org.etmem.Manager1", "LoadConfig",
                    [text, $("config-format").value, $("config-file").files[0]?.name || "cockpit"])
                .then(([objects]) => {
                    $("config-result").textContent = "Created " + objects.length + " object" +
                        (objects.length === 1 ? "" : "s") + ".";
                })
                .catch(ex => showError("Load", ex))
                .finally(() => {
                    button.disabled = false;
                });
    }

    function init() {
        $("error-close").addEventListener("click", () => {
            $("error").hidden = true;
        });
        $("config-load").addEventListener("click", loadConfig);
        $("config-file").addEventListener("change", ev => {
            const f = ev.target.files[0];
            if (!f)
                return;
            f.text().then(t => {
                $("config-text").value = t;
                if (f.name.endsWith(".json"))
                    $("config-format").value = "json";
            });
        });

        for (const list of [projects, engines, tasks])
            for (const ev of ["added", "changed", "removed"])
                list.addEventListener(ev, render);
        manager.addEventListener("changed", render);

        /* the tree has arrived (GetManagedObjects) once all three lists are read */
        Promise.all([manager.wait(), projects.wait(), engines.wait(), tasks.wait()])
                .then(() => {
                    $("service-status").textContent = manager.valid ? "" : "etmemd is not running.";
                    document.body.dataset.loaded = "true";
                    render();
                });
        client.addEventListener("close", (ev, options) => {
            $("service-status").textContent = "Disconnected from etmemd" +
                (options && options.problem ? " (" + options.problem + ")" : "") + ".";
        });
        window.setInterval(sample, SAMPLE_MS);
        render();
    }

    document.addEventListener("DOMContentLoaded", init);
})();
