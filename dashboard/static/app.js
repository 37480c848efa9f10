// Fusion watch floor: the live feed (server-sent events -> htmx refreshes), the CSRF header
// on every htmx request, kept selections across refreshes, and deadline countdowns.
(function () {
  "use strict";
  const body = document.body;

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = body.dataset.csrf || "";
  });

  let kept = new Set();
  document.addEventListener("htmx:beforeSwap", function (event) {
    kept = new Set(Array.from(event.target.querySelectorAll("input[name=lead_id]:checked"))
      .map(function (box) { return box.value; }));
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    event.target.querySelectorAll("input[name=lead_id]").forEach(function (box) {
      if (kept.has(box.value)) { box.checked = true; }
    });
    tick();
  });

  function live() {
    const parts = document.querySelectorAll("[data-live]");
    if (!parts.length || !window.EventSource) { return; }
    const source = new EventSource("/events");
    source.addEventListener("changed", function () {
      parts.forEach(function (part) { window.htmx.trigger(part, "refresh"); });
    });
    source.addEventListener("logged-out", function () { window.location.assign("/login"); });
  }

  function pad(n) { return String(n).padStart(2, "0"); }
  function tick() {
    const now = Date.now();
    document.querySelectorAll("time.countdown").forEach(function (el) {
      const left = Math.round((Date.parse(el.getAttribute("datetime")) - now) / 1000);
      const s = Math.abs(left);
      const text = (s >= 3600 ? Math.floor(s / 3600) + ":" : "") + pad(Math.floor(s / 60) % 60)
        + ":" + pad(s % 60);
      el.textContent = left >= 0 ? text + " " + (body.dataset.left || "")
        : (body.dataset.overdue || "") + " +" + text;
      el.classList.toggle("overdue", left < 0);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const all = document.getElementById("select-all");
    if (all) {
      all.addEventListener("change", function () {
        document.querySelectorAll("input[name=lead_id]").forEach(function (box) {
          box.checked = all.checked;
        });
      });
    }
    live();
    tick();
    window.setInterval(tick, 1000);
  });
})();
