// Logbook UI enhancements. Every page works without this script; it adds
// local times, the detail dialog, live counts, column choice and keys.
"use strict";

(function () {
  const pad = (n, w = 2) => String(Math.abs(n)).padStart(w, "0");

  // offsetText is the viewer's UTC offset at date d, e.g. "UTC+05:30".
  function offsetText(d) {
    const m = -d.getTimezoneOffset();
    return "UTC" + (m >= 0 ? "+" : "-") + pad(Math.floor(Math.abs(m) / 60)) + ":" + pad(Math.abs(m) % 60);
  }

  // localText renders d in the viewer's time zone: "2026-11-26 04:01:34 UTC+05:30".
  function localText(d) {
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + " " + offsetText(d);
  }

  // localInput renders d for a datetime-local input.
  function localInput(d) {
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }

  function localizeTimes(root) {
    root.querySelectorAll("time[datetime]").forEach((t) => {
      const d = new Date(t.getAttribute("datetime"));
      if (isNaN(d)) return;
      const text = localText(d);
      const cut = text.lastIndexOf(" ");
      const zone = document.createElement("span");
      zone.className = "tz";
      zone.textContent = text.slice(cut);
      t.replaceChildren(text.slice(0, cut), zone);
      t.title = "UTC: " + t.getAttribute("datetime").replace("T", " ").replace("Z", "");
    });
  }

  // Filters: the datetime-local inputs are in the viewer's zone; the URL
  // carries UTC. Empty parameters are left out of the URL.
  function setupFilters() {
    const form = document.getElementById("filters");
    if (!form) return;
    const note = form.querySelector("[data-tz-note]");
    if (note) note.textContent = "times in your time zone (" + offsetText(new Date()) + ")";
    form.querySelectorAll("[data-utc-target]").forEach((input) => {
      const hidden = form.elements.namedItem(input.dataset.utcTarget);
      if (hidden && hidden.value) {
        const d = new Date(hidden.value);
        if (!isNaN(d)) input.value = localInput(d);
      }
    });
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const params = new URLSearchParams();
      let manualTime = false;
      form.querySelectorAll("[data-utc-target]").forEach((input) => {
        const hidden = form.elements.namedItem(input.dataset.utcTarget);
        const was = hidden.value ? localInput(new Date(hidden.value)) : "";
        if (input.value !== was) manualTime = true;
        // new Date("YYYY-MM-DDTHH:MM:SS") is local time, DST included.
        hidden.value = input.value ? new Date(input.value).toISOString() : "";
      });
      for (const el of form.elements) {
        if (!el.name || !el.value || el.disabled) continue;
        if (el.name === "range" && manualTime) continue;
        params.append(el.name, el.value);
      }
      if (params.get("sort") === "-timestamp") params.delete("sort");
      const q = params.toString();
      location.assign(form.getAttribute("action") + (q ? "?" + q : ""));
    });
    document.querySelectorAll("select[data-autosubmit]").forEach((s) =>
      s.addEventListener("change", () => s.form.requestSubmit ? s.form.requestSubmit() : s.form.submit()));
  }

  // Other forms with local date inputs (rescheduling a job): the hidden
  // field named by data-utc-target gets the UTC time on submit.
  function setupLocalTimeForms() {
    document.querySelectorAll("form:not(#filters)").forEach((form) => {
      const inputs = form.querySelectorAll("[data-utc-target]");
      if (!inputs.length) return;
      form.addEventListener("submit", () => {
        inputs.forEach((input) => {
          const hidden = form.elements.namedItem(input.dataset.utcTarget);
          if (hidden) hidden.value = input.value ? new Date(input.value).toISOString() : "";
        });
      });
    });
  }

  // Column chooser, remembered in this browser.
  function setupColumns() {
    const grid = document.getElementById("grid");
    const menu = document.getElementById("columns-menu");
    if (!grid || !menu) return;
    let saved = {};
    try { saved = JSON.parse(localStorage.getItem("logbook.columns") || "{}"); } catch (e) { saved = {}; }
    const boxes = menu.querySelectorAll("input[data-column]");
    const apply = () => boxes.forEach((b) => grid.classList.toggle("hide-" + b.dataset.column, !b.checked));
    boxes.forEach((b) => {
      if (b.dataset.column in saved) b.checked = saved[b.dataset.column];
      b.addEventListener("change", () => {
        saved[b.dataset.column] = b.checked;
        localStorage.setItem("logbook.columns", JSON.stringify(saved));
        apply();
      });
    });
    apply();
  }

  // The detail dialog: its own URL, OK or Esc returns to the same grid.
  function setupDialog() {
    const dialog = document.getElementById("detail-dialog");
    const grid = document.getElementById("grid");
    if (!dialog || !grid) return;
    let opener = null;

    async function open(href, push) {
      let html;
      try {
        const sep = href.includes("?") ? "&" : "?";
        const resp = await fetch(href + sep + "fragment=1", { headers: { Accept: "text/html" } });
        if (!resp.ok) { location.assign(href); return; }
        html = await resp.text();
      } catch (e) { location.assign(href); return; }
      dialog.innerHTML = html;
      localizeTimes(dialog);
      dialog.querySelectorAll("[data-close]").forEach((b) => b.addEventListener("click", (ev) => {
        ev.preventDefault();
        dialog.close();
      }));
      if (push) history.pushState({ detail: href }, "", href);
      if (!dialog.open) dialog.showModal();
      const ok = dialog.querySelector("[data-close]");
      if (ok) ok.focus();
    }

    dialog.addEventListener("close", () => {
      if (history.state && history.state.detail) history.back();
      if (opener) opener.focus();
    });
    window.addEventListener("popstate", (ev) => {
      if (ev.state && ev.state.detail) { open(ev.state.detail, false); return; }
      if (dialog.open) dialog.close();
    });

    grid.addEventListener("click", (ev) => {
      const a = ev.target.closest("a");
      if (a && !a.classList.contains("row-link")) return; // job links and others navigate
      const row = ev.target.closest("tr[data-href]");
      if (!row || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
      ev.preventDefault();
      opener = row;
      open(row.dataset.href, true);
    });
    grid.addEventListener("keydown", (ev) => {
      const row = ev.target.closest("tr[data-href]");
      if (row && ev.key === "Enter" && ev.target === row) {
        ev.preventDefault();
        opener = row;
        open(row.dataset.href, true);
      }
    });
  }

  // Keys: j/k rows, / filters, n/p pages.
  function setupKeys() {
    document.addEventListener("keydown", (ev) => {
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const tag = (ev.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "select" || tag === "textarea" || document.querySelector("dialog[open]")) return;
      const rows = Array.from(document.querySelectorAll("#grid tbody tr[data-href]"));
      const i = rows.indexOf(document.activeElement);
      if (ev.key === "j" && rows.length) { rows[Math.min(i + 1, rows.length - 1)].focus(); ev.preventDefault(); }
      else if (ev.key === "k" && rows.length) { rows[Math.max(i - 1, 0)].focus(); ev.preventDefault(); }
      else if (ev.key === "/") {
        const f = document.querySelector(".filter-row input");
        if (f) { f.focus(); ev.preventDefault(); }
      } else if (ev.key === "n") { const a = document.getElementById("next"); if (a) location.assign(a.href); }
      else if (ev.key === "p") { const a = document.getElementById("prev"); if (a) location.assign(a.href); }
    });
  }

  // Live: how many new entries match; showing them is the viewer's choice.
  function setupLive() {
    const btn = document.getElementById("live");
    if (!btn || !btn.dataset.url || !window.EventSource) return;
    const es = new EventSource(btn.dataset.url);
    es.onmessage = (ev) => {
      const n = parseInt(ev.data, 10);
      if (!(n > 0)) { btn.hidden = true; return; }
      btn.textContent = (n > 1000 ? "1000+" : n) + (n === 1 ? " new entry" : " new entries");
      btn.hidden = false;
    };
    btn.addEventListener("click", () => location.assign(btn.dataset.href));
    window.addEventListener("pagehide", () => es.close());
  }

  // Running jobs: their percent and state follow the job as it runs.
  function setupJobProgress() {
    const rows = () => Array.from(document.querySelectorAll("tr[data-job][data-state='IN_PROGRESS'], tr[data-job][data-state='SCHEDULED'], #job-fields[data-state='IN_PROGRESS'], #job-fields[data-state='SCHEDULED']"));
    if (!rows().length) return;
    const show = (el, job) => {
      const bar = el.querySelector("progress");
      if (bar) bar.value = job.percent;
      const pct = el.querySelector("[data-percent]");
      if (pct) pct.textContent = job.percent + "%";
      const badge = el.querySelector(".state");
      if (badge && badge.textContent !== job.state) {
        badge.textContent = job.state;
        badge.className = "state state-" + ({SUCCESS: "success", FAILURE: "failure", IN_PROGRESS: "running", CANCELED: "canceled"}[job.state] || "scheduled");
      }
      el.dataset.state = job.state;
    };
    const poll = async () => {
      const live = rows();
      if (!live.length) return;
      for (const el of live.slice(0, 50)) {
        try {
          const resp = await fetch("/api/v1/jobs/" + el.dataset.job, { headers: { Accept: "application/json" } });
          if (resp.ok) show(el, await resp.json());
        } catch (e) { /* the next round tries again */ }
      }
      setTimeout(poll, 3000);
    };
    setTimeout(poll, 3000);
  }

  // Copy buttons copy the text of the element they name.
  function setupCopy() {
    document.querySelectorAll("[data-copy]").forEach((b) => b.addEventListener("click", async () => {
      const src = document.getElementById(b.dataset.copy);
      if (!src || !navigator.clipboard) return;
      await navigator.clipboard.writeText(src.textContent);
      const was = b.textContent;
      b.textContent = "Copied";
      setTimeout(() => { b.textContent = was; }, 1500);
    }));
  }

  function start() {
    localizeTimes(document);
    setupFilters();
    setupLocalTimeForms();
    setupColumns();
    setupDialog();
    setupKeys();
    setupLive();
    setupJobProgress();
    setupCopy();
    document.documentElement.dataset.ready = "1";
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
